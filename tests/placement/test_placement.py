"""Worked examples for components.placement: node groups x agents."""

from __future__ import annotations

import json

import pytest

from dataclasses import dataclass, field

from components.placement import (
    AMI_ARCH,
    NODE_GROUP_LABEL,
    AmiPlatform,
    Coverage,
    NodeGroupView,
    coverage_violations,
    node_group_labels,
    node_group_view,
    node_labels,
    placement,
    to_markdown,
    to_output,
)
from components.targeting import (
    LabelExpression,
    NodeTargeting,
    Operator,
    Taint,
    TaintEffect,
    TargetingError,
    Toleration,
    Verdict,
)

GPU_TAINT = Taint("nvidia.com/gpu", "true", TaintEffect.NO_SCHEDULE)
PCI_TAINT = Taint("compliance", "pci", TaintEffect.NO_EXECUTE)


def group(name: str, *, ami: str = "AL2023_x86_64_STANDARD", capacity: str = "ON_DEMAND", labels=None, taints=(), instance_types=("m7i.large",)) -> NodeGroupView:
    return node_group_view(
        name=name,
        labels=labels or {},
        taints=list(taints),
        capacity_type=capacity,
        ami_type=ami,
        instance_types=list(instance_types),
    )


SYSTEM = group("system", labels={"node-role": "system"})
GPU = group("gpu", ami="AL2023_x86_64_NVIDIA", taints=[GPU_TAINT], instance_types=("g5.xlarge", "g5.2xlarge"))
PCI = group("pci", taints=[PCI_TAINT])
SPOT = group("spot", capacity="SPOT", instance_types=("m7i.large", "m6i.large"))
GRAVITON = group("graviton", ami="AL2023_ARM_64_STANDARD", instance_types=("m7g.large",))
WINDOWS = group("windows", ami="WINDOWS_CORE_2022_x86_64")

SECURITY = NodeTargeting.build(tolerations="all")
PLAIN = NodeTargeting.build()


# --------------------------------------------------------------------------- #
# AMI types and node group views
# --------------------------------------------------------------------------- #


def test_ami_table_covers_every_eks_ami_type() -> None:
    # The AMITypes enum of the EKS API (CreateNodegroup amiType).
    assert sorted(AMI_ARCH) == sorted(
        [
            "AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64", "CUSTOM",
            "BOTTLEROCKET_ARM_64", "BOTTLEROCKET_x86_64",
            "BOTTLEROCKET_ARM_64_FIPS", "BOTTLEROCKET_x86_64_FIPS",
            "BOTTLEROCKET_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA",
            "BOTTLEROCKET_ARM_64_NVIDIA_FIPS", "BOTTLEROCKET_x86_64_NVIDIA_FIPS",
            "WINDOWS_CORE_2019_x86_64", "WINDOWS_FULL_2019_x86_64",
            "WINDOWS_CORE_2022_x86_64", "WINDOWS_FULL_2022_x86_64",
            "WINDOWS_CORE_2025_x86_64", "WINDOWS_FULL_2025_x86_64",
            "AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD",
            "AL2023_x86_64_NEURON", "AL2023_x86_64_NVIDIA", "AL2023_ARM_64_NVIDIA",
        ]
    )


@pytest.mark.parametrize("ami_type", sorted(AMI_ARCH))
def test_ami_arch_follows_the_ami_name(ami_type: str) -> None:
    platform = AMI_ARCH[ami_type]
    if ami_type == "CUSTOM":
        assert platform == AmiPlatform(None, "linux")
    elif "ARM_64" in ami_type:
        assert platform == AmiPlatform("arm64", "linux")
    elif ami_type.startswith("WINDOWS_"):
        assert platform == AmiPlatform("amd64", "windows")
    else:
        assert "x86_64" in ami_type
        assert platform == AmiPlatform("amd64", "linux")


def test_node_group_view_adds_the_labels_eks_and_kubelet_set() -> None:
    view = group("system", labels={"node-role": "system"})
    assert view == NodeGroupView(
        name="system",
        labels=(
            ("eks-daemonsets.io/node-group", "system"),
            ("eks.amazonaws.com/capacityType", "ON_DEMAND"),
            ("kubernetes.io/arch", "amd64"),
            ("kubernetes.io/os", "linux"),
            ("node-role", "system"),
            ("node.kubernetes.io/instance-type", "m7i.large"),
        ),
        taints=(),
    )


@dataclass(frozen=True)
class Group:
    """A nodeGroups entry as the settings hold it."""

    name: str
    labels: dict = field(default_factory=dict)
    capacity_type: str = "ON_DEMAND"
    ami_type: str = "AL2023_ARM_64_STANDARD"
    instance_types: tuple = ("m7g.large",)


def test_every_node_group_asks_eks_for_its_own_labels_and_ours() -> None:
    assert node_group_labels(Group("general", labels={"node-role": "general"})) == {
        "eks-daemonsets.io/node-group": "general",
        "node-role": "general",
    }


def test_node_labels_are_every_label_a_node_of_the_group_carries() -> None:
    general = Group("general", labels={"node-role": "general"}, capacity_type="SPOT")
    expected = {
        "eks-daemonsets.io/node-group": "general",
        "eks.amazonaws.com/capacityType": "SPOT",
        "kubernetes.io/arch": "arm64",
        "kubernetes.io/os": "linux",
        "node-role": "general",
        "node.kubernetes.io/instance-type": "m7g.large",
    }
    assert node_labels(general) == expected
    # Once EKS has named the group, its nodes carry that name too.
    named = node_labels(general, nodegroup_name="general-20261128043112345600000001")
    assert named == {**expected, "eks.amazonaws.com/nodegroup": "general-20261128043112345600000001"}
    assert list(named) == sorted(named)


def test_instance_type_label_only_with_exactly_one_instance_type() -> None:
    assert "node.kubernetes.io/instance-type" not in SPOT.label_map()
    assert GRAVITON.label_map()["node.kubernetes.io/instance-type"] == "m7g.large"


def test_eks_labels_win_over_configured_labels() -> None:
    view = group(
        "system",
        ami="CUSTOM",
        labels={
            "eks.amazonaws.com/nodegroup": "other", NODE_GROUP_LABEL: "other", "kubernetes.io/os": "windows",
            "kubernetes.io/arch": "s390x",
        },
    )
    labels = view.label_map()
    # EKS names the group <name>-<suffix> when it creates it: the view can't know the value, so it has none.
    assert "eks.amazonaws.com/nodegroup" not in labels
    assert labels[NODE_GROUP_LABEL] == "system"
    assert labels["kubernetes.io/os"] == "linux"
    # CUSTOM: the arch is unknown, so no arch label at all (not the configured one).
    assert "kubernetes.io/arch" not in labels


def test_node_group_view_sorts_and_deduplicates_taints() -> None:
    view = group("x", taints=[PCI_TAINT, GPU_TAINT, PCI_TAINT])
    assert view.taints == (PCI_TAINT, GPU_TAINT)


@pytest.mark.parametrize(
    "overrides, path, message",
    [
        ({"ami": "UBUNTU"}, ("amiType",), "unknown EKS AMI type"),
        ({"capacity": "RESERVED"}, ("capacityType",), "unknown EKS capacity type: got 'RESERVED'; allowed: ON_DEMAND, SPOT, CAPACITY_BLOCK"),
        ({"labels": {"bad key": "x"}}, ("labels", "bad key"), "label key name has a character outside"),
        ({"taints": [{"key": "a", "effect": "NoSchedule"}]}, ("taints", 0), "must be a Taint"),
    ],
)
def test_node_group_view_rejects_bad_input_with_path(overrides: dict, path: tuple, message: str) -> None:
    with pytest.raises(TargetingError) as caught:
        group("x", **overrides)
    assert caught.value.path == path
    assert str(caught.value).startswith(message)


# --------------------------------------------------------------------------- #
# Worked placement examples
# --------------------------------------------------------------------------- #


def test_security_agent_tolerates_every_taint_and_runs_on_gpu_nodes() -> None:
    assert placement({"securityAgent": SECURITY}, [GPU])["securityAgent"]["gpu"] == Verdict(True, "")


def test_plain_agent_is_kept_off_gpu_nodes_by_the_gpu_taint() -> None:
    assert placement({"nodeExporter": PLAIN}, [GPU])["nodeExporter"]["gpu"] == Verdict(
        False, "taint nvidia.com/gpu=true:NoSchedule is not tolerated"
    )


def test_gpu_toleration_lets_an_agent_onto_gpu_nodes_only() -> None:
    dcgm = NodeTargeting.build(
        required=[LabelExpression(NODE_GROUP_LABEL, Operator.IN, ("gpu",))],
        tolerations=[Toleration("nvidia.com/gpu", "Exists", effect="NoSchedule")],
    )
    row = placement({"dcgm": dcgm}, [SYSTEM, GPU])["dcgm"]
    assert row == {
        "system": Verdict(False, "requires eks-daemonsets.io/node-group In [gpu] (node has eks-daemonsets.io/node-group=system)"),
        "gpu": Verdict(True, ""),
    }


def test_pci_no_execute_taint_keeps_plain_agents_off_and_evicts_time_limited_ones() -> None:
    limited = NodeTargeting.build(tolerations=[Toleration("compliance", "Equal", "pci", "NoExecute", 600)])
    forever = NodeTargeting.build(tolerations=[Toleration("compliance", "Equal", "pci", "NoExecute")])
    table = placement({"plain": PLAIN, "limited": limited, "forever": forever, "security": SECURITY}, [PCI])
    assert to_output(table) == {
        "plain": {"pci": {"runs": False, "reason": "taint compliance=pci:NoExecute is not tolerated"}},
        "limited": {
            "pci": {
                "runs": False,
                "reason": "taint compliance=pci:NoExecute is tolerated for only 600s (tolerationSeconds), then the pod is evicted",
            }
        },
        "forever": {"pci": {"runs": True, "reason": ""}},
        "security": {"pci": {"runs": True, "reason": ""}},
    }


def test_spot_only_agent_runs_on_spot_groups_only() -> None:
    spot_only = NodeTargeting.build(required=[LabelExpression("eks.amazonaws.com/capacityType", Operator.IN, ("SPOT",))])
    row = placement({"interruptionHandler": spot_only}, [SYSTEM, SPOT])["interruptionHandler"]
    assert row == {
        "system": Verdict(False, "requires eks.amazonaws.com/capacityType In [SPOT] (node has eks.amazonaws.com/capacityType=ON_DEMAND)"),
        "spot": Verdict(True, ""),
    }


def test_arm64_image_agent_runs_on_graviton_but_not_x86() -> None:
    arm_only = NodeTargeting.build(required=[LabelExpression("kubernetes.io/arch", Operator.IN, ("arm64",))])
    row = placement({"armAgent": arm_only}, [SYSTEM, GRAVITON])["armAgent"]
    assert row == {
        "system": Verdict(False, "requires kubernetes.io/arch In [arm64] (node has kubernetes.io/arch=amd64)"),
        "graviton": Verdict(True, ""),
    }


def test_custom_ami_group_without_arch_label_fails_an_arch_requirement() -> None:
    custom = group("custom", ami="CUSTOM")
    arm_only = NodeTargeting.build(required=[LabelExpression("kubernetes.io/arch", Operator.IN, ("arm64",))])
    assert placement({"a": arm_only}, [custom])["a"]["custom"].reason == "requires kubernetes.io/arch In [arm64] (label missing)"
    assert placement({"a": PLAIN}, [custom])["a"]["custom"].runs


def test_gt_and_lt_compare_a_numeric_node_label() -> None:
    small = group("small", labels={"example.com/gpu-count": "1"})
    big = group("big", labels={"example.com/gpu-count": "8"})
    unlabeled = group("unlabeled")
    multi_gpu = NodeTargeting.build(required=[LabelExpression("example.com/gpu-count", Operator.GT, ("1",))])
    few_gpu = NodeTargeting.build(required=[LabelExpression("example.com/gpu-count", Operator.LT, ("4",))])
    table = placement({"multi": multi_gpu, "few": few_gpu}, [small, big, unlabeled])
    assert table == {
        "multi": {
            "small": Verdict(False, "requires example.com/gpu-count Gt 1 (node has example.com/gpu-count=1)"),
            "big": Verdict(True, ""),
            "unlabeled": Verdict(False, "requires example.com/gpu-count Gt 1 (label missing)"),
        },
        "few": {
            "small": Verdict(True, ""),
            "big": Verdict(False, "requires example.com/gpu-count Lt 4 (node has example.com/gpu-count=8)"),
            "unlabeled": Verdict(False, "requires example.com/gpu-count Lt 4 (label missing)"),
        },
    }


def test_windows_group_is_excluded_by_the_linux_guard() -> None:
    assert placement({"a": SECURITY}, [WINDOWS])["a"]["windows"] == Verdict(
        False, "requires kubernetes.io/os In [linux] (node has kubernetes.io/os=windows)"
    )
    unguarded = NodeTargeting.build(tolerations="all", linux_only=False)
    assert placement({"a": unguarded}, [WINDOWS])["a"]["windows"].runs


def test_fargate_nodes_are_excluded_by_the_fargate_guard() -> None:
    # Fargate "nodes" are not a managed node group, so build the view by hand.
    fargate = NodeGroupView(
        name="fargate",
        labels=(("eks.amazonaws.com/compute-type", "fargate"), ("kubernetes.io/arch", "amd64"), ("kubernetes.io/os", "linux")),
        taints=(),
    )
    assert placement({"a": SECURITY}, [fargate])["a"]["fargate"] == Verdict(
        False, "requires eks.amazonaws.com/compute-type NotIn [fargate] (node has eks.amazonaws.com/compute-type=fargate)"
    )


def test_placement_keeps_agent_and_group_order_as_given() -> None:
    table = placement({"z": PLAIN, "a": PLAIN}, [SYSTEM, GPU, PCI])
    assert list(table) == ["z", "a"]
    assert list(table["z"]) == ["system", "gpu", "pci"]


def test_placement_rejects_duplicate_group_names() -> None:
    with pytest.raises(TargetingError) as caught:
        placement({"a": PLAIN}, [SYSTEM, SYSTEM])
    assert caught.value.path == ("groups", 1)


# --------------------------------------------------------------------------- #
# Coverage
# --------------------------------------------------------------------------- #


def test_coverage_all_names_each_group_the_agent_misses() -> None:
    table = placement({"securityAgent": PLAIN}, [SYSTEM, GPU, PCI])
    assert coverage_violations(table, {"securityAgent": Coverage.ALL}) == [
        "agent securityAgent must run on every node group (coverage: all) but does not run on node group gpu: "
        "taint nvidia.com/gpu=true:NoSchedule is not tolerated",
        "agent securityAgent must run on every node group (coverage: all) but does not run on node group pci: "
        "taint compliance=pci:NoExecute is not tolerated",
    ]


def test_coverage_all_is_met_by_the_tolerate_all_agent() -> None:
    table = placement({"securityAgent": SECURITY}, [SYSTEM, GPU, PCI])
    assert coverage_violations(table, {"securityAgent": Coverage.ALL}) == []


def test_coverage_any_lists_every_group_when_the_agent_runs_nowhere() -> None:
    fluentd = NodeTargeting.build(node_selector={"node-role": "logging"})
    table = placement({"fluentd": fluentd}, [GPU, SYSTEM])
    assert coverage_violations(table, {"fluentd": "any"}) == [
        "agent fluentd must run on at least one node group (coverage: any) but runs on none: "
        "gpu: nodeSelector node-role=logging does not match (label missing); "
        "system: nodeSelector node-role=logging does not match (node has node-role=system)"
    ]


def test_coverage_any_is_met_by_one_group() -> None:
    table = placement({"fluentd": PLAIN}, [GPU, SYSTEM])
    assert coverage_violations(table, {"fluentd": Coverage.ANY}) == []


def test_coverage_any_with_no_node_groups_says_so() -> None:
    assert coverage_violations(placement({"fluentd": PLAIN}, []), {"fluentd": Coverage.ANY}) == [
        "agent fluentd must run on at least one node group (coverage: any) but runs on none: there are no node groups"
    ]


def test_agents_without_a_coverage_rule_are_not_checked() -> None:
    assert coverage_violations(placement({"x": PLAIN}, [GPU]), {}) == []


@pytest.mark.parametrize("coverage", [{"ghost": Coverage.ALL}, {"x": "most"}])
def test_coverage_rejects_unknown_agents_and_rules(coverage: dict) -> None:
    with pytest.raises(TargetingError):
        coverage_violations(placement({"x": PLAIN}, [GPU]), coverage)


# --------------------------------------------------------------------------- #
# Reports
# --------------------------------------------------------------------------- #


def test_markdown_table_is_exact() -> None:
    piped = NodeTargeting.build(node_selector={"node-role": "a"})
    table = placement({"securityAgent": SECURITY, "nodeExporter": PLAIN, "odd|agent": piped}, [SYSTEM, GPU])
    assert to_markdown(table, [GPU, "system"]) == (
        "Agent placement by node group: ✅ runs; ❌ does not run, with the first rule that keeps it off.\n"
        "\n"
        "| node group | securityAgent | nodeExporter | odd\\|agent |\n"
        "| --- | --- | --- | --- |\n"
        "| gpu | ✅ runs | ❌ taint nvidia.com/gpu=true:NoSchedule is not tolerated "
        "| ❌ nodeSelector node-role=a does not match (label missing) |\n"
        "| system | ✅ runs | ✅ runs | ❌ nodeSelector node-role=a does not match (node has node-role=system) |\n"
    )


def test_markdown_escapes_pipes_in_reasons() -> None:
    table = {"a": {"g": Verdict(False, "x | y")}}
    assert "| ❌ x \\| y |" in to_markdown(table, ["g"])


def test_markdown_rejects_a_group_missing_from_the_table() -> None:
    with pytest.raises(TargetingError):
        to_markdown(placement({"a": PLAIN}, [SYSTEM]), ["system", "gpu"])


def test_output_is_json_ready_and_ordered() -> None:
    table = placement({"nodeExporter": PLAIN}, [SYSTEM, GPU])
    output = to_output(table)
    assert json.loads(json.dumps(output)) == output
    assert output == {
        "nodeExporter": {
            "system": {"runs": True, "reason": ""},
            "gpu": {"runs": False, "reason": "taint nvidia.com/gpu=true:NoSchedule is not tolerated"},
        }
    }
