"""The figures of one DaemonSet, a row of the table: its rollout settings as the API server holds them and its
coverage per node group (``describe``); ``rollout_watch.py`` adds the rollout's figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

from benchmarks.scale_bench.cluster import READY, daemonset
from benchmarks.scale_bench.rollout import scaled_max_unavailable
from benchmarks.scale_bench.targets import Target
from local.cluster import LocalCluster


@dataclass
class Result:
    """The figures of one DaemonSet: a row of the table."""

    label: str
    rule: str
    max_unavailable: str
    min_ready_seconds: int
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # group -> (nodes with a ready pod, nodes)
    desired: int = 0
    allowed_unavailable: int = 0
    rollout_seconds: Optional[float] = None  # measured to the end
    projected: bool = False
    window_seconds: Optional[float] = None
    updated_in_window: int = 0
    nodes_per_minute: Optional[float] = None
    waves: int = 0
    most_without_ready: int = 0
    most_unavailable: int = 0


def coverage(cluster: LocalCluster, target: Target, group_of: Mapping[str, str], groups: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per node group: nodes with a ready, non-terminating pod of the DaemonSet, and nodes."""
    template = f"{{range .items[*]}}{{.spec.nodeName}}{{\"|\"}}{{.metadata.deletionTimestamp}}{{\"|\"}}{READY}{{\"\\n\"}}{{end}}"
    listing = cluster.kubectl("get", "pods", "-n", target.namespace, "-l", target.selector, "--chunk-size=500", "-o", f"jsonpath={template}")
    covered: set[str] = set()
    for line in listing.splitlines():
        node, deleted, ready = (line.split("|") + ["", "", ""])[:3]
        if node and not deleted and ready == "True":
            covered.add(node)
    sizes = {g: sum(1 for group in group_of.values() if group == g) for g in groups}
    return {g: (sum(1 for n in covered if group_of.get(n) == g), sizes[g]) for g in groups}


def describe(cluster: LocalCluster, target: Target, group_of: Mapping[str, str], groups: Sequence[str]) -> Result:
    """The DaemonSet's rollout settings as the API server holds them (defaults filled in), and its coverage."""
    ds = daemonset(cluster, target)
    strategy = ds["spec"].get("updateStrategy", {}).get("rollingUpdate") or {}
    desired = ds["status"]["desiredNumberScheduled"]
    return Result(
        label=target.label,
        rule=target.rule,
        max_unavailable=str(strategy.get("maxUnavailable", 1)),
        min_ready_seconds=ds["spec"].get("minReadySeconds", 0),
        desired=desired,
        allowed_unavailable=scaled_max_unavailable(strategy.get("maxUnavailable"), desired, max_surge=strategy.get("maxSurge")),
        coverage=coverage(cluster, target, group_of, groups),
    )
