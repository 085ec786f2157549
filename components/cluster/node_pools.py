"""The stack's Karpenter NodePools as ``karpenter.sh/v1`` objects, and what an EKS Auto Mode cluster needs beside them.

The NodePool is built as the CRD takes it (sigs.k8s.io/karpenter v1.14.1 ``kwok/charts/crds/karpenter.sh_nodepools.yaml``;
EKS user guide, "Create a Node Pool for EKS Auto Mode"): ``spec.template.metadata.labels``,
``spec.template.spec.{nodeClassRef, requirements, taints, startupTaints}``, everything sorted so that a preview shows
no reordering. Disruption, limits and weights keep Karpenter's defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.settings import NodePoolSettings
from components.settings.node_pools import AUTO_MODE_NODE_CLASS, NodeClassRef, PoolTaint

MANAGED_BY = {"app.kubernetes.io/managed-by": "eks-daemonsets"}


def _taints(taints: Sequence[PoolTaint]) -> list[dict[str, str]]:
    return [
        {"key": t.key, **({"value": t.value} if t.value else {}), "effect": t.effect}
        for t in sorted(taints, key=lambda t: (t.key, t.effect, t.value))
    ]


def node_pool_manifest(pool: NodePoolSettings, node_class: NodeClassRef = AUTO_MODE_NODE_CLASS) -> dict[str, Any]:
    """The ``karpenter.sh/v1`` NodePool for ``pool``."""
    requirements = [
        {
            "key": r.key,
            "operator": r.operator,
            **({"values": sorted(set(r.values))} if r.values else {}),
            **({"minValues": r.min_values} if r.min_values is not None else {}),
        }
        for r in sorted(pool.requirements, key=lambda r: (r.key, r.operator, r.values))
    ]
    template_spec: dict[str, Any] = {
        "nodeClassRef": {"group": node_class.group, "kind": node_class.kind, "name": node_class.name},
        # Required by the CRD (spec.template.spec.required: nodeClassRef, requirements), even when empty.
        "requirements": requirements,
        **({"taints": _taints(pool.taints)} if pool.taints else {}),
        **({"startupTaints": _taints(pool.startup_taints)} if pool.startup_taints else {}),
    }
    template: dict[str, Any] = {"spec": template_spec}
    if pool.labels:
        template["metadata"] = {"labels": dict(sorted(pool.labels.items()))}
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": pool.name, "labels": dict(MANAGED_BY)},
        "spec": {"template": template},
    }


def create_node_pools(
    name: str, pools: Sequence[NodePoolSettings], opts: pulumi.ResourceOptions
) -> list[k8s.apiextensions.CustomResource]:
    """A NodePool custom resource per pool, through the cluster's Kubernetes provider (``opts``)."""
    resources = []
    for pool in pools:
        manifest = node_pool_manifest(pool, pool.node_class or AUTO_MODE_NODE_CLASS)
        resources.append(
            k8s.apiextensions.CustomResource(
                f"{name}-node-pool-{pool.name}",
                api_version=manifest["apiVersion"],
                kind=manifest["kind"],
                metadata=manifest["metadata"],
                spec=manifest["spec"],
                opts=opts,
            )
        )
    return resources


def network_policy_controller(name: str, opts: pulumi.ResourceOptions) -> Optional[k8s.core.v1.ConfigMapPatch]:
    """On EKS Auto Mode, turn on the network policy controller, so the agents' NetworkPolicies are enforced.

    Auto Mode enforces NetworkPolicies only once ``enable-network-policy-controller: "true"`` is in the
    ``kube-system/amazon-vpc-cni`` ConfigMap (EKS user guide, "Use Network Policies with EKS Auto Mode"). A patch, not
    a ConfigMap of ours: the map may exist already, and other keys in it are not ours to own.
    """
    return k8s.core.v1.ConfigMapPatch(
        f"{name}-network-policy-controller",
        metadata={"name": "amazon-vpc-cni", "namespace": "kube-system"},
        data={"enable-network-policy-controller": "true"},
        opts=opts,
    )
