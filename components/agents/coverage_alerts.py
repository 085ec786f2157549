"""An agent's coverage alert rules as a Kubernetes object: a PrometheusRule, or a ConfigMap holding the rules file.

Thin wiring: the rules come from :mod:`components.monitoring`, fed with the targeting the agent's DaemonSet is
rendered from and the rollout values read back out of the rendered DaemonSet spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.monitoring import (
    RULES_FILE_KEY,
    Rollout,
    RulesDelivery,
    WatchedAgent,
    labels_allowlist_flag,
    node_labels_read,
    rule_group,
    rules_file,
)
from components.placement import Coverage
from components.settings import NAMESPACE, Agent

#: On the object: the kube-state-metrics flag the node-level rules need to see the node labels they read.
KSM_FLAG_ANNOTATION = "eks-daemonsets.io/kube-state-metrics-flag"


def watched_agent(agent: Agent, *, name: str, namespace: str, daemonset_spec: Mapping[str, Any]) -> WatchedAgent:
    """What the rules watch, from the agent's settings and its rendered DaemonSet ``spec`` (overrides included)."""
    return WatchedAgent(
        name=name,
        namespace=namespace,
        config_key=f"{NAMESPACE}:agents.{agent.key}",
        coverage=Coverage(agent.settings.coverage),
        targeting=agent.targeting,
        rollout=Rollout(
            max_unavailable=daemonset_spec["updateStrategy"]["rollingUpdate"]["maxUnavailable"],
            min_ready_seconds=daemonset_spec["minReadySeconds"],
            termination_grace_period_seconds=daemonset_spec["template"]["spec"]["terminationGracePeriodSeconds"],
        ),
    )


def alert_rules_object(
    name: str,
    watched: WatchedAgent,
    delivery: RulesDelivery,
    *,
    metadata: Mapping[str, Any],
    opts: pulumi.ResourceOptions,
) -> pulumi.Resource:
    """Register the agent's rules: ``metadata`` names the object; the kube-state-metrics flag goes on it."""
    meta = dict(metadata)
    if watched.coverage is Coverage.ALL:
        meta["annotations"] = {**meta.get("annotations", {}), KSM_FLAG_ANNOTATION: labels_allowlist_flag(node_labels_read())}
    group = rule_group(watched)
    if delivery is RulesDelivery.PROMETHEUS_RULE:
        return k8s.apiextensions.CustomResource(
            name,
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata=meta,
            spec={"groups": [group]},
            opts=opts,
        )
    return k8s.core.v1.ConfigMap(name, metadata=meta, data={RULES_FILE_KEY: rules_file([group])}, opts=opts)
