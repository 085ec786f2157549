"""Two agents to generate rules for in the promtool tests: one that must cover every node, one that need not."""

from __future__ import annotations

from typing import Any

from components.monitoring import Rollout, WatchedAgent, alert_for_seconds, rule_group, rules_file
from components.placement import Coverage
from components.targeting import NodeTargeting, TaintEffect, Toleration, TolerationOperator

EXISTS, EQUAL = TolerationOperator.EXISTS, TolerationOperator.EQUAL

#: Coverage all, with one toleration of each form: Exists on a key (every effect), Equal with an effect (two of them,
#: so a value matters), and NoExecute for a limited time.
FALCO = WatchedAgent(
    name="falco",
    namespace="falco",
    config_key="eks-daemonsets:agents.securityAgent",
    coverage=Coverage.ALL,
    targeting=NodeTargeting.build(
        tolerations=[
            Toleration("CriticalAddonsOnly", EXISTS),
            Toleration("nvidia.com/gpu", EQUAL, "true", TaintEffect.NO_SCHEDULE),
            Toleration("dedicated", EQUAL, "web", TaintEffect.NO_SCHEDULE),
            Toleration("compliance", EQUAL, "pci", TaintEffect.NO_EXECUTE, toleration_seconds=300),
        ]
    ),
    rollout=Rollout(max_unavailable="10%", min_ready_seconds=10, termination_grace_period_seconds=30),
)

#: Coverage any, and no toleration of its own: it skips tainted nodes on purpose.
FLUENTD = WatchedAgent(
    name="fluentd",
    namespace="fluentd",
    config_key="eks-daemonsets:agents.fluentd",
    coverage=Coverage.ANY,
    targeting=NodeTargeting.build(),
    rollout=Rollout(max_unavailable=1, min_ready_seconds=10, termination_grace_period_seconds=60),
)

#: FALCO's ``for:`` in minutes (30 s grace + 300 s start-up + 10 s minReady + 120 s detection, rounded up: 8).
FALCO_FOR = alert_for_seconds(FALCO.rollout) // 60


def rules_text() -> str:
    """The rules file of both agents, generated now (so that a test's planted fault is in it)."""
    return rules_file([rule_group(FALCO), rule_group(FLUENTD)])


def description(agent: WatchedAgent, alertname: str) -> str:
    """The generated rule's description: static text per rule (what the alert means, what to do)."""
    (rule,) = [r for r in rule_group(agent)["rules"] if r["alert"] == alertname]
    text = rule["annotations"]["description"]
    assert "{{" not in text, "a description with templates cannot be copied into an expected alert"
    return text


def alert(agent: WatchedAgent, alertname: str, *, labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    """One expected alert: the agent's labels and these, the hand-written annotations and the rule's description."""
    return {
        "exp_labels": {"agent": agent.name, "daemonset": agent.name, "namespace": agent.namespace, "severity": "warning", **labels},
        "exp_annotations": {"agent": agent.name, **annotations, "description": description(agent, alertname)},
    }
