"""An agent's Prometheus alerting rules, generated from the targeting and rollout its DaemonSet is rendered from.

Five alerts, each labelled with the agent (``agent``, ``namespace``, ``daemonset``) and annotated with the agent,
the node (where there is one) and the stack-file rule it enforces:

- ``NodeAgentMissingFromNode`` (coverage ``all`` only): a Linux node that is not on Fargate has had no running pod
  of the agent for longer than a rollout step explains. The DaemonSet's own status cannot say this: its
  ``desiredNumberScheduled`` counts only the nodes its pods tolerate and select, so a node it misses is not missing.
- ``NodeAgentTaintNotTolerated`` (coverage ``all`` only): such a node carries a taint that keeps the agent off, named
  in the alert as the placement table names it; ``NodeAgentEvictedByTaint``: a NoExecute taint the agent tolerates
  only for ``tolerationSeconds``, after which its pod is evicted, again and again.
- ``NodeAgentTooManyUnavailable``: more of the DaemonSet's pods are unavailable than ``maxUnavailable`` lets a
  rollout take down.
- ``NodeAgentCoverageRulesBlind`` (coverage ``all`` only): kube-state-metrics shows no ``kubernetes.io/os`` label for
  a node, so the first two cannot judge it (see :func:`node_labels_read`).

An agent whose coverage is ``any`` is meant to skip nodes, so it gets no node-level alert. Pure and deterministic:
the same input gives the same rules, in the same order, byte for byte.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from components.monitoring import kube_state_metrics as ksm
from components.monitoring.promql import MatchOp, Matcher, node_label_matcher, selector, toleration_matchers
from components.monitoring.rollout import (
    DETECTION_SECONDS,
    START_UP_SECONDS,
    Rollout,
    alert_for_seconds,
    duration,
    unavailable_budget,
)
from components.placement import Coverage
from components.targeting import FARGATE_GUARD, LINUX_GUARD, NodeTargeting, TaintEffect, Toleration

#: The nodes an agent of coverage ``all`` must run on: Linux (the agents ship Linux images) and not Fargate (which
#: runs no DaemonSet). The same guards ``NodeTargeting.build`` adds to every agent's node affinity.
COVERED_NODES = (LINUX_GUARD, FARGATE_GUARD)

#: Taints the node lifecycle controller sets from the node's Ready condition (``TaintNodesByCondition``). The
#: DaemonSet controller adds tolerations only for their NoExecute form, so on a node that is not Ready their
#: NoSchedule form keeps a new agent pod off, as it keeps every pod off: the node is broken, not the agent's
#: tolerations, and the node's own alerts (kube-prometheus' KubeNodeNotReady, KubeNodeUnreachable) say so.
NODE_CONDITION_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")

SEVERITY = "warning"

#: The key of the rules file in the ConfigMap the rules ship in without the Prometheus Operator.
RULES_FILE_KEY = "alert-rules.yaml"


class RulesDelivery(enum.StrEnum):
    """How the rules reach Prometheus: a Prometheus Operator ``PrometheusRule``, or a ConfigMap holding a rules file."""

    PROMETHEUS_RULE = "PrometheusRule"
    CONFIG_MAP = "ConfigMap"


@dataclass(frozen=True)
class WatchedAgent:
    """What the rules of one agent are generated from: the same values its DaemonSet is rendered from.

    Attributes:
        name: The DaemonSet's name (also its pods' ``created_by_name``).
        namespace: The DaemonSet's namespace.
        config_key: The agent's stack-file key, e.g. ``eks-daemonsets:agents.securityAgent``.
        coverage: ``all`` or ``any``.
        targeting: The agent's node targeting.
        rollout: Its DaemonSet's rollout settings.
    """

    name: str
    namespace: str
    config_key: str
    coverage: Coverage
    targeting: NodeTargeting
    rollout: Rollout


def _label(name: str) -> str:
    """A Go-template reference to one of the alert's labels, for an annotation."""
    return "{{ $labels." + name + " }}"


#: A taint as ``Taint.describe`` writes it (``key=value:Effect``, ``key:Effect`` without a value), from its labels.
TAINT_TEMPLATE = (
    _label("key") + "{{ if $labels.value }}={{ $labels.value }}{{ end }}:" + _label("effect")
)


#: The alert's value (for NodeAgentTooManyUnavailable, the number of pods unavailable), for an annotation.
VALUE_TEMPLATE = "{{ $value }}"


def node_labels_read() -> tuple[str, ...]:
    """The node labels the rules read from ``kube_node_labels``: kube-state-metrics must be allowed to export them."""
    return tuple(sorted({expression.key for expression in COVERED_NODES}))


def _covered_nodes() -> str:
    return f"max by (node) ({selector(ksm.NODE_LABELS, (node_label_matcher(e) for e in COVERED_NODES))})"


def _running_pods_by_node(agent: WatchedAgent) -> str:
    pods = selector(
        ksm.POD_INFO,
        (
            Matcher("namespace", MatchOp.EQUAL, agent.namespace),
            Matcher("created_by_kind", MatchOp.EQUAL, "DaemonSet"),
            Matcher("created_by_name", MatchOp.EQUAL, agent.name),
        ),
    )
    running = selector(
        ksm.POD_PHASE,
        (Matcher("namespace", MatchOp.EQUAL, agent.namespace), Matcher("phase", MatchOp.EQUAL, "Running")),
    )
    return f"max by (node) (\n  {pods}\n  and on (namespace, pod)\n  ({running} == 1)\n)"


def _blocking_taints(extra: Iterable[Matcher] = ()) -> str:
    # PreferNoSchedule only lowers a node's score: it never keeps a DaemonSet pod off.
    matchers = [Matcher("effect", MatchOp.NOT_EQUAL, TaintEffect.PREFER_NO_SCHEDULE.value)]
    matchers += [Matcher("key", MatchOp.NOT_EQUAL, key) for key in NODE_CONDITION_TAINTS]
    return selector(ksm.NODE_TAINT, (*matchers, *extra))


def _describe_tolerations(tolerations: Sequence[Toleration]) -> str:
    if not tolerations:
        return "none of its own"
    return "; ".join(" ".join(f"{k}={v}" for k, v in t.to_k8s().items()) for t in tolerations)


def _taint_expressions(tolerations: Sequence[Toleration]) -> tuple[str | None, str | None]:
    """PromQL for the taints no toleration tolerates, and for those a toleration tolerates only for a while.

    As ``NodeTargeting.evaluate``: a NoExecute taint that a toleration with ``tolerationSeconds`` matches blocks even
    when another matches without a limit, since the taint manager evicts after the smallest limit. The two sets do
    not overlap, so no taint fires twice. ``None`` where a set is empty whatever the node carries.
    """
    lasting = [t for t in tolerations if t.toleration_seconds is None]
    limited = [t for t in tolerations if t.toleration_seconds is not None]
    untolerated: str | None = None
    if not any(not toleration_matchers(t) for t in lasting):
        # Each toleration takes its taints away; what is left, nothing tolerates.
        terms = [_blocking_taints()]
        # The node-condition taints are left out of the start already, so their tolerations need no term.
        terms += [
            selector(ksm.NODE_TAINT, toleration_matchers(t))
            for t in (*lasting, *limited)
            if t.key not in NODE_CONDITION_TAINTS
        ]
        untolerated = "\nunless\n".join(terms)
    briefly: str | None = None
    if limited:
        briefly = "\nor\n".join(_blocking_taints(toleration_matchers(t)) for t in limited)
    return untolerated, briefly


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _on_covered_nodes(expression: str, by: str) -> str:
    inner = f"(\n{_indent(expression)}\n)\nand on (node)\n{_covered_nodes()}"
    return f"max by ({by}) (\n{_indent(inner)}\n)"


def _rule(alert: str, expr: str, agent: WatchedAgent, annotations: dict[str, str]) -> dict[str, Any]:
    labels = {"agent": agent.name, "daemonset": agent.name, "namespace": agent.namespace, "severity": SEVERITY}
    return {
        "alert": alert,
        "expr": expr,
        "for": duration(alert_for_seconds(agent.rollout)),
        "labels": dict(sorted(labels.items())),
        "annotations": dict(sorted(annotations.items())),
    }


def _why_for(agent: WatchedAgent) -> str:
    r = agent.rollout
    return (
        f"{duration(alert_for_seconds(r))}, longer than one rollout step ({r.termination_grace_period_seconds}s "
        f"termination grace period, {START_UP_SECONDS}s for a new pod to start, {r.min_ready_seconds}s "
        f"minReadySeconds) and the {DETECTION_SECONDS}s Prometheus takes to see it"
    )


def _node_rules(agent: WatchedAgent) -> list[dict[str, Any]]:
    name, key = agent.name, agent.config_key
    coverage_rule = f"{key}.coverage: all"
    wants = "; ".join(
        [f"nodeSelector {k}={v}" for k, v in agent.targeting.node_selector]
        + [e.describe() for e in agent.targeting.required]
    )
    rules = [
        _rule(
            "NodeAgentMissingFromNode",
            f"{_covered_nodes()}\nunless on (node)\n{_running_pods_by_node(agent)}",
            agent,
            {
                "agent": name,
                "node": _label("node"),
                "rule": coverage_rule,
                "summary": f"{name} has no running pod on node {_label('node')}",
                "description": (
                    f"{key}.coverage is all: {name} must run on every Linux node that is not on Fargate, and this node "
                    f"has had no running {name} pod for {_why_for(agent)}. If a NodeAgentTaintNotTolerated alert "
                    f"names the same node, that taint is why. Otherwise the node's labels miss what {name} "
                    f"requires ({wants or 'nothing'}), or its pod cannot start: "
                    f"kubectl -n {agent.namespace} get pods -o wide, and kubectl describe node."
                ),
            },
        )
    ]
    untolerated, briefly = _taint_expressions(agent.targeting.effective_tolerations())
    tolerations = (
        f"{_describe_tolerations(agent.targeting.tolerations)}, and those the DaemonSet controller adds for node "
        "conditions"
    )
    advice = f"Add a toleration to {key}.targeting.tolerations, or take the taint off the node."
    if untolerated is not None:
        rules.append(
            _rule(
                "NodeAgentTaintNotTolerated",
                _on_covered_nodes(untolerated, "node, key, value, effect"),
                agent,
                {
                    "agent": name,
                    "node": _label("node"),
                    "rule": coverage_rule,
                    "taint": TAINT_TEMPLATE,
                    "summary": f"node {_label('node')} has taint {TAINT_TEMPLATE}, which {name} does not tolerate",
                    "description": (
                        f"{key}.coverage is all, but no toleration of {name} ({tolerations}) matches this taint: the "
                        "DaemonSet places no pod on the node, and a NoExecute taint evicts the one there. A pod "
                        "already running under a NoSchedule taint stays only until it is next replaced (a rollout, "
                        f"an eviction). {advice}"
                    ),
                },
            )
        )
    if briefly is not None:
        rules.append(
            _rule(
                "NodeAgentEvictedByTaint",
                _on_covered_nodes(briefly, "node, key, value, effect"),
                agent,
                {
                    "agent": name,
                    "node": _label("node"),
                    "rule": coverage_rule,
                    "taint": TAINT_TEMPLATE,
                    "summary": (
                        f"node {_label('node')} has taint {TAINT_TEMPLATE}, which {name} tolerates only for "
                        "tolerationSeconds"
                    ),
                    "description": (
                        f"{key}.coverage is all, but {name} tolerates this NoExecute taint only for a while "
                        f"({tolerations}): the taint manager evicts its pod after the shortest tolerationSeconds "
                        f"and the DaemonSet creates it again, over and over. {advice}"
                    ),
                },
            )
        )
    flag = ksm.labels_allowlist_flag(node_labels_read())
    os_seen = selector(ksm.NODE_LABELS, [Matcher(ksm.node_label(LINUX_GUARD.key), MatchOp.NOT_EQUAL, "")])
    rules.append(
        _rule(
            "NodeAgentCoverageRulesBlind",
            f"max by (node) ({ksm.NODE_INFO})\nunless on (node)\nmax by (node) ({os_seen})",
            agent,
            {
                "agent": name,
                "node": _label("node"),
                "rule": coverage_rule,
                "summary": f"the coverage alerts of {name} cannot see the labels of node {_label('node')}",
                "description": (
                    f"kube-state-metrics exports no {LINUX_GUARD.key} label for this node, so NodeAgentMissingFromNode "
                    f"and NodeAgentTaintNotTolerated cannot tell whether {name} must run on it, and stay silent. "
                    f"Run kube-state-metrics with {flag} (or add these keys to its nodes list)."
                ),
            },
        )
    )
    return rules


def _daemonset_rule(agent: WatchedAgent) -> dict[str, Any]:
    ds = (
        Matcher("namespace", MatchOp.EQUAL, agent.namespace),
        Matcher("daemonset", MatchOp.EQUAL, agent.name),
    )
    # max by: two kube-state-metrics replicas export the same series; one-to-one matching needs one of each.
    unavailable = f"max by (namespace, daemonset) ({selector(ksm.DAEMONSET_UNAVAILABLE, ds)})"
    desired = f"max by (namespace, daemonset) ({selector(ksm.DAEMONSET_DESIRED, ds)})"
    budget = unavailable_budget(agent.rollout.max_unavailable, desired)
    rule = f"{agent.config_key}.maxUnavailable: {agent.rollout.max_unavailable}"
    summary = f"{VALUE_TEMPLATE} {agent.name} pods are unavailable, more than maxUnavailable lets a rollout take down"
    return _rule(
        "NodeAgentTooManyUnavailable",
        f"{unavailable} > {budget}" if budget.isdigit() else f"{unavailable}\n> on (namespace, daemonset)\n{budget}",
        agent,
        {
            "agent": agent.name,
            "rule": rule,
            "summary": summary,
            "description": (
                f"{agent.config_key}.maxUnavailable is {agent.rollout.max_unavailable}: a rollout takes down at most "
                f"that many of the pods the DaemonSet wants (rounded up), yet more have been unavailable for "
                f"{_why_for(agent)}. Look for pods that are not ready, crash-looping or pending: "
                f"kubectl -n {agent.namespace} get pods -o wide. (A rollout that stops with exactly maxUnavailable "
                "pods down does not fire this; kube-prometheus' KubeDaemonSetRolloutStuck does.)"
            ),
        },
    )


def rule_group(agent: WatchedAgent) -> dict[str, Any]:
    """The Prometheus rule group of one agent: its node-level alerts (coverage ``all``), then its DaemonSet alert."""
    rules = _node_rules(agent) if agent.coverage is Coverage.ALL else []
    rules.append(_daemonset_rule(agent))
    return {"name": f"eks-daemonsets.{agent.name}", "rules": rules}


class _RulesDumper(yaml.SafeDumper):
    """Block scalars for the multi-line expressions, so the rules file reads like one written by hand."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_RulesDumper.add_representer(str, _represent_str)


def rules_file(groups: Sequence[dict[str, Any]]) -> str:
    """A Prometheus rules file (``groups:``) holding ``groups``, as ``rule_files`` and promtool read it."""
    return yaml.dump({"groups": list(groups)}, Dumper=_RulesDumper, sort_keys=False, width=1000, allow_unicode=True)
