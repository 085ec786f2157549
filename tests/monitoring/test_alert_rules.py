"""The rule groups the generator writes for an agent: which alerts, their labels and annotations, and their order."""

from __future__ import annotations

import re

import yaml

from components.monitoring import Rollout, WatchedAgent, rule_group, rules_file
from components.monitoring.kube_state_metrics import (
    DAEMONSET_DESIRED,
    DAEMONSET_UNAVAILABLE,
    NODE_INFO,
    NODE_LABELS,
    NODE_TAINT,
    POD_INFO,
    POD_PHASE,
)
from components.placement import Coverage
from components.targeting import NodeTargeting, TaintEffect, Toleration, TolerationOperator
from tests.monitoring.agents import FALCO, FLUENTD

EXISTS, EQUAL = TolerationOperator.EXISTS, TolerationOperator.EQUAL


def _alerts(agent: WatchedAgent) -> list[str]:
    return [rule["alert"] for rule in rule_group(agent)["rules"]]


def _agent(targeting: NodeTargeting, coverage: Coverage = Coverage.ALL) -> WatchedAgent:
    return WatchedAgent("falco", "falco", "eks-daemonsets:agents.securityAgent", coverage, targeting, Rollout(1, 10, 30))


def test_coverage_any_gets_only_the_daemonset_alert() -> None:
    assert _alerts(FLUENTD) == ["NodeAgentTooManyUnavailable"]


def test_coverage_all_gets_every_node_level_alert() -> None:
    assert _alerts(FALCO) == [
        "NodeAgentMissingFromNode",
        "NodeAgentTaintNotTolerated",
        "NodeAgentEvictedByTaint",
        "NodeAgentCoverageRulesBlind",
        "NodeAgentTooManyUnavailable",
    ]


def test_an_agent_that_tolerates_every_taint_has_no_taint_alert() -> None:
    assert _alerts(_agent(NodeTargeting.build(tolerations="all"))) == [
        "NodeAgentMissingFromNode",
        "NodeAgentCoverageRulesBlind",
        "NodeAgentTooManyUnavailable",
    ]


def test_a_limited_toleration_beside_every_taint_still_gets_the_eviction_alert() -> None:
    limited = Toleration("compliance", EXISTS, "", TaintEffect.NO_EXECUTE, toleration_seconds=60)
    alerts = _alerts(_agent(NodeTargeting.build(tolerations=[Toleration.everything(), limited])))
    assert "NodeAgentEvictedByTaint" in alerts and "NodeAgentTaintNotTolerated" not in alerts


def test_every_rule_names_the_agent_and_the_stack_file_rule() -> None:
    for agent in (FALCO, FLUENTD):
        for rule in rule_group(agent)["rules"]:
            assert rule["labels"] == {
                "agent": agent.name, "daemonset": agent.name, "namespace": agent.namespace, "severity": "warning"
            }
            annotations = rule["annotations"]
            assert annotations["agent"] == agent.name
            assert annotations["rule"].startswith(agent.config_key + ".")
            if rule["alert"] != "NodeAgentTooManyUnavailable":
                assert annotations["node"] == "{{ $labels.node }}"
                assert "{{ $labels.node }}" in annotations["summary"]


def test_the_taint_alerts_say_which_taint() -> None:
    for rule in rule_group(FALCO)["rules"]:
        if "Taint" in rule["alert"]:
            assert rule["annotations"]["taint"] in rule["annotations"]["summary"]
            assert rule["expr"].startswith("max by (node, key, value, effect) (")


def test_the_rules_read_only_kube_state_metrics_documented_series() -> None:
    documented = {NODE_INFO, NODE_LABELS, NODE_TAINT, POD_INFO, POD_PHASE, DAEMONSET_DESIRED, DAEMONSET_UNAVAILABLE}
    used = {name for rule in rule_group(FALCO)["rules"] for name in re.findall(r"\bkube_[a-z_]+", rule["expr"])}
    assert used == documented


def test_the_taint_expression_has_one_term_per_toleration_outside_the_node_conditions() -> None:
    (rule,) = [r for r in rule_group(FALCO)["rules"] if r["alert"] == "NodeAgentTaintNotTolerated"]
    terms = re.findall(r"unless\n\s*(kube_node_spec_taint\{[^}]*\})", rule["expr"])
    # falco's four, and the four node-pressure tolerations the DaemonSet controller adds with effect NoSchedule.
    assert len(terms) == 8
    assert 'kube_node_spec_taint{key="nvidia.com/gpu", value="true", effect="NoSchedule"}' in terms
    assert 'kube_node_spec_taint{key="node.kubernetes.io/disk-pressure", effect="NoSchedule"}' in terms
    assert not [t for t in terms if "not-ready" in t or "unreachable" in t]


def test_the_same_targeting_in_any_order_gives_the_same_rules() -> None:
    tolerations = [
        Toleration("b", EXISTS),
        Toleration("a", EQUAL, "x", TaintEffect.NO_SCHEDULE),
        Toleration("c", EXISTS, "", TaintEffect.NO_EXECUTE, toleration_seconds=5),
    ]
    forward = rules_file([rule_group(_agent(NodeTargeting.build(tolerations=tolerations)))])
    backward = rules_file([rule_group(_agent(NodeTargeting.build(tolerations=tolerations[::-1])))])
    assert forward == backward


def test_the_rules_file_reads_back_as_the_groups() -> None:
    groups = [rule_group(FALCO), rule_group(FLUENTD)]
    text = rules_file(groups)
    assert yaml.safe_load(text) == {"groups": groups}
    assert "expr: |-\n" in text, "multi-line expressions are block scalars, readable in review"
    assert [g["name"] for g in groups] == ["eks-daemonsets.falco", "eks-daemonsets.fluentd"]


def test_for_follows_the_rollout() -> None:
    assert {rule["for"] for rule in rule_group(FALCO)["rules"]} == {"8m"}
    assert {rule["for"] for rule in rule_group(FLUENTD)["rules"]} == {"9m"}


def test_the_budget_is_maxunavailable_of_the_desired_pods() -> None:
    (falco,) = [r for r in rule_group(FALCO)["rules"] if r["alert"] == "NodeAgentTooManyUnavailable"]
    (fluentd,) = rule_group(FLUENTD)["rules"]
    assert falco["expr"].endswith(
        'ceil(max by (namespace, daemonset) (kube_daemonset_status_desired_number_scheduled{namespace="falco", '
        'daemonset="falco"}) * 10 / 100)'
    )
    assert fluentd["expr"].endswith(" > 1")
