"""The promtool scenarios: synthetic kube-state-metrics history for FALCO (coverage all) and FLUENTD (coverage any),
and the alerts that must, and must not, fire. Each returns one promtool test entry."""

from __future__ import annotations

from typing import Any

from tests.monitoring.agents import FALCO, FALCO_FOR, FLUENTD, alert
from tests.monitoring.promtool import MINUTES, Cluster, alerts_at, scenario

MISSING = "NodeAgentMissingFromNode"
TAINT = "NodeAgentTaintNotTolerated"
EVICTED = "NodeAgentEvictedByTaint"
UNAVAILABLE = "NodeAgentTooManyUnavailable"
BLIND = "NodeAgentCoverageRulesBlind"
FALCO_RULE = "eks-daemonsets:agents.securityAgent.coverage: all"


def _covered(cluster: Cluster, *nodes: str, agents: tuple[str, ...] = ("falco", "fluentd")) -> Cluster:
    for node in nodes:
        for agent in agents:
            cluster.pod(agent, f"{agent}-{node}", node, running=0)
    return cluster


def _taint_alert(alertname: str, node: str, key: str, value: str, effect: str, *, what: str) -> dict[str, Any]:
    taint = f"{key}={value}:{effect}" if value else f"{key}:{effect}"
    labels = {"node": node, "key": key, "effect": effect, **({"value": value} if value else {})}
    return alert(
        FALCO,
        alertname,
        labels=labels,
        annotations={
            "node": node,
            "rule": FALCO_RULE,
            "taint": taint,
            "summary": f"node {node} has taint {taint}, which falco {what}",
        },
    )


def tainted_node() -> dict[str, Any]:
    """Taints falco does not tolerate fire, each naming its taint; those it tolerates, and PreferNoSchedule, don't."""
    cluster = Cluster()
    cluster.node(
        "n1",
        taints=[
            ("dedicated", "batch", "NoSchedule"),  # falco tolerates dedicated=web only
            ("nvidia.com/gpu", "true", "NoExecute"),  # falco's gpu toleration is for NoSchedule only
            ("nvidia.com/gpu", "true", "NoSchedule"),  # tolerated
            ("CriticalAddonsOnly", "true", "NoSchedule"),  # tolerated: Exists on the key, every effect
            ("spot", "", "PreferNoSchedule"),  # only scores the node: never keeps a pod off
            ("compliance", "pci", "NoExecute"),  # tolerated for 300 s, then evicted
            ("node.kubernetes.io/not-ready", "", "NoSchedule"),  # the node's own condition, not falco's fault
        ],
    )
    cluster.node("n2", taints=[("dedicated", "web", "NoSchedule"), ("batch-only", "", "NoSchedule")])
    _covered(cluster, "n1", "n2")
    not_tolerated = [
        _taint_alert(TAINT, "n1", "dedicated", "batch", "NoSchedule", what="does not tolerate"),
        _taint_alert(TAINT, "n1", "nvidia.com/gpu", "true", "NoExecute", what="does not tolerate"),
        _taint_alert(TAINT, "n2", "batch-only", "", "NoSchedule", what="does not tolerate"),
    ]
    evicted = [_taint_alert(EVICTED, "n1", "compliance", "pci", "NoExecute", what="tolerates only for tolerationSeconds")]
    return scenario(
        cluster,
        [
            alerts_at(FALCO_FOR - 1, TAINT, []),
            alerts_at(FALCO_FOR, TAINT, not_tolerated),
            alerts_at(FALCO_FOR, EVICTED, evicted),
            alerts_at(MINUTES - 1, TAINT, not_tolerated),
            alerts_at(MINUTES - 1, MISSING, []),
        ],
    )


def node_added_mid_rollout() -> dict[str, Any]:
    """A node that joins while n1's pod is being replaced gets its pod 6 minutes later: within for:, no alert."""
    cluster = Cluster()
    cluster.node("n1").node("n2").node("n3").node("n4", start=12)
    _covered(cluster, "n2", "n3")
    cluster.pod("fluentd", "fluentd-n1", "n1", running=0).pod("fluentd", "fluentd-n4", "n4", running=14, pending=12)
    cluster.pod("falco", "falco-n1-old", "n1", running=0, end=10).pod("falco", "falco-n1-new", "n1", running=15, pending=10)
    cluster.pod("falco", "falco-n4", "n4", running=18, pending=13)
    # n1 is down from 10 until available at 16; n4 from 12 until 19: two at once, against a budget of ceil(4 * 10%).
    unavailable = [0] * 10 + [1, 1] + [2] * 4 + [1, 1, 1] + [0] * (MINUTES - 19)
    cluster.daemonset("falco", desired=[3] * 12 + [4] * (MINUTES - 12), unavailable=unavailable)
    checks = [alerts_at(minute, MISSING, []) for minute in range(10, 31)]
    checks += [alerts_at(minute, UNAVAILABLE, []) for minute in range(12, 31)]
    return scenario(cluster, checks)


def node_never_covered() -> dict[str, Any]:
    """The contrast: a node that joins at 5 and never gets falco is pending through for:, then fires."""
    cluster = Cluster()
    cluster.node("n1").node("n9", start=5)
    _covered(cluster, "n1")
    missing = alert(
        FALCO,
        MISSING,
        labels={"node": "n9"},
        annotations={"node": "n9", "rule": FALCO_RULE, "summary": "falco has no running pod on node n9"},
    )
    return scenario(
        cluster, [alerts_at(5 + FALCO_FOR - 1, MISSING, []), alerts_at(5 + FALCO_FOR, MISSING, [missing])]
    )


def fargate_node() -> dict[str, Any]:
    """A Fargate node (and a Windows one) never fires: no agent can run there, with its taint or without."""
    cluster = Cluster()
    cluster.node(
        "fargate-ip-10-0-1-2",
        labels={"eks.amazonaws.com/compute-type": "fargate"},
        taints=[("eks.amazonaws.com/compute-type", "fargate", "NoSchedule")],
    )
    cluster.node("win-1", labels={"kubernetes.io/os": "windows"}, taints=[("os", "windows", "NoSchedule")])
    checks = [alerts_at(minute, name, []) for minute in range(0, MINUTES, 5) for name in (MISSING, TAINT, BLIND)]
    return scenario(cluster, checks)


def normal_rollout() -> dict[str, Any]:
    """A rollout that replaces each node's pod in turn (the last with a 6-minute gap) fires nothing."""
    cluster = Cluster()
    cluster.node("n1").node("n2").node("n3")
    for node in ("n1", "n2", "n3"):
        cluster.pod("fluentd", f"fluentd-{node}", node, running=0)
    for node, down, up in (("n1", 10, 15), ("n2", 20, 25), ("n3", 30, 36)):
        cluster.pod("falco", f"falco-{node}-old", node, running=0, end=down)
        cluster.pod("falco", f"falco-{node}-new", node, running=up, pending=down)
    unavailable = [1 if any(down <= m < up + 1 for down, up in ((10, 15), (20, 25), (30, 36))) else 0 for m in range(MINUTES)]
    cluster.daemonset("falco", desired=[3] * MINUTES, unavailable=unavailable)
    checks = [alerts_at(minute, name, []) for minute in range(0, MINUTES) for name in (MISSING, UNAVAILABLE)]
    return scenario(cluster, checks)


def coverage_any_agent() -> dict[str, Any]:
    """fluentd (coverage any) is never on n1 and does not tolerate its taint: no node-level alert for it."""
    cluster = Cluster()
    cluster.node("n1", taints=[("CriticalAddonsOnly", "true", "NoSchedule")]).node("n2", labels_exported=False)
    cluster.pod("falco", "falco-n1", "n1", running=0).pod("falco", "falco-n2", "n2", running=0)
    blind = alert(
        FALCO,
        BLIND,
        labels={"node": "n2"},
        annotations={
            "node": "n2",
            "rule": FALCO_RULE,
            "summary": "the coverage alerts of falco cannot see the labels of node n2",
        },
    )
    checks = [alerts_at(minute, name, []) for minute in (30, MINUTES - 1) for name in (MISSING, TAINT, EVICTED)]
    # Only falco's rules read node labels, so only falco says it cannot see n2's.
    checks.append(alerts_at(MINUTES - 1, BLIND, [blind]))
    return scenario(cluster, checks)


def too_many_unavailable() -> dict[str, Any]:
    """Two of falco's ten pods down (10%: one allowed) fires after for:; fluentd's one of five (one allowed) never."""
    cluster = Cluster()
    cluster.daemonset("falco", desired=[10] * MINUTES, unavailable=[0] * 5 + [2] * (MINUTES - 5))
    cluster.daemonset("fluentd", desired=[5] * MINUTES, unavailable=[1] * MINUTES)
    firing = alert(
        FALCO,
        UNAVAILABLE,
        labels={},
        annotations={
            "rule": "eks-daemonsets:agents.securityAgent.maxUnavailable: 10%",
            "summary": "2 falco pods are unavailable, more than maxUnavailable lets a rollout take down",
        },
    )
    return scenario(
        cluster,
        [alerts_at(5 + FALCO_FOR - 1, UNAVAILABLE, []), alerts_at(5 + FALCO_FOR, UNAVAILABLE, [firing])],
    )


SCENARIOS = {
    "tainted node": tainted_node,
    "node added mid-rollout": node_added_mid_rollout,
    "node never covered": node_never_covered,
    "Fargate node": fargate_node,
    "normal rollout": normal_rollout,
    "coverage any": coverage_any_agent,
    "too many unavailable": too_many_unavailable,
}
assert FLUENTD.coverage == "any"
