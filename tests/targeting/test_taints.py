"""Taints: the kubectl-style description, the EKS spelling of effects, and the empty value."""

from __future__ import annotations

import pytest

from components.targeting import Taint, TaintEffect, TargetingError, Toleration, TolerationOperator
from tests.targeting.examples import GPU_TAINT


def test_taint_describe_is_kubectl_style() -> None:
    assert GPU_TAINT.describe() == "nvidia.com/gpu=true:NoSchedule"
    assert Taint("dedicated", "", TaintEffect.NO_EXECUTE).describe() == "dedicated:NoExecute"


def test_taint_from_k8s_accepts_eks_effect_spelling() -> None:
    assert Taint.from_k8s({"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}) == GPU_TAINT
    assert Taint.from_k8s({"key": "a", "effect": "NoExecute"}) == Taint("a", "", TaintEffect.NO_EXECUTE)


def test_taint_rejects_unknown_effect() -> None:
    with pytest.raises(TargetingError) as caught:
        Taint("a", "b", "Evict")
    assert caught.value.path == ("effect",)
    assert str(caught.value) == "unknown TaintEffect: got 'Evict'; allowed: NoSchedule, PreferNoSchedule, NoExecute"


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
# --------------------------------------------------------------------------- #


def test_a_null_taint_value_is_the_empty_value() -> None:
    taint = Taint.from_k8s({"key": "dedicated", "value": None, "effect": "NoSchedule"})
    assert taint == Taint("dedicated", "", TaintEffect.NO_SCHEDULE)
    assert taint.describe() == "dedicated:NoSchedule"
    assert Toleration("dedicated", TolerationOperator.EQUAL, "").tolerates(taint)
    assert not Toleration("dedicated", TolerationOperator.EQUAL, "x").tolerates(taint)


def test_a_missing_taint_value_is_the_empty_value() -> None:
    assert Taint.from_k8s({"key": "k", "effect": "NO_EXECUTE"}) == Taint("k", "", TaintEffect.NO_EXECUTE)


@pytest.mark.parametrize(
    ("spelling", "effect"),
    [("NO_SCHEDULE", TaintEffect.NO_SCHEDULE), ("PREFER_NO_SCHEDULE", TaintEffect.PREFER_NO_SCHEDULE),
     ("NO_EXECUTE", TaintEffect.NO_EXECUTE), ("PreferNoSchedule", TaintEffect.PREFER_NO_SCHEDULE)],
)
def test_taint_effects_in_the_eks_spelling_are_the_kubernetes_ones(spelling: str, effect: TaintEffect) -> None:
    assert Taint.from_k8s({"key": "k", "effect": spelling}).effect is effect
    assert Toleration("k", TolerationOperator.EXISTS, "", spelling).effect is effect
