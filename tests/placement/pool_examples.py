"""NodePools and agents shared by the pool placement tests: a self-managed Karpenter pool on an EC2NodeClass unless
a test asks for Auto Mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Optional

from components.placement.node_pools import NodePoolView, node_pool_view
from components.targeting import LabelExpression, NodeTargeting, Taint, TaintEffect, Toleration

EC2_NODE_CLASS = ("karpenter.k8s.aws/ec2nodeclass", "default")
AUTO_NODE_CLASS = ("eks.amazonaws.com/nodeclass", "default")
ARCH = "kubernetes.io/arch"
CAPACITY = "karpenter.sh/capacity-type"
GPU_TAINT = Taint("nvidia.com/gpu", "true", TaintEffect.NO_SCHEDULE)


def req(key: str, operator: str, *values: str) -> tuple[str, str, tuple[str, ...]]:
    """A pool requirement as :func:`node_pool_view` takes it."""
    return key, operator, values


def pool(
    name: str = "p",
    *requirements: tuple[str, str, tuple[str, ...]],
    labels: Optional[Mapping[str, str]] = None,
    taints: Sequence[Taint] = (),
    startup_taints: Sequence[Taint] = (),
    auto_mode: bool = False,
    region: Optional[str] = None,
) -> NodePoolView:
    return node_pool_view(
        name=name,
        labels=labels or {},
        taints=list(taints),
        startup_taints=list(startup_taints),
        requirements=list(requirements),
        node_class_label=AUTO_NODE_CLASS if auto_mode else EC2_NODE_CLASS,
        auto_mode=auto_mode,
        region=region,
    )


def expr(key: str, operator: str, *values: str) -> LabelExpression:
    return LabelExpression(key, operator, values)


def agent(
    *required: LabelExpression,
    selector: Optional[Mapping[str, str]] = None,
    tolerations: Sequence[Toleration] | str = (),
) -> NodeTargeting:
    """An agent's targeting with the guards every agent gets (not on Fargate, Linux only)."""
    return NodeTargeting.build(node_selector=selector, required=list(required), tolerations=tolerations)


#: Both architectures, spot and on-demand: the general pool of Pulumi.automode.yaml, less its instance labels.
MIXED = pool("general", req(ARCH, "In", "amd64", "arm64"), req(CAPACITY, "In", "spot", "on-demand"))
