"""EKS Auto Mode under the mocks: Pulumi.automode.yaml, and an Auto Mode stack with managed node groups too.

pulumi-eks is pinned against its source, pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts at 1069dbb (the v4 layout
behind the pulumi-eks 4.4.0 Python SDK installed here), quoted in each test: the mocks accept anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.cluster.node_pools import node_pool_manifest
from components.settings import NodePoolSettings
from offline.mocks import RunResult
from offline.render import render
from tests.conftest import ROOT, dev_config, run_config

NS = "eks-daemonsets"
AUTOMODE = ROOT / "Pulumi.automode.yaml"


def automode_config() -> dict[str, Any]:
    return yaml.safe_load(AUTOMODE.read_text())["config"]


@pytest.fixture(scope="module")
def auto() -> RunResult:
    return run_config(automode_config(), stack="automode")


@pytest.fixture(scope="module")
def auto_with_groups() -> RunResult:
    """Pulumi.automode.yaml with the dev stack's node groups beside its pools, renamed apart from them."""
    config = automode_config()
    groups = dev_config()[f"{NS}:nodeGroups"]
    config[f"{NS}:nodeGroups"] = [{**group, "name": f"{group['name']}-group"} for group in groups]
    return run_config(config)


def _cluster(result: RunResult) -> dict:
    (cluster,) = result.of_type("eks:index:Cluster")
    return cluster.inputs


def _addons(result: RunResult) -> dict[str, dict]:
    return {r.inputs["addonName"]: r.inputs for r in result.of_type("aws:eks/addon:Addon")}


def test_auto_mode_is_on_with_its_node_role_and_only_the_built_in_system_pool(auto: RunResult) -> None:
    """cluster.ts: ``if (args.autoMode?.enabled && args.autoMode.createNodeRole !== false)`` makes the node role;
    computeConfig is ``{enabled: true, nodeRoleArn, nodePools: ["general-purpose", "system"], ...config}``, so ours
    replaces the default list: the stack's pools take general-purpose's place, system stays for the built-in
    NodeClass they use."""
    assert _cluster(auto)["autoMode"] == {
        "enabled": True, "createNodeRole": True, "computeConfig": {"nodePools": ["system"]}}


def test_without_node_groups_no_vpc_cni_kube_proxy_or_coredns_add_on_and_no_node_role(auto: RunResult) -> None:
    """cluster.ts: ``vpcCniAddonEnabled = args.useDefaultVpcCni !== undefined ? !args.useDefaultVpcCni :
    !args.autoMode?.enabled``; ``kubeProxyAddonEnabled = args.kubeProxyAddonOptions?.enabled ??
    !args.autoMode?.enabled``; CoreDNS when ``(fargate || !skipDefaultNodeGroup || args.autoMode?.enabled) &&
    (args.corednsAddonOptions?.enabled ?? true)``: left unset, the first two stay off on Auto Mode, and CoreDNS needs
    ``enabled: false``."""
    inputs = _cluster(auto)
    for key in ("useDefaultVpcCni", "vpcCniOptions", "kubeProxyAddonOptions"):
        assert key not in inputs, key
    assert inputs["corednsAddonOptions"]["enabled"] is False
    assert "coredns" not in _addons(auto)
    assert [r.name for r in auto.of_type("aws:iam/role:Role")] == ["fluentd-role"]  # EKS makes the node role
    assert auto.of_type("eks:index:ManagedNodeGroup") == []
    assert auto.outputs["nodeGroupNames"] == []


def test_a_node_pool_per_stack_pool_through_the_cluster_provider(auto: RunResult) -> None:
    pools = {r.inputs["metadata"]["name"]: r for r in auto.of_type("kubernetes:karpenter.sh/v1:NodePool")}
    assert sorted(pools) == ["general", "gpu"]  # not system: EKS makes and keeps that one
    (provider,) = auto.of_type("pulumi:providers:kubernetes")
    (cluster,) = auto.of_type("eks:index:Cluster")
    for entry in automode_config()[f"{NS}:nodePools"]:
        registered = pools[entry["name"]]
        expected = node_pool_manifest(NodePoolSettings.model_validate(entry))
        assert {k: registered.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")} == expected
        assert registered.provider.startswith(provider.urn)
        assert cluster.urn in registered.depends_on


def test_the_node_pool_manifest_is_the_crd_shape_sorted() -> None:
    """karpenter.sh_nodepools.yaml (v1.14.1): spec.template.metadata.labels and spec.template.spec.{nodeClassRef,
    requirements, taints, startupTaints}; sorted so that a preview shows no reordering."""
    pool = NodePoolSettings.model_validate({
        "name": "batch", "labels": {"z": "1", "a": "2"},
        "taints": [{"key": "t", "effect": "NoSchedule"}, {"key": "b", "value": "v", "effect": "NoExecute"}],
        "startupTaints": [{"key": "s", "effect": "NoSchedule"}],
        "requirements": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64", "amd64"], "minValues": 2},
                         {"key": "team", "operator": "Exists"}],
    })
    assert node_pool_manifest(pool) == {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": "batch", "labels": {"app.kubernetes.io/managed-by": "eks-daemonsets"}},
        "spec": {"template": {
            "metadata": {"labels": {"a": "2", "z": "1"}},
            "spec": {
                "nodeClassRef": {"group": "eks.amazonaws.com", "kind": "NodeClass", "name": "default"},
                "requirements": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"], "minValues": 2},
                    {"key": "team", "operator": "Exists"},
                ],
                "taints": [{"key": "b", "value": "v", "effect": "NoExecute"}, {"key": "t", "effect": "NoSchedule"}],
                "startupTaints": [{"key": "s", "effect": "NoSchedule"}],
            },
        }},
    }


def test_the_network_policy_controller_is_turned_on_by_a_patch(auto: RunResult) -> None:
    (patch,) = auto.of_type("kubernetes:core/v1:ConfigMapPatch")
    assert patch.inputs["metadata"] == {"name": "amazon-vpc-cni", "namespace": "kube-system"}
    assert patch.inputs["data"] == {"enable-network-policy-controller": "true"}
    (provider,) = auto.of_type("pulumi:providers:kubernetes")
    assert patch.provider.startswith(provider.urn)


def test_the_outputs_name_the_pools_system_first_and_what_each_node_gives_up(auto: RunResult) -> None:
    assert auto.outputs["nodePoolNames"] == ["system", "general", "gpu"]
    per_node = auto.outputs["agentRequestsPerNode"]
    assert list(per_node) == ["system", "general", "gpu"]
    (general,) = per_node["general"]
    assert general["agents"] == ["nodeExporter", "fluentd", "securityAgent"]
    assert general["reservedWhereItDoesNotRun"] == ["fluentd"]
    (gpu,) = per_node["gpu"]
    assert gpu["agents"] == ["nodeExporter", "securityAgent"]
    assert auto.outputs["placement"]["fluentd"]["general"]["some"] == "only nodes with karpenter.sh/capacity-type=on-demand"


def test_the_render_writes_the_some_cell_and_the_overhead_table(tmp_path: Path) -> None:
    render(AUTOMODE, tmp_path / "out")
    placement = (tmp_path / "out" / "placement.md").read_text()
    assert (
        "| general (pool) | ✅ runs | 🟡 runs on some: only nodes with karpenter.sh/capacity-type=on-demand (misses "
        "nodes with karpenter.sh/capacity-type=spot) | ✅ runs |"
    ) in placement
    assert "| gpu (pool) | every node | 160m | 352Mi | nodeExporter, securityAgent |" in placement
    general = yaml.safe_load((tmp_path / "out" / "manifests" / "_cluster" / "nodepool-general.yaml").read_text())
    assert general["spec"]["template"]["spec"]["nodeClassRef"]["kind"] == "NodeClass"


def test_with_node_groups_too_the_networking_add_ons_are_asked_for_outright(auto_with_groups: RunResult) -> None:
    """On Auto Mode pulumi-eks makes the VPC CNI only for ``useDefaultVpcCni: false`` and kube-proxy only for
    ``kubeProxyAddonOptions.enabled: true`` (the two cluster.ts lines quoted above); both pinned."""
    inputs = _cluster(auto_with_groups)
    assert inputs["autoMode"]["enabled"] is True
    assert inputs["useDefaultVpcCni"] is False
    assert inputs["vpcCniOptions"]["enableNetworkPolicy"] is True
    assert inputs["vpcCniOptions"]["addonVersion"]
    assert inputs["kubeProxyAddonOptions"]["enabled"] is True
    assert inputs["kubeProxyAddonOptions"]["version"]
    assert inputs["corednsAddonOptions"]["enabled"] is False
    # Our own CoreDNS add-on, on the managed nodes, and the node groups' role.
    assert "coredns" in _addons(auto_with_groups)
    assert [r.name for r in auto_with_groups.of_type("aws:iam/role:Role") if "node" in r.name] == ["cluster-node-role"]
    assert len(auto_with_groups.of_type("eks:index:ManagedNodeGroup")) == 4
    assert auto_with_groups.outputs["nodePoolNames"] == ["system", "general", "gpu"]
    assert list(auto_with_groups.outputs["placement"]["fluentd"]) == [
        "system-group", "general-group", "gpu-group", "pci-group", "system", "general", "gpu"]


def test_without_auto_mode_kube_proxy_takes_pulumi_eks_default(dev: RunResult) -> None:
    """Not on Auto Mode: ``enabled`` is left to ``?? !args.autoMode?.enabled`` (true), and no autoMode is sent."""
    inputs = _cluster(dev)
    assert "autoMode" not in inputs
    assert "enabled" not in inputs["kubeProxyAddonOptions"]
    assert inputs["useDefaultVpcCni"] is False
    assert dev.of_type("kubernetes:karpenter.sh/v1:NodePool") == []
    assert dev.of_type("kubernetes:core/v1:ConfigMapPatch") == []
