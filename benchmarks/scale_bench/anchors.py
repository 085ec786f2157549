"""The anchors' own DaemonSets (../shared/anchors), made ready to apply beside ours on one cluster.

Each anchor is applied as it ships, plus what its install instructions create beside the file so its pods can be
created (a namespace, a ConfigMap the quick start makes with ``kubectl create configmap``). Two changes, both
outside the pod: objects of the Prometheus Operator's CRDs are left out (no CRD here, and no pod needs them), and
cluster-scoped RBAC objects get an ``anchor-<key>-`` prefix, because kube-prometheus and fluentd-kubernetes-daemonset
name their ClusterRoles ``node-exporter`` and ``fluentd``, as we do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ANCHORS_DIR = Path(os.environ.get("EKS_DAEMONSETS_ANCHORS", Path(__file__).resolve().parents[3] / "shared" / "anchors"))
CLUSTER_SCOPED = frozenset({"ClusterRole", "ClusterRoleBinding", "Namespace"})
# Kinds of the Prometheus Operator's CRDs: kube-prometheus ships them beside its DaemonSet.
WITHOUT_CRD = frozenset({"ServiceMonitor", "PrometheusRule"})
# Namespaces every cluster has.
BUILT_IN_NAMESPACES = frozenset({"default", "kube-system"})


@dataclass(frozen=True)
class Anchor:
    """One anchor's manifest file and the DaemonSet in it.

    Attributes:
        key: a short name, used in the table and in the prefix of its cluster-scoped objects.
        label: how the table names it.
        file: the manifest in the anchors directory.
        namespace: where its DaemonSet lives.
        daemonset: the DaemonSet's name.
        install_objects: what the anchor's install instructions create beside the file.
    """

    key: str
    label: str
    file: str
    namespace: str
    daemonset: str
    install_objects: tuple[Mapping[str, Any], ...] = field(default=())


def _config_map(name: str, namespace: str, data: Mapping[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": dict(data)}


ANCHORS: tuple[Anchor, ...] = (
    Anchor("kube-prometheus", "kube-prometheus node-exporter", "kube-prometheus-node-exporter.yaml", "monitoring", "node-exporter"),
    Anchor(
        "fluentd-k8s-ds",
        "fluentd-kubernetes-daemonset (CloudWatch)",
        "fluentd-kubernetes-daemonset-cloudwatch-rbac.yaml",
        "kube-system",
        "fluentd",
    ),
    Anchor(
        "ci-fluentd",
        "Container Insights Fluentd",
        "cloudwatch-container-insights-fluentd.yaml",
        "amazon-cloudwatch",
        "fluentd-cloudwatch",
    ),
    Anchor(
        "ci-fluent-bit",
        "Container Insights Fluent Bit",
        "cloudwatch-container-insights-fluent-bit.yaml",
        "amazon-cloudwatch",
        "fluent-bit",
        # The Container Insights quick start: kubectl create configmap fluent-bit-cluster-info --from-literal=...
        install_objects=(
            _config_map(
                "fluent-bit-cluster-info",
                "amazon-cloudwatch",
                {
                    "cluster.name": "dev-agents",
                    "http.port": "2020",
                    "http.server": "On",
                    "logs.region": "us-west-2",
                    "read.head": "Off",
                    "read.tail": "On",
                },
            ),
        ),
    ),
    Anchor("falco", "deploy-kubernetes Falco", "falco-deploy-kubernetes.yaml", "default", "falco"),
)


def anchor_documents(anchor: Anchor, directory: Path = ANCHORS_DIR) -> list[dict[str, Any]]:
    """The anchor's file as it ships: every YAML document, in file order."""
    return [d for d in yaml.safe_load_all((directory / anchor.file).read_text()) if d]


def prefixed(anchor: Anchor, name: str) -> str:
    return f"anchor-{anchor.key}-{name}"


def anchor_objects(anchor: Anchor, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What to apply for ``anchor``: its namespace (unless built in), its install objects, then its documents,
    minus the CRD kinds, with cluster-scoped RBAC renamed (and bindings pointed at the renamed roles)."""
    objects: list[dict[str, Any]] = []
    if anchor.namespace not in BUILT_IN_NAMESPACES:
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": anchor.namespace}})
    objects.extend(dict(o) for o in anchor.install_objects)
    for document in documents:
        if document["kind"] in WITHOUT_CRD:
            continue
        document = {**document, "metadata": dict(document["metadata"])}
        if document["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            document["metadata"]["name"] = prefixed(anchor, document["metadata"]["name"])
        if document["kind"] == "ClusterRoleBinding" and document["roleRef"]["kind"] == "ClusterRole":
            document["roleRef"] = {**document["roleRef"], "name": prefixed(anchor, document["roleRef"]["name"])}
        objects.append(document)
    return objects


def the_daemonset(anchor: Anchor, documents: list[dict[str, Any]]) -> dict[str, Any]:
    (daemonset,) = [d for d in documents if d["kind"] == "DaemonSet" and d["metadata"]["name"] == anchor.daemonset]
    return daemonset
