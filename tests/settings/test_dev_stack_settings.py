"""Stack settings: every mistake is caught before any resource, with one message naming the key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from components.settings import SettingsError, parse_settings
from tests.conftest import dev_config

NS = "eks-daemonsets"


def _raw(config: dict[str, Any]) -> dict[str, Any]:
    return {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(NS + ":")}


def _parse(config: dict[str, Any]):
    return parse_settings(_raw(config), project=NS, stack="test", region=config.get("aws:region"))


def _error(mutate) -> str:
    config = dev_config()
    mutate(config)
    with pytest.raises(SettingsError) as caught:
        _parse(config)
    return str(caught.value)


def test_dev_stack_parses_into_frozen_settings() -> None:
    settings = _parse(dev_config())
    assert settings.cluster_name == "dev-agents"
    assert [g.name for g in settings.node_groups] == ["system", "general", "gpu", "pci"]
    assert settings.node_groups[0].taints[0].effect == "NoSchedule"
    with pytest.raises(ValidationError, match="frozen"):
        settings.node_groups[0].name = "other"  # type: ignore[misc]


def _set(path: list, value: Any):
    def mutate(config: dict) -> None:
        target = config
        for part in path[:-1]:
            target = target.setdefault(part, {}) if isinstance(target, dict) else target[part]
        target[path[-1]] = value

    return mutate


def _group(index: int, key: str, value: Any):
    return _set([f"{NS}:nodeGroups", index, key], value)


BAD = [
    pytest.param(
        _set([f"{NS}:nodeGroups", 2, "taints", 0, "effect"], "NoSchedul"),
        f"{NS}:nodeGroups[2].taints[0].effect: \"NoSchedul\" is not allowed",
        "allowed: 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'",
        id="bad-taint-effect",
    ),
    pytest.param(
        _group(0, "instanceType", ["t3.large"]),
        f"{NS}:nodeGroups[0].instanceType: unknown key; allowed keys: amiType, capacityType, clusterAddons, diskSizeGib, "
        "instanceTypes, labels, name, scaling, taints",
        "",
        id="unknown-key",
    ),
    pytest.param(
        _set([f"{NS}:agents", "fluentd", "targeting"], {"tolerations": [{"key": "a", "operator": "Exists", "efect": "NoSchedule"}]}),
        f"{NS}:agents.fluentd.targeting.tolerations[0].efect: unknown key; allowed keys: effect, key, operator, "
        "tolerationSeconds, value",
        "",
        id="unknown-key-inside-a-union",
    ),
    pytest.param(
        _group(1, "labels", {"node role": "general"}),
        f"{NS}:nodeGroups[1].labels",
        "node role",
        id="label-key-with-space",
    ),
    pytest.param(
        _group(1, "labels", {"tier": "-general"}),
        f"{NS}:nodeGroups[1].labels",
        "-general",
        id="label-value-bad-start",
    ),
    pytest.param(
        _group(0, "scaling", {"min": 3, "desired": 2, "max": 4}),
        f"{NS}:nodeGroups[0].scaling: min 3, desired 2, max 4 are out of order; allowed: min <= desired <= max",
        "",
        id="min-above-desired",
    ),
    pytest.param(
        _group(0, "scaling", {"min": 1, "desired": 5, "max": 4}),
        f"{NS}:nodeGroups[0].scaling: min 1, desired 5, max 4 are out of order",
        "",
        id="desired-above-max",
    ),
    pytest.param(
        _group(3, "name", "system"),
        f"{NS}:nodeGroups: node group name 'system' is used twice; allowed: each name once",
        "",
        id="duplicate-node-group",
    ),
    pytest.param(
        _group(0, "instanceTypes", []),
        f"{NS}:nodeGroups[0].instanceTypes: [] is not allowed",
        "allowed: at least 1 item(s)",
        id="no-instance-types",
    ),
    pytest.param(
        _set([f"{NS}:cluster", "kubernetesVersion"], "1.27"),
        f"{NS}:cluster.kubernetesVersion: '1.27' is not a Kubernetes version EKS supports; "
        "allowed: 1.32, 1.33, 1.34, 1.35, 1.36",
        "",
        id="unsupported-version",
    ),
    pytest.param(
        _group(0, "capacityType", "RESERVED"),
        f"{NS}:nodeGroups[0].capacityType: \"RESERVED\" is not allowed",
        "allowed: 'ON_DEMAND', 'SPOT' or 'CAPACITY_BLOCK'",
        id="bad-capacity-type",
    ),
    pytest.param(
        _group(0, "amiType", "UBUNTU"),
        f"{NS}:nodeGroups[0].amiType: 'UBUNTU' is not an EKS AMI type; allowed: ",
        "AL2023_x86_64_STANDARD",
        id="bad-ami-type",
    ),
    pytest.param(
        _group(0, "labels", {"eks.amazonaws.com/nodegroup": "x"}),
        f"{NS}:nodeGroups[0].labels",
        "reserved domain",
        id="reserved-label-domain",
    ),
    pytest.param(
        _group(0, "taints", [{"key": "a", "value": "1", "effect": "NoSchedule"}, {"key": "a", "value": "2", "effect": "NoSchedule"}]),
        f"{NS}:nodeGroups[0].taints: taint a:NoSchedule appears twice",
        "",
        id="duplicate-taint",
    ),
    pytest.param(
        _set([f"{NS}:agents", "securityAgent", "privileged"], True),
        f"{NS}:agents.securityAgent.privilegedReason: privileged: true needs a reason here",
        "",
        id="privileged-without-reason",
    ),
    pytest.param(
        _set([f"{NS}:agents", "fluentd", "targeting", "nodeAffinity"], [{"key": "node-role", "operator": "In"}]),
        f"{NS}:agents.fluentd.targeting.nodeAffinity[0]",
        "In",
        id="in-without-values",
    ),
    pytest.param(
        _set([f"{NS}:agents", "nodeExporter", "image"], "quay.io/prometheus/node-exporter:latest"),
        f"{NS}:agents.nodeExporter.image: 'quay.io/prometheus/node-exporter:latest' uses the floating tag 'latest'",
        "",
        id="floating-image",
    ),
    pytest.param(
        _set([f"{NS}:agents", "fluentd", "resources"], {"requests": {"cpu": "1", "memory": "512Mi"}, "limits": {"memory": "256Mi"}}),
        f"{NS}:agents.fluentd.resources: the memory request 512Mi exceeds the limit 256Mi; allowed: request <= limit",
        "",
        id="request-above-limit",
    ),
]


@pytest.mark.parametrize("mutate, starts, contains", BAD)
def test_invalid_setting_names_the_key_value_and_what_is_allowed(mutate, starts: str, contains: str) -> None:
    message = _error(mutate)
    assert message.startswith(starts), message
    assert contains in message
    assert "\n" not in message
    assert "Traceback" not in message


def _fluentd_region(result) -> str:
    (daemonset,) = [r for r in result.of_type("kubernetes:apps/v1:DaemonSet") if r.inputs["metadata"]["name"] == "fluentd"]
    env = {e["name"]: e.get("value") for e in daemonset.inputs["spec"]["template"]["spec"]["containers"][0]["env"]}
    return env["AWS_REGION"]


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_region_falls_back_to_the_environment_as_the_aws_provider_does(run, monkeypatch, variable: str) -> None:
    # pulumi_aws.config.region: `__config__.get('region') or get_env('AWS_REGION', 'AWS_DEFAULT_REGION')`.
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, "eu-central-1")
    config = dev_config()
    del config["aws:region"]
    assert _fluentd_region(run(config)) == "eu-central-1"


def test_region_in_the_stack_wins_over_the_environment(run, monkeypatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert _fluentd_region(run(dev_config())) == "us-west-2"


def test_missing_region_is_named() -> None:
    config = dev_config()
    del config["aws:region"]
    with pytest.raises(SettingsError, match=r"^aws:region: required key is missing"):
        _parse(config)


def test_missing_node_groups_is_named() -> None:
    with pytest.raises(SettingsError, match=rf"^{NS}:nodeGroups: no node groups and no node pools"):
        parse_settings({"cluster": {"vpc": "default"}}, project=NS, stack="t", region="us-west-2")


def test_settings_errors_stop_the_program_before_any_resource(run) -> None:
    config = dev_config()
    config[f"{NS}:nodeGroups"][0]["scaling"]["min"] = 9
    with pytest.raises(SettingsError):
        run(config)


def test_unknown_top_level_key_is_named(run) -> None:
    config = dev_config()
    config[f"{NS}:nodegroups"] = copy.deepcopy(config[f"{NS}:nodeGroups"])
    with pytest.raises(SettingsError, match=rf"^{NS}:nodegroups: unknown key; allowed keys: {NS}:agents"):
        run(config)


@pytest.mark.parametrize(
    "arn, suggestion",
    [
        # What `aws sts get-caller-identity` prints for an IAM Identity Center (SSO) user: the role lives under the
        # aws-reserved/sso.amazonaws.com/ path.
        (
            "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com",
            "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
        ),
        ("arn:aws:sts::123456789012:assumed-role/ci-deployer/gha-run-42", "arn:aws:iam::123456789012:role/ci-deployer"),
    ],
)
def test_admin_principal_that_is_an_sts_session_is_refused_naming_its_role(arn: str, suggestion: str) -> None:
    # CreateAccessEntry: "You can't use the STS session principal type with access entries".
    message = _error(_set([f"{NS}:cluster", "adminPrincipalArns"], [arn]))
    assert message.startswith(f"{NS}:cluster.adminPrincipalArns[0]: {arn!r} is an STS session"), message
    assert suggestion in message


def test_admin_principals_are_iam_roles_with_paths_or_users_each_listed_once() -> None:
    role = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123"
    user = "arn:aws:iam::123456789012:user/jane"
    config = dev_config()
    config[f"{NS}:cluster"]["adminPrincipalArns"] = [role, user]
    assert _parse(config).cluster.admin_principal_arns == (role, user)
    # An IAM principal can be in one access entry only.
    message = _error(_set([f"{NS}:cluster", "adminPrincipalArns"], [user, user]))
    assert message.startswith(f"{NS}:cluster.adminPrincipalArns: "), message
    assert "lists a principal twice" in message


def test_a_stack_without_a_vpc_is_refused_rather_than_put_in_the_default_vpc() -> None:
    # The account's default VPC may not exist, and its subnets are all public: nodes there get public IP addresses.
    message = _error(lambda config: config[f"{NS}:cluster"].pop("vpc"))
    assert message.startswith(f"{NS}:cluster.vpc: required key is missing; allowed: "), message
    assert "default" in message and "public IP addresses" in message
    assert "\n" not in message
    with pytest.raises(SettingsError, match=rf"^{NS}:cluster.vpc: 'vpc-0123' is not allowed"):
        _parse(_with_vpc("vpc-0123"))


def _with_vpc(vpc: Any) -> dict[str, Any]:
    config = dev_config()
    config[f"{NS}:cluster"]["vpc"] = vpc
    return config


def test_node_group_names_leave_room_for_the_suffix_eks_appends() -> None:
    # EKS node group names have at most 63 characters; a name prefix gets a 26-character unique suffix
    # (terraform-plugin-sdk id.UniqueIDSuffixLength), so the stack file's name plus "-" may take 37 at most.
    config = dev_config()
    config[f"{NS}:nodeGroups"][0]["name"] = "s" * 36
    assert _parse(config).node_groups[0].name == "s" * 36
    message = _error(_group(0, "name", "s" * 37))
    assert message.startswith(f"{NS}:nodeGroups[0].name: '{'s' * 37}' is not a valid name; allowed: 1 to 36 "), message


def test_our_node_group_label_is_ours_alone() -> None:
    message = _error(_group(0, "labels", {"eks-daemonsets.io/node-group": "other"}))
    assert message.startswith(f"{NS}:nodeGroups[0].labels"), message
    assert "reserved domain" in message


@pytest.mark.parametrize(
    "targeting, key",
    [
        ({"nodeSelector": {"eks.amazonaws.com/nodegroup": "gpu"}}, "nodeSelector[\"eks.amazonaws.com/nodegroup\"]"),
        ({"nodeAffinity": [{"key": "eks.amazonaws.com/nodegroup", "operator": "In", "values": ["gpu"]}]},
         "nodeAffinity[0].key"),
        ({"preferredAffinity": [{"weight": 5, "expressions": [
            {"key": "node-role", "operator": "Exists"},
            {"key": "eks.amazonaws.com/nodegroup", "operator": "In", "values": ["gpu"]},
        ]}]}, "preferredAffinity[0].expressions[1].key"),
    ],
)
def test_targeting_by_the_eks_node_group_name_is_refused_naming_our_label(targeting: dict, key: str) -> None:
    # EKS sets eks.amazonaws.com/nodegroup to the name it generates from the prefix: no stack can know it.
    message = _error(_set([f"{NS}:agents", "fluentd", "targeting"], targeting))
    assert message.startswith(f"{NS}:agents.fluentd.targeting.{key}: 'eks.amazonaws.com/nodegroup' "), message
    assert "allowed: eks-daemonsets.io/node-group" in message


@pytest.mark.parametrize("ami_type", ["AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64"])
def test_amazon_linux_2_ami_types_are_refused_where_eks_publishes_no_al2_ami(ami_type: str) -> None:
    # EKS released AL2 AMIs up to Kubernetes 1.32 (awslabs/amazon-eks-ami#2545): a 1.33+ node group on AL2 never comes up.
    config = dev_config()
    config[f"{NS}:cluster"]["kubernetesVersion"] = "1.32"
    config[f"{NS}:nodeGroups"][1]["amiType"] = ami_type
    assert _parse(config).node_groups[1].ami_type == ami_type
    for version in ("1.33", "1.35"):
        config[f"{NS}:cluster"]["kubernetesVersion"] = version
        with pytest.raises(SettingsError) as caught:
            _parse(config)
        message = str(caught.value)
        assert message.startswith(f"{NS}:nodeGroups[1].amiType: {ami_type!r} has no EKS AMI for Kubernetes {version}")
        assert "allowed: an AL2023 or Bottlerocket AMI type" in message


@pytest.mark.parametrize(
    "labels, key",
    [
        ({"team": "-payments"}, "labels.team"),
        ({"team": "payments", "example.com/tier": "gold!"}, 'labels["example.com/tier"]'),
        ({"team": "payments", "bad key": "x"}, 'labels["bad key"]'),
        ({"kubernetes.io/role": "x"}, 'labels["kubernetes.io/role"]'),
    ],
)
def test_an_error_inside_a_map_names_the_map_key(labels: dict, key: str) -> None:
    message = _error(_group(0, "labels", labels))
    assert message.startswith(f"{NS}:nodeGroups[0].{key}: "), message


def test_a_secret_inside_object_config_is_refused_rather_than_written_out_in_plain_text() -> None:
    # What the CLI hands over for `pulumi config set --secret --path 'eks-daemonsets:cluster.tags.token' ...`: the
    # decrypted JSON of the whole object, the key marked secret. Config.get returns it as plain text.
    from offline.mocks import main_program, run_program
    from offline.render import flatten_config
    from tests.conftest import PROJECT, ROOT

    config = dev_config()
    config[f"{NS}:cluster"]["tags"]["billing-token"] = "s3cr3t"
    flat, _ = flatten_config(config, project=PROJECT)
    with pytest.raises(SettingsError) as caught:
        run_program(
            main_program(ROOT), config=flat, project=PROJECT, stack="test", secret_keys=(f"{NS}:cluster",)
        )
    assert str(caught.value).startswith(f"{NS}:cluster: holds a secret (secure:) value; allowed: plain values only")
    assert "s3cr3t" not in str(caught.value)


def test_the_offline_render_marks_an_object_with_a_secure_value_inside_secret_as_the_cli_does() -> None:
    from offline.render import flatten_config

    flat, secret_keys = flatten_config(
        {"eks-daemonsets:cluster": {"tags": {"token": {"secure": "v1:abc"}}}, "eks-daemonsets:monitoring": {}},
        project="eks-daemonsets",
    )
    assert secret_keys == ("eks-daemonsets:cluster",)
    assert "v1:abc" not in flat["eks-daemonsets:cluster"]
