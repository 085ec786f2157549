"""An agent's targeting keys reach its NodeTargeting, and a mistake in them is named by its full key (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from components.targeting import LabelExpression, Operator, PreferredTerm, TaintEffect, Toleration, TolerationOperator
from tests.settings.small_stack import parse, refused, set_in


@pytest.mark.parametrize("weight", [1, 100])
def test_preferred_weight_edges_are_taken(weight: int) -> None:
    term = {"weight": weight, "expressions": [{"key": "role", "operator": "Exists"}]}
    settings = parse(set_in("agents.nodeExporter.targeting.preferredAffinity", [term]))
    assert settings.agents["nodeExporter"].targeting.preferred[0].weight == weight


@pytest.mark.parametrize("weight", [0, 101])
def test_preferred_weight_past_its_edges_is_refused(weight: int) -> None:
    term = {"weight": weight, "expressions": [{"key": "role", "operator": "Exists"}]}
    refused(set_in("agents.nodeExporter.targeting.preferredAffinity", [term]),
            "agents.nodeExporter.targeting.preferredAffinity[0].weight")


def test_a_preferred_term_needs_an_expression() -> None:
    refused(set_in("agents.nodeExporter.targeting.preferredAffinity", [{"weight": 1, "expressions": []}]),
            "agents.nodeExporter.targeting.preferredAffinity[0].expressions")


@pytest.mark.parametrize("operator", ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"])
def test_every_affinity_operator_reaches_the_targeting(operator: str) -> None:
    values = {"In": ["a"], "NotIn": ["a"], "Gt": ["1"], "Lt": ["9"]}.get(operator, [])
    expression = {"key": "k", "operator": operator, **({"values": values} if values else {})}
    targeting = parse(set_in("agents.nodeExporter.targeting.nodeAffinity", [expression])).agents["nodeExporter"].targeting
    assert LabelExpression("k", Operator(operator), tuple(values)) in targeting.required


@pytest.mark.parametrize(
    ("toleration", "expected"),
    [
        ({"key": "k", "operator": "Exists"}, Toleration("k", TolerationOperator.EXISTS)),
        ({"key": "k", "value": "v"}, Toleration("k", TolerationOperator.EQUAL, "v")),
        ({"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"},
         Toleration("k", TolerationOperator.EQUAL, "v", TaintEffect.NO_SCHEDULE)),
        ({"key": "k", "operator": "Exists", "effect": "PreferNoSchedule"},
         Toleration("k", TolerationOperator.EXISTS, "", TaintEffect.PREFER_NO_SCHEDULE)),
        ({"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
         Toleration("k", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 30)),
    ],
)
def test_tolerations_in_the_stack_file_reach_the_targeting(toleration: dict, expected: Toleration) -> None:
    targeting = parse(set_in("agents.nodeExporter.targeting.tolerations", [toleration])).agents["nodeExporter"].targeting
    assert targeting.tolerations == (expected,)


def test_an_unknown_tolerations_word_is_refused() -> None:
    refused(set_in("agents.nodeExporter.targeting.tolerations", "some"), "agents.nodeExporter.targeting.tolerations")


def test_a_valid_preferred_affinity_reaches_the_daemonset_targeting() -> None:
    term = {"weight": 40, "expressions": [{"key": "role", "operator": "In", "values": ["b", "a"]},
                                          {"key": "zone", "operator": "Exists"}]}
    targeting = parse(set_in("agents.fluentd.targeting.preferredAffinity", [term])).agents["fluentd"].targeting
    assert targeting.preferred == (
        PreferredTerm(40, (LabelExpression("role", Operator.IN, ("a", "b")), LabelExpression("zone", Operator.EXISTS))),
    )
    assert targeting.pod_scheduling()["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {"weight": 40, "preference": {"matchExpressions": [
            {"key": "role", "operator": "In", "values": ["a", "b"]}, {"key": "zone", "operator": "Exists"},
        ]}}
    ]


def test_an_error_inside_a_preferred_expression_names_its_full_key() -> None:
    terms = [
        {"weight": 1, "expressions": [{"key": "a", "operator": "Exists"}]},
        {"weight": 1, "expressions": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Gt", "values": ["x"]}]},
    ]
    refused(set_in("agents.fluentd.targeting.preferredAffinity", terms),
            "agents.fluentd.targeting.preferredAffinity[1].expressions[1].values[0]")


def test_the_eks_nodegroup_label_is_refused_in_a_preferred_expression() -> None:
    term = {"weight": 1, "expressions": [{"key": "a", "operator": "Exists"},
                                         {"key": "eks.amazonaws.com/nodegroup", "operator": "Exists"}]}
    refused(set_in("agents.fluentd.targeting.preferredAffinity", [term]),
            "agents.fluentd.targeting.preferredAffinity[0].expressions[1].key")


@pytest.mark.parametrize(
    ("where", "value", "key"),
    [
        ("nodeSelector", {"eks.amazonaws.com/nodegroup": "x"}, 'nodeSelector["eks.amazonaws.com/nodegroup"]'),
        ("nodeAffinity", [{"key": "a", "operator": "Exists"}, {"key": "eks.amazonaws.com/nodegroup", "operator": "Exists"}],
         "nodeAffinity[1].key"),
    ],
)
def test_the_eks_nodegroup_label_is_refused_where_it_is_written(where: str, value: Any, key: str) -> None:
    refused(set_in(f"agents.fluentd.targeting.{where}", value), f"agents.fluentd.targeting.{key}")


def test_an_error_in_a_toleration_names_its_index() -> None:
    tolerations = [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists", "value": "x"}]
    refused(set_in("agents.fluentd.targeting.tolerations", tolerations), "agents.fluentd.targeting.tolerations[1].value")


def test_an_error_in_required_affinity_names_its_index() -> None:
    affinity = [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "In", "values": []}]
    refused(set_in("agents.fluentd.targeting.nodeAffinity", affinity), "agents.fluentd.targeting.nodeAffinity[1].values")


def test_a_contradiction_names_the_targeting_entry() -> None:
    affinity = [{"key": "a", "operator": "Exists"}, {"key": "a", "operator": "DoesNotExist"}]
    refused(set_in("agents.fluentd.targeting.nodeAffinity", affinity), "agents.fluentd.targeting.nodeAffinity[1]")
