"""NodeTargeting.pod_scheduling: the pod-spec scheduling fields, exact and sorted."""

from __future__ import annotations

from components.targeting import (
    LabelExpression,
    NodeTargeting,
    Operator,
    PreferredTerm,
    TaintEffect,
    Toleration,
    TolerationOperator,
)


def test_pod_scheduling_renders_every_field_sorted() -> None:
    targeting = NodeTargeting.build(
        node_selector={"node-role": "system", "example.com/team": "platform"},
        required=[
            LabelExpression("kubernetes.io/arch", Operator.IN, ("arm64", "amd64")),
            LabelExpression("eks.amazonaws.com/capacityType", Operator.IN, ("SPOT",)),
        ],
        preferred=[
            PreferredTerm(10, (LabelExpression("zone", Operator.IN, ("b",)),)),
            PreferredTerm(50, (LabelExpression("zone", Operator.IN, ("a",)),)),
        ],
        tolerations=[
            Toleration("nvidia.com/gpu", "Exists", effect="NoSchedule"),
            Toleration("compliance", "Equal", "pci", "NoExecute", 300),
        ],
    )
    assert targeting.pod_scheduling() == {
        "nodeSelector": {"example.com/team": "platform", "node-role": "system"},
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": "eks.amazonaws.com/capacityType", "operator": "In", "values": ["SPOT"]},
                                {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate"]},
                                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
                                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                            ]
                        }
                    ]
                },
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 50, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}},
                    {"weight": 10, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]}},
                ],
            }
        },
        "tolerations": [
            {"key": "compliance", "operator": "Equal", "value": "pci", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ],
    }
    assert list(targeting.pod_scheduling()) == ["nodeSelector", "affinity", "tolerations"]


def test_tolerate_all_renders_one_exists_toleration() -> None:
    assert NodeTargeting.build(tolerations="all").pod_scheduling()["tolerations"] == [{"operator": "Exists"}]


def test_preferred_only_targeting_omits_the_required_term() -> None:
    # An empty nodeSelectorTerm would match no node at all.
    targeting = NodeTargeting.build(
        preferred=[PreferredTerm(1, (LabelExpression("a", Operator.EXISTS),))], keep_off_fargate=False, linux_only=False
    )
    assert targeting.pod_scheduling() == {
        "affinity": {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}
                ]
            }
        }
    }


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
# --------------------------------------------------------------------------- #


def test_pod_scheduling_is_empty_for_an_unguarded_empty_targeting() -> None:
    assert NodeTargeting.build(keep_off_fargate=False, linux_only=False).pod_scheduling() == {}


def test_pod_scheduling_renders_each_part_exactly() -> None:
    targeting = NodeTargeting.build(
        node_selector={"role": "gpu"},
        tolerations=[Toleration("nvidia.com/gpu", TolerationOperator.EXISTS, "", TaintEffect.NO_SCHEDULE)],
    )
    assert targeting.pod_scheduling() == {
        "nodeSelector": {"role": "gpu"},
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [
                {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate"]},
                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
            ]}
        ]}}},
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
    }
