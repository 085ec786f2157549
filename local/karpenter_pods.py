"""The pods that make Karpenter launch a node of a given shape (``LocalKarpenter.launch``), and the names they use.

A pod Karpenter can schedule on no existing node makes it launch one that fits: these pods ask for a node of one
NodePool (``karpenter.sh/nodepool``), with the labels a test wants, tolerating the pool's taints and startup taints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

NODE_POOL_LABEL = "karpenter.sh/nodepool"
NODE_CLASS = {"group": "karpenter.kwok.sh", "kind": "KWOKNodeClass", "name": "default"}
LAUNCH_NAMESPACE = "karpenter-launch"
LAUNCH_LABEL = "eks-daemonsets.local/launch"
ALONE_LABEL = "eks-daemonsets.local/alone"
# kwok runs no container; the image only has to be a valid, pinned reference.
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"


def tolerations_for(pool: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Tolerations of the pool's ``taints`` and ``startupTaints`` (exactly those: key, value and effect)."""
    spec = pool["spec"]["template"]["spec"]
    tolerations = []
    for taint in [*spec.get("taints", []), *spec.get("startupTaints", [])]:
        toleration = {"key": taint["key"], "effect": taint["effect"]}
        toleration.update({"operator": "Equal", "value": taint["value"]} if taint.get("value") else {"operator": "Exists"})
        tolerations.append(toleration)
    return tolerations


def launch_pods(
    pool: Mapping[str, Any],
    name: str,
    *,
    count: int = 1,
    node_selector: Optional[Mapping[str, str]] = None,
    requirements: Sequence[Mapping[str, Any]] = (),
    requests: Optional[Mapping[str, str]] = None,
    alone: bool = False,
) -> list[dict[str, Any]]:
    """Pending pods that only a new node of ``pool`` can take, so Karpenter launches one of that shape.

    Args:
        pool: the karpenter.sh/v1 NodePool, as applied.
        name: the pods' name prefix (``<name>-0``...).
        count: how many pods.
        node_selector: labels the node must carry, beside ``karpenter.sh/nodepool``.
        requirements: required node-affinity match expressions (one term), e.g. an arch ``In``.
        requests: the container's requests (default 100m CPU, 64Mi memory).
        alone: each pod on a node of its own, away from every other pod launched ``alone`` (required pod
            anti-affinity on ``kubernetes.io/hostname``, which Karpenter's scheduler honours), so that pods asking for
            different shapes are not packed onto one node that fits them all.
    """
    selector = {NODE_POOL_LABEL: pool["metadata"]["name"], **(node_selector or {})}
    spec: dict[str, Any] = {
        "nodeSelector": dict(sorted(selector.items())),
        "tolerations": tolerations_for(pool),
        "containers": [
            {
                "name": "pause",
                "image": PAUSE_IMAGE,
                "resources": {"requests": dict(requests or {"cpu": "100m", "memory": "64Mi"})},
            }
        ],
        "terminationGracePeriodSeconds": 0,
        # As high as the agents' system-node-critical: a DaemonSet pod that does not fit never preempts the pod that
        # keeps its node (Karpenter would launch another node for it, mid-comparison).
        "priorityClassName": "system-node-critical",
    }
    if requirements:
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [dict(r) for r in requirements]}]
                }
            }
        }
    if alone:
        spec.setdefault("affinity", {})["podAntiAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {ALONE_LABEL: "true"}}, "topologyKey": "kubernetes.io/hostname"}
            ]
        }
    return [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{name}-{index}",
                "namespace": LAUNCH_NAMESPACE,
                "labels": {LAUNCH_LABEL: name, **({ALONE_LABEL: "true"} if alone else {})},
                # Consolidation would otherwise replace a node under the comparison (pkg/apis/v1/labels.go:50).
                "annotations": {"karpenter.sh/do-not-disrupt": "true"},
            },
            "spec": spec,
        }
        for index in range(count)
    ]


