"""The rendered manifests the metrics path runs from: a stack file rendered offline, the objects in it, and the
node-exporter agent's own objects, to apply on the local cluster."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
NODE_EXPORTER = "node-exporter"
KUBE_RBAC_PROXY = "kube-rbac-proxy"


class MetricsPathError(Exception):
    """A process of the metrics path didn't start, or a manifest lacks what the local run needs."""


def render_manifests(stack_file: Path, out: Path) -> list[dict[str, Any]]:
    """Render ``stack_file`` offline (``python -m offline.render``, in its own interpreter) and load every object."""
    subprocess.run(
        [sys.executable, "-m", "offline.render", "--config", str(stack_file), "--out", str(out)],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    return [yaml.safe_load(path.read_text()) for path in sorted((out / "manifests").rglob("*.yaml"))]


def find_object(manifests: Iterable[Mapping[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for manifest in manifests:
        if manifest["kind"] == kind and manifest["metadata"]["name"] == name:
            return dict(manifest)
    raise MetricsPathError(f"no {kind} {name} in the render")


def container(daemonset: Mapping[str, Any], name: str) -> dict[str, Any]:
    for candidate in daemonset["spec"]["template"]["spec"]["containers"]:
        if candidate["name"] == name:
            return candidate
    raise MetricsPathError(f"DaemonSet {daemonset['metadata']['name']} has no container {name}")


def node_exporter_objects(manifests: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rendered objects of the node-exporter agent: its Namespace, ServiceAccount, RBAC, Service, DaemonSet."""
    chosen = []
    for manifest in manifests:
        metadata = manifest["metadata"]
        if metadata.get("labels", {}).get("app.kubernetes.io/name") == NODE_EXPORTER or (
            manifest["kind"] == "Namespace" and metadata["name"] == NODE_EXPORTER
        ):
            chosen.append(dict(manifest))
    # The Namespace first, so that the namespaced objects of the same List find it.
    return sorted(chosen, key=lambda m: m["kind"] != "Namespace")
