"""What pulumi-eks and the EKS API do with the cluster's arguments, pinned against their sources (issue 19).

The mocks accept anything; these tests hold the arguments to what the upstream code does with them. Sources read:
pulumi/pulumi-eks nodejs/eks at blob 19722e4 (cluster/authenticationMode.ts) and 1069dbb (cluster/cluster.ts), the
v4 layout behind the pulumi-eks 4.4.0 Python SDK installed here; pulumi/pulumi-eks examples/network-policies/index.ts
at fde4075; awsdocs/amazon-eks-user-guide creating-access-entries.adoc at 1b1d3df.
"""

from __future__ import annotations

import json

from offline.mocks import RunResult
from tests.conftest import dev_config, run_config

ADMINS = ["arn:aws:iam::123456789012:role/platform-admins", "arn:aws:iam::123456789012:role/ops/oncall"]


def _cluster(result: RunResult):
    (cluster,) = result.of_type("eks:index:Cluster")
    return cluster


def _with_admins(arns: list[str]) -> RunResult:
    config = dev_config()
    config["eks-daemonsets:cluster"]["adminPrincipalArns"] = arns
    return run_config(config)


def _entry_names(result: RunResult) -> dict[str, str]:
    return {r.inputs["principalArn"]: r.name for r in result.of_type("aws:eks/accessEntry:AccessEntry")}


def test_api_mode_cluster_registers_no_instance_roles(dev: RunResult) -> None:
    """pulumi-eks throws on a non-empty ``instanceRoles`` in API mode: nodejs/eks/cluster/authenticationMode.ts
    line 51 (blob 19722e4), ``checkNonEmpty("instanceRoles")``, "The 'instanceRoles' property does not support
    non-empty values when 'authenticationMode' is set to 'API'". The shape upstream tests instead is
    examples/network-policies/index.ts lines 18-21 and 40-47: API mode, skipDefaultNodeGroup, a managed node group
    with nodeRole and no instanceRoles; EKS creates the node role's access entry itself ("It's unnecessary to create
    an access entry for an IAM role that's used for a managed node group", creating-access-entries.adoc)."""
    inputs = _cluster(dev).inputs
    assert inputs["authenticationMode"] == "API"
    assert not inputs.get("instanceRoles")
    # Without resource references a resource input is sent as its id: the mocks answer "<name>-id".
    assert {group.inputs["nodeRole"] for group in dev.of_type("eks:index:ManagedNodeGroup")} == {"cluster-node-role-id"}


def test_admin_access_entries_keep_their_names_when_the_list_is_reordered_or_shortened() -> None:
    """EKS takes one access entry per principal (creating-access-entries.adoc: "An IAM principal can't be included
    in more than one access entry"), and a principal can't change ("You can't change the IAM principal after the
    access entry is created"). Named by position, a reorder or the removal of the first ARN would replace entries."""
    both = _entry_names(_with_admins(ADMINS))
    assert len(set(both.values())) == 2
    assert _entry_names(_with_admins(list(reversed(ADMINS)))) == both
    assert _entry_names(_with_admins(ADMINS[1:])) == {ADMINS[1]: both[ADMINS[1]]}


def test_admin_access_entries_adopt_the_entries_pulumi_eks_made_under_the_cluster() -> None:
    """Earlier releases passed ``access_entries={"admin-<index>": ...}`` to pulumi-eks, which names the entry
    ``<component>-<key>`` under its Cluster (authenticationMode.ts, createAccessEntries). The alias adopts it rather
    than creating a second entry for the principal."""
    result = _with_admins(ADMINS)
    cluster_urn = _cluster(result).urn
    entries = {r.inputs["principalArn"]: r for r in result.of_type("aws:eks/accessEntry:AccessEntry")}
    for index, arn in enumerate(ADMINS):
        (alias,) = entries[arn].aliases
        assert alias == cluster_urn.replace("eks:index:Cluster::cluster", "eks:index:Cluster$aws:eks/accessEntry:AccessEntry::") + f"cluster-admin-{index}"


def test_node_role_policies_follow_the_providers_partition() -> None:
    """pulumi-eks names the managed policies of its own roles ``arn:${partition}:iam::aws:policy/...`` with the
    partition from ``aws.getPartitionOutput`` (nodejs/eks/cluster/cluster.ts, createCore, about line 537 of the
    v4 file). A cn-north-1 stack is in aws-cn, whose managed policies are ``arn:aws-cn:iam::aws:policy/...``."""
    config = dev_config()
    config["aws:region"] = "cn-north-1"
    arns = {r.inputs["policyArn"] for r in run_config(config).of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert arns == {
        "arn:aws-cn:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws-cn:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws-cn:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    }


def test_vpc_cni_and_kube_proxy_versions_are_pinned(dev: RunResult) -> None:
    """Without a version pulumi-eks asks for the most recent add-on on every run: VpcCniAddon takes
    ``args.addonVersion`` else ``getAddonVersionOutput({mostRecent: true})`` (nodejs/eks/addons/cni-addon.ts,
    blob 3328fbe, about line 280), and createCore takes ``kubeProxyAddonOptions.version`` else the same
    (cluster/cluster.ts, about line 773)."""
    inputs = _cluster(dev).inputs
    assert inputs["vpcCniOptions"]["addonVersion"] == "v1.21.1-eksbuild.3"
    assert inputs["kubeProxyAddonOptions"]["version"] == "v1.35.0-eksbuild.2"


def test_addon_versions_follow_the_kubernetes_version_and_the_stack() -> None:
    config = dev_config()
    config["eks-daemonsets:cluster"]["kubernetesVersion"] = "1.33"
    inputs = _cluster(run_config(config)).inputs
    assert inputs["kubeProxyAddonOptions"]["version"] == "v1.33.0-eksbuild.2"
    config["eks-daemonsets:cluster"]["addonVersions"] = {"vpcCni": "v1.20.4-eksbuild.2", "coreDns": "v1.12.2-eksbuild.4"}
    result = run_config(config)
    assert _cluster(result).inputs["vpcCniOptions"]["addonVersion"] == "v1.20.4-eksbuild.2"
    (coredns,) = result.of_type("aws:eks/addon:Addon")
    assert coredns.inputs["addonVersion"] == "v1.12.2-eksbuild.4"


def test_coredns_is_managed_pinned_and_aimed_at_the_group_marked_for_add_ons(dev: RunResult) -> None:
    """With skipDefaultNodeGroup pulumi-eks makes no CoreDNS add-on unless asked (cluster/cluster.ts, createCore,
    ``corednsExplicitlyEnabled``, about line 1180), leaving EKS's self-managed CoreDNS at an unpinned version on any
    node. The add-on's configuration schema (describe-addon-configuration for coredns v1.10.1-eksbuild.11, as recorded
    in cloudbees/terraform-aws-cloudbees-ci-eks-addon blueprints/03-windows-builds/README.md; additionalProperties false)
    takes ``nodeSelector`` (a map of strings) and ``tolerations`` (a list, defaulting to CriticalAddonsOnly Exists
    and the control-plane NoSchedule toleration)."""
    assert _cluster(dev).inputs["corednsAddonOptions"]["enabled"] is False
    (coredns,) = dev.of_type("aws:eks/addon:Addon")
    inputs = coredns.inputs
    assert (inputs["addonName"], inputs["addonVersion"], inputs["clusterName"]) == (
        "coredns", "v1.13.2-eksbuild.1", "dev-agents"
    )
    assert inputs["preserve"] is True and inputs["resolveConflictsOnCreate"] == "OVERWRITE"
    values = json.loads(inputs["configurationValues"])
    assert set(values) == {"nodeSelector", "tolerations"}
    assert values["nodeSelector"] == {"eks-daemonsets.io/node-group": "system"}
    assert {"key": "CriticalAddonsOnly", "operator": "Exists"} in values["tolerations"]
    groups = {r.inputs["labels"]["eks-daemonsets.io/node-group"]: r.urn for r in dev.of_type("eks:index:ManagedNodeGroup")}
    assert groups["system"] in coredns.depends_on


def test_coredns_tolerates_the_marked_groups_taints_and_keeps_its_placement_when_none_is_marked() -> None:
    config = dev_config()
    groups = config["eks-daemonsets:nodeGroups"]
    del groups[0]["clusterAddons"]
    groups[3]["clusterAddons"] = True
    (coredns,) = run_config(config).of_type("aws:eks/addon:Addon")
    values = json.loads(coredns.inputs["configurationValues"])
    assert values["nodeSelector"] == {"eks-daemonsets.io/node-group": "pci"}
    assert {"key": "compliance", "operator": "Equal", "value": "pci", "effect": "NoExecute"} in values["tolerations"]
    del groups[3]["clusterAddons"]
    (coredns,) = run_config(config).of_type("aws:eks/addon:Addon")
    assert "configurationValues" not in coredns.inputs
