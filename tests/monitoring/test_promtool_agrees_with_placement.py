"""The taint rules, run by promtool, judge every taint as the placement table does (``NodeTargeting.evaluate``).

A grid of single-taint nodes (keys, values and all three effects, and a node-pressure taint) against agents whose
tolerations take each form Kubernetes allows: Exists on a key or on every key, with or without an effect; Equal with
a value, an empty value, with or without an effect; NoExecute for a limited time, alone or beside an unlimited one.
The expected alerts come from ``evaluate``, the Python rule the placement table and the preview use, not from the
PromQL: the two implementations must agree taint for taint.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

from components.monitoring import Rollout, WatchedAgent, alert_for_seconds, rule_group, rules_file
from components.placement import Coverage
from components.targeting import NodeTargeting, Taint, TaintEffect, Toleration, TolerationOperator
from tests.monitoring.promtool import Cluster, alerts_at, scenario, unit_test_rules

EXISTS, EQUAL = TolerationOperator.EXISTS, TolerationOperator.EQUAL
NO_SCHEDULE, NO_EXECUTE = TaintEffect.NO_SCHEDULE, TaintEffect.NO_EXECUTE

TOLERATIONS = {
    "a1": [Toleration("k1", EXISTS), Toleration("k2", EQUAL, "v1", NO_SCHEDULE), Toleration("k2", EQUAL, "", NO_EXECUTE)],
    "a2": [Toleration("", EXISTS, "", NO_SCHEDULE), Toleration("k1", EXISTS, "", NO_EXECUTE, toleration_seconds=30)],
    "a3": [Toleration.everything(), Toleration("k2", EXISTS, "", NO_EXECUTE, toleration_seconds=60)],
    "a4": [],
    "a5": [
        Toleration("k1", EQUAL, "v2"),
        Toleration("k2", EXISTS, "", NO_EXECUTE),
        Toleration("k2", EXISTS, "", NO_EXECUTE, toleration_seconds=10),
    ],
}
TAINTS = [
    Taint(key, value, effect)
    for key, value, effect in itertools.product(("k1", "k2"), ("", "v1", "v2"), tuple(TaintEffect))
] + [Taint("node.kubernetes.io/disk-pressure", "", NO_SCHEDULE), Taint("node.kubernetes.io/disk-pressure", "", NO_EXECUTE)]

AGENTS = [
    WatchedAgent(name, name, f"eks-daemonsets:agents.{name}", Coverage.ALL, NodeTargeting.build(tolerations=t), Rollout(1, 0, 0))
    for name, t in TOLERATIONS.items()
]


def _without_annotations(group: dict) -> dict:
    # The grid checks which alerts fire with which labels; the annotations are the scenarios' business.
    group = copy.deepcopy(group)
    for rule in group["rules"]:
        rule.pop("annotations")
    return group


def _expected(agent: WatchedAgent, verdict_kind: str) -> list[dict]:
    expected = []
    for index, taint in enumerate(TAINTS):
        verdict = agent.targeting.evaluate({"kubernetes.io/os": "linux"}, [taint])
        kind = "" if verdict.runs else ("evicted" if "tolerationSeconds" in verdict.reason else "not tolerated")
        if kind == verdict_kind:
            labels = {"node": f"n{index}", "key": taint.key, "effect": taint.effect.value}
            if taint.value:
                labels["value"] = taint.value
            base = {"agent": agent.name, "daemonset": agent.name, "namespace": agent.namespace, "severity": "warning"}
            expected.append({"exp_labels": {**base, **labels}})
    return expected


def test_promtool_and_evaluate_agree_on_every_taint(tmp_path: Path) -> None:
    cluster = Cluster()
    for index, taint in enumerate(TAINTS):
        node = f"n{index}"
        cluster.node(node, taints=[(taint.key, taint.value, taint.effect.value)])
        for agent in AGENTS:
            cluster.pod(agent.name, f"{agent.name}-{node}", node, running=0)
    minute = alert_for_seconds(AGENTS[0].rollout) // 60 + 1
    checks = []
    for alertname, kind in (("NodeAgentTaintNotTolerated", "not tolerated"), ("NodeAgentEvictedByTaint", "evicted")):
        expected = [alert for agent in AGENTS for alert in _expected(agent, kind)]
        checks.append(alerts_at(minute, alertname, expected))
    # The grid must hold both kinds of blocked taint, for several agents, or it proves little.
    assert len(checks[0]["exp_alerts"]) >= 20 and len(checks[1]["exp_alerts"]) >= 5
    text = rules_file([_without_annotations(rule_group(agent)) for agent in AGENTS])
    outcome = unit_test_rules(tmp_path, text, [scenario(cluster, checks)])
    assert outcome.returncode == 0, outcome.output
