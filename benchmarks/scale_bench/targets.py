"""What the scale benchmark measures: our three DaemonSets, rendered from the dev stack as ``make local-up`` deploys
them, and the anchors' DaemonSets built from their facts (``anchors.yaml``), each with the objects it is applied with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.scale_bench.anchors import ANCHORS, anchor_objects
from offline.mocks import run_config
from offline.render import kubernetes_manifests
from local.cluster import LocalCluster
from local.nodes import AGENT_DAEMONSETS
from local.up import existing_cluster_values

ROOT = Path(__file__).resolve().parent.parent.parent
DEV = ROOT / "Pulumi.dev.yaml"
COVERAGE_LABEL = "eks-daemonsets.io/coverage"


@dataclass
class Target:
    """One DaemonSet under measurement and the objects it is applied with."""

    key: str
    label: str
    namespace: str
    name: str
    rule: str  # our coverage rule (all / any), "-" for an anchor
    objects: list[dict[str, Any]]

    @property
    def daemonset(self) -> dict[str, Any]:
        (ds,) = [o for o in self.objects if o["kind"] == "DaemonSet" and o["metadata"]["name"] == self.name]
        return ds

    @property
    def selector(self) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(self.daemonset["spec"]["selector"]["matchLabels"].items()))


def our_targets(cluster: LocalCluster) -> list[Target]:
    """The dev stack rendered as ``make local-up`` deploys it (existing-cluster mode), one target per agent."""
    config = yaml.safe_load(DEV.read_text())["config"]
    config["eks-daemonsets:cluster"] = {**config["eks-daemonsets:cluster"], "existing": existing_cluster_values(cluster)}
    result = run_config(config, stack="dev")
    manifests = list(kubernetes_manifests(result.resources).values())
    targets = []
    for namespace, name in AGENT_DAEMONSETS.values():
        target = Target(f"ours/{name}", f"ours: {name}", namespace, name, "", [m for m in manifests if _owner(m) == namespace])
        # The coverage rule (all / any) the program checked before registering anything, as it labels the DaemonSet.
        target.rule = target.daemonset["metadata"]["labels"][COVERAGE_LABEL]
        targets.append(target)
    return targets


def _owner(manifest: Mapping[str, Any]) -> str:
    """Which of our agents an object belongs to: its namespace, or for cluster-scoped ones the agent's name."""
    meta = manifest["metadata"]
    if manifest["kind"] == "Namespace":
        return meta["name"]
    return meta.get("namespace") or meta.get("labels", {}).get("app.kubernetes.io/name", "")


def anchor_targets() -> list[Target]:
    return [Target(a.key, a.label, a.namespace, a.daemonset, "-", anchor_objects(a)) for a in ANCHORS]
