"""The anchors' DaemonSets, built from the facts in ``anchors.yaml``, to apply beside ours on one cluster.

The facts are what decides where an anchor's pods run and how they roll out (tolerations, node selector and
affinity, update strategy, minReadySeconds, priority class, resource requests, host namespaces and ports), each
anchor's with the upstream project, file and commit they were read from. The project carries those facts, not the
manifests: a DaemonSet built from them is placed and rolled by the scheduler and the DaemonSet controller exactly as
the shipped one would be, since nothing else in a pod spec enters either decision. kwok runs no container, so the
pods need no volume, config or RBAC, and keep the images as shipped only so that a rollout can change a tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FACTS_FILE = Path(__file__).resolve().with_name("anchors.yaml")
# Namespaces every cluster has.
BUILT_IN_NAMESPACES = frozenset({"default", "kube-system"})
# The DaemonSet fields taken over from the facts as they stand (absent there: the API server's default).
DAEMONSET_SPEC_FIELDS = ("updateStrategy", "minReadySeconds")
POD_SPEC_FIELDS = ("priorityClassName", "tolerations", "nodeSelector", "affinity", "hostNetwork", "hostPID", "hostIPC",
                   "terminationGracePeriodSeconds")


@dataclass(frozen=True)
class Anchor:
    """One anchor's DaemonSet, as facts.

    Attributes:
        key: a short name, used in the table.
        label: how the table names it.
        namespace: where its DaemonSet lives.
        source: the upstream project, repository, file, commit and release the facts come from.
        facts: the DaemonSet's scheduling and rollout fields (see ``anchors.yaml``).
    """

    key: str
    label: str
    namespace: str
    source: Mapping[str, str]
    facts: Mapping[str, Any]

    @property
    def daemonset(self) -> str:
        return self.facts["name"]


def load_anchors(path: Path = FACTS_FILE) -> tuple[Anchor, ...]:
    """The anchors in ``path``, in file order."""
    return tuple(
        Anchor(key=entry["key"], label=entry["label"], namespace=entry["namespace"], source=entry["source"],
               facts=entry["daemonset"])
        for entry in yaml.safe_load(path.read_text())
    )


ANCHORS: tuple[Anchor, ...] = load_anchors()


def _container(facts: Mapping[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = {"name": facts["name"], "image": facts["image"]}
    if "resources" in facts:
        container["resources"] = facts["resources"]
    if "hostPorts" in facts:
        # With hostNetwork the API server requires hostPort == containerPort; without it the shipped pairs are equal too.
        container["ports"] = [{"containerPort": port, "hostPort": port, "protocol": "TCP"} for port in facts["hostPorts"]]
    return container


def anchor_daemonset(anchor: Anchor) -> dict[str, Any]:
    """The anchor's DaemonSet: its selector, scheduling and rollout fields as shipped, and nothing else."""
    facts = anchor.facts
    pod_spec: dict[str, Any] = {field: facts[field] for field in POD_SPEC_FIELDS if field in facts}
    if "initContainers" in facts:
        pod_spec["initContainers"] = [_container(c) for c in facts["initContainers"]]
    pod_spec["containers"] = [_container(c) for c in facts["containers"]]
    spec: dict[str, Any] = {
        "selector": {"matchLabels": dict(facts["selector"])},
        "template": {"metadata": {"labels": dict(facts["selector"])}, "spec": pod_spec},
    }
    spec.update({field: facts[field] for field in DAEMONSET_SPEC_FIELDS if field in facts})
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": anchor.daemonset, "namespace": anchor.namespace},
        "spec": spec,
    }


def anchor_objects(anchor: Anchor) -> list[dict[str, Any]]:
    """What to apply for ``anchor``: its namespace (unless every cluster has it), then its DaemonSet."""
    objects: list[dict[str, Any]] = []
    if anchor.namespace not in BUILT_IN_NAMESPACES:
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": anchor.namespace}})
    objects.append(anchor_daemonset(anchor))
    return objects
