"""eks-daemonsets:cluster at its edges: names, VPC and subnet ids, administrators, CIDRs, log types, the
Kubernetes version, and an existing cluster's kubeconfig and OIDC provider (issue 15)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.settings.small_stack import OIDC, existing, parse, refused, set_in

ROLE = "arn:aws:iam::123456789012:role/admins"


@pytest.mark.parametrize(
    ("name", "taken"),
    [("a" * 100, True), ("a" * 101, False), ("", False), ("a", True), ("-a", False), ("a b", False), ("a!", False),
     ("A-_9", True)],
)
def test_cluster_names(name: str, taken: bool) -> None:
    change = set_in("cluster.name", name)
    if taken:
        assert parse(change).cluster_name == name
    else:
        refused(change, "cluster.name")



@pytest.mark.parametrize(
    ("tags", "taken"),
    [({"a": "v"}, True), ({"k" * 128: "v"}, True), ({"": "v"}, False), ({"k" * 129: "v"}, False),
     ({"k": "v" * 256}, True), ({"k": "v" * 257}, False), ({"AWS:owner": "me"}, False),
     ({f"k{i}": "v" for i in range(50)}, True), ({f"k{i}": "v" for i in range(51)}, False)],
    ids=["key-1", "key-128", "key-empty", "key-129", "value-256", "value-257", "aws-prefix", "50-tags", "51-tags"],
)
def test_cluster_tags_keep_the_aws_tagging_rules(tags: dict, taken: bool) -> None:
    change = set_in("cluster.tags", tags)
    if taken:
        assert parse(change).cluster.tags == tags
    else:
        refused(change, "cluster.tags")

def vpc(vpc_id: str = "vpc-0123abcd", private: list | None = None, public: list | None = None) -> Callable[[dict], None]:
    value: dict = {"id": vpc_id, "privateSubnetIds": private or ["subnet-0123abcd", "subnet-4567abcd"]}
    if public is not None:
        value["publicSubnetIds"] = public
    return set_in("cluster.vpc", value)


@pytest.mark.parametrize(
    ("vpc_id", "taken"),
    [("vpc-0123abcd", True), ("vpc-" + "a" * 17, True), ("vpc-0123abc", False), ("vpc-" + "a" * 18, False),
     ("xvpc-0123abcd", False), ("vpc-0123abcd!", False), ("vpc-0123ABCD", False)],
)
def test_vpc_ids(vpc_id: str, taken: bool) -> None:
    if taken:
        assert parse(vpc(vpc_id)).cluster.given_vpc.id == vpc_id
    else:
        refused(vpc(vpc_id), "cluster.vpc.id")


@pytest.mark.parametrize("subnet", ["subnet-0123abc", "xsubnet-0123abcd", "subnet-0123abcd!", "subnet-" + "a" * 18])
def test_malformed_subnet_ids_are_refused(subnet: str) -> None:
    refused(vpc(private=["subnet-0123abcd", subnet]), "cluster.vpc.privateSubnetIds[1]")
    refused(vpc(public=[subnet]), "cluster.vpc.publicSubnetIds[0]")


def test_a_vpc_needs_two_private_subnets() -> None:
    refused(vpc(private=["subnet-0123abcd"]), "cluster.vpc.privateSubnetIds")
    settings = parse(vpc(public=["subnet-" + "b" * 17]))
    assert settings.cluster.given_vpc.public_subnet_ids == ("subnet-" + "b" * 17,)


@pytest.mark.parametrize(
    ("arn", "taken"),
    [(ROLE, True), ("arn:aws:iam::123456789012:role/path/to/admins", True), ("arn:aws:iam::123456789012:user/me", True),
     ("arn:aws-cn:iam::123456789012:role/r", True), ("x" + ROLE, False), (ROLE + " x", False),
     ("arn:aws:iam::123456789012:group/g", False), ("arn:aws:iam::1234567890:role/r", False),
     ("arn:aws:sts::123456789012:assumed-role/admins/me", False)],
)
def test_admin_principal_arns(arn: str, taken: bool) -> None:
    change = set_in("cluster.adminPrincipalArns", [arn])
    if taken:
        assert parse(change).cluster.admin_principal_arns == (arn,)
    else:
        refused(change, "cluster.adminPrincipalArns[0]")


def test_an_sso_session_hint_names_the_reserved_role_path() -> None:
    message = refused(
        set_in("cluster.adminPrincipalArns", ["arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/me"]),
        "cluster.adminPrincipalArns[0]",
    )
    assert "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1" in message
    message = refused(set_in("cluster.adminPrincipalArns", ["arn:aws:sts::123456789012:assumed-role/ops/me"]),
                      "cluster.adminPrincipalArns[0]")
    assert "arn:aws:iam::123456789012:role/ops" in message
    assert "aws-reserved" not in message


def test_an_admin_principal_listed_twice_is_refused() -> None:
    refused(set_in("cluster.adminPrincipalArns", [ROLE, ROLE]), "cluster.adminPrincipalArns")


@pytest.mark.parametrize(
    ("cidr", "taken"),
    [("10.0.0.0/8", True), ("192.168.1.1/32", True), ("10.0.0.0/8x", False), ("x10.0.0.0/8", False),
     ("10.0.0/8", False), ("10.0.0.0", False)],
)
def test_public_access_cidrs(cidr: str, taken: bool) -> None:
    change = set_in("cluster.publicAccessCidrs", [cidr])
    if taken:
        assert parse(change).cluster.public_access_cidrs == (cidr,)
    else:
        refused(change, "cluster.publicAccessCidrs[0]")


@pytest.mark.parametrize(("arn", "taken"), [(OIDC, True), ("x" + OIDC, False),
                                            ("arn:aws:iam::123456789012:oidc-provider//x", False)])
def test_oidc_provider_arns(arn: str, taken: bool) -> None:
    if taken:
        assert parse(existing(oidcProviderArn=arn)).cluster.existing.oidc_provider_url == arn.split("oidc-provider/")[1]
    else:
        refused(existing(oidcProviderArn=arn), "cluster.existing.oidcProviderArn")


@pytest.mark.parametrize("key", ["kubeconfigPath", "context"])
def test_existing_cluster_strings_must_not_be_empty(key: str) -> None:
    refused(existing(**{key: ""}), f"cluster.existing.{key}")


def test_every_control_plane_log_type_is_taken_alone() -> None:
    for log in ("api", "audit", "authenticator", "controllerManager", "scheduler"):
        assert parse(set_in("cluster.controlPlaneLogging", [log])).cluster.control_plane_logging == (log,)
    refused(set_in("cluster.controlPlaneLogging", ["kubelet"]), "cluster.controlPlaneLogging[0]")


def test_the_kubernetes_version_may_be_typed_as_a_number() -> None:
    assert parse(set_in("cluster.kubernetesVersion", 1.34)).cluster.kubernetes_version == "1.34"
    refused(set_in("cluster.kubernetesVersion", "1.31"), "cluster.kubernetesVersion")


def test_an_existing_cluster_takes_one_kubeconfig() -> None:
    refused(existing(kubeconfig="apiVersion: v1"), "cluster.existing")
    refused(lambda raw: raw.update(cluster={"existing": {"context": "c"}}), "cluster.existing")


def test_a_vpc_word_other_than_default_is_refused() -> None:
    refused(set_in("cluster.vpc", "mine"), "cluster.vpc")
    assert parse().cluster.given_vpc is None


def test_an_oidc_provider_arn_with_a_trailing_newline_is_refused() -> None:
    refused(existing(oidcProviderArn=OIDC + "\n"), "cluster.existing.oidcProviderArn")


def test_an_empty_cluster_name_is_refused_for_its_length() -> None:
    assert "allowed: at least 1" in refused(set_in("cluster.name", ""), "cluster.name")


def test_addon_versions_default_per_kubernetes_version_and_may_be_pinned_per_stack() -> None:
    from components.settings.addon_versions import DEFAULT_ADDON_VERSIONS

    assert parse().cluster.addon_pins == DEFAULT_ADDON_VERSIONS["1.35"]
    pinned = parse(set_in("cluster.addonVersions", {"kubeProxy": "v1.35.1-eksbuild.1"})).cluster.addon_pins
    assert pinned.kube_proxy == "v1.35.1-eksbuild.1" and pinned.vpc_cni == DEFAULT_ADDON_VERSIONS["1.35"].vpc_cni
    assert "eksbuild" in refused(set_in("cluster.addonVersions", {"vpcCni": "latest"}), "cluster.addonVersions.vpcCni")
    refused(set_in("cluster.addonVersions", {"coredns": "v1.13.2-eksbuild.1"}), "cluster.addonVersions.coredns")


def test_every_supported_kubernetes_version_has_pins_and_kube_proxy_follows_its_minor() -> None:
    import re

    from components.settings import SUPPORTED_KUBERNETES_VERSIONS
    from components.settings.addon_versions import ADDON_VERSION_PATTERN, DEFAULT_ADDON_VERSIONS

    assert sorted(DEFAULT_ADDON_VERSIONS) == sorted(SUPPORTED_KUBERNETES_VERSIONS)
    for version, pins in DEFAULT_ADDON_VERSIONS.items():
        assert all(re.match(ADDON_VERSION_PATTERN, pin) for pin in pins), pins
        assert pins.kube_proxy.startswith(f"v{version}."), (version, pins.kube_proxy)


@pytest.mark.parametrize("key", ["aws:profile", "aws:assumeRoles", "aws:accessKey"])
def test_provider_only_aws_credentials_are_refused_on_the_eks_path(key: str) -> None:
    """pulumi-eks's kubeconfigJson runs `aws eks get-token` without --profile (nodejs/eks/cluster/cluster.ts,
    generateKubeconfig: the profile goes only into the copy made with includeProfile, which pulumi-eks keeps for its
    own provider; the Cluster's kubeconfigJson is jsonStringify(core.kubeconfig), the copy without)."""
    from components.settings import SettingsError, parse_settings
    from tests.settings.small_stack import BASE

    with pytest.raises(SettingsError) as caught:
        parse_settings(BASE, project="eks-daemonsets", stack="t", region="eu-west-1", aws_config_keys=[key])
    assert str(caught.value).startswith(f"{key}: is set") and "AWS_PROFILE" in str(caught.value)
    on_existing = {**BASE, "cluster": {"existing": {"kubeconfigPath": "/k"}}}
    assert parse_settings(on_existing, project="eks-daemonsets", stack="t", region="eu-west-1", aws_config_keys=[key])
