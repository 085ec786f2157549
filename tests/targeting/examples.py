"""Example nodes and taints, and targeting builders without the Fargate guard, shared by the targeting tests."""

from __future__ import annotations

import pytest

from components.targeting import LabelExpression, NodeTargeting, Taint, TaintEffect, TargetingError


LINUX_X86 = {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}

GPU_TAINT = Taint("nvidia.com/gpu", "true", TaintEffect.NO_SCHEDULE)

LINUX = {"kubernetes.io/os": "linux"}
DRAIN = Taint("drain", "", TaintEffect.NO_EXECUTE)


def _targeting(**kwargs: object) -> NodeTargeting:
    return NodeTargeting.build(keep_off_fargate=False, **kwargs)


def _accepts(*expressions: LabelExpression) -> None:
    _targeting(linux_only=False, required=list(expressions))


def _refuses(*expressions: LabelExpression) -> TargetingError:
    with pytest.raises(TargetingError) as caught:
        _targeting(linux_only=False, required=list(expressions))
    return caught.value
