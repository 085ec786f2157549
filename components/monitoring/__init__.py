"""Prometheus alerting rules that watch, after deploy, what the placement table checks before it.

The preview refuses a stack whose own node groups an agent of coverage ``all`` would miss; nodes also come from
elsewhere (another team's node group, Karpenter, a cluster described by hand). These rules watch every node the
cluster has, through kube-state-metrics, and are generated from the same :class:`~components.targeting.NodeTargeting`
and rollout settings each agent's DaemonSet is rendered from. Pure: no Pulumi, deterministic output.

- ``alert_rules``: :func:`rule_group` for one agent (:class:`WatchedAgent`), :func:`rules_file` to write groups;
- ``promql``: label matchers, and targeting rules (label expressions, tolerations) written as matchers;
- ``kube_state_metrics``: the series and labels the rules read, and the allowlist flag they need;
- ``rollout``: how long a rollout step takes (the rules' ``for:``) and how many pods it may take down.
"""

from components.monitoring.alert_rules import (
    COVERED_NODES,
    RULES_FILE_KEY,
    RulesDelivery,
    WatchedAgent,
    node_labels_read,
    rule_group,
    rules_file,
)
from components.monitoring.kube_state_metrics import labels_allowlist_flag, node_label
from components.monitoring.rollout import Rollout, alert_for_seconds

__all__ = [
    "COVERED_NODES",
    "RULES_FILE_KEY",
    "Rollout",
    "RulesDelivery",
    "WatchedAgent",
    "alert_for_seconds",
    "labels_allowlist_flag",
    "node_label",
    "node_labels_read",
    "rule_group",
    "rules_file",
]
