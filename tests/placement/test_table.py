"""The placement table: worked examples of agents on node groups, with the first rule that keeps one off."""

from __future__ import annotations

import pytest

from components.placement import NODE_GROUP_LABEL, NodeGroupView, placement, to_output
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
from tests.placement.examples import GPU, GRAVITON, PCI, PLAIN, SECURITY, SPOT, SYSTEM, WINDOWS, group, view


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
# Pinned by mutation testing (issue 15): behaviour no other test held
# --------------------------------------------------------------------------- #


def test_placement_evaluates_each_group_with_its_own_labels_and_taints() -> None:
    spot = view("spot", capacity_type="SPOT")
    tainted = view("tainted", taints=[Taint("x", "", TaintEffect.NO_SCHEDULE)])
    agent = NodeTargeting.build(node_selector={"eks.amazonaws.com/capacityType": "SPOT"})
    table = placement({"a": agent}, [spot, tainted])
    assert table == {
        "a": {
            "spot": Verdict(True, ""),
            "tainted": Verdict(
                False,
                "nodeSelector eks.amazonaws.com/capacityType=SPOT does not match "
                "(node has eks.amazonaws.com/capacityType=ON_DEMAND)",
            ),
        }
    }
