"""The targeting value objects are frozen and hashable (pinned by mutation testing, issue 15)."""

from __future__ import annotations

import dataclasses

import pytest

from components.targeting import (
    LabelExpression,
    NodeTargeting,
    Operator,
    PreferredTerm,
    Taint,
    TaintEffect,
    Toleration,
    Verdict,
)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (Taint("k", "v", TaintEffect.NO_SCHEDULE), "key"),
        (Toleration("k"), "value"),
        (LabelExpression("k", Operator.EXISTS), "key"),
        (PreferredTerm(1, (LabelExpression("k", Operator.EXISTS),)), "weight"),
        (Verdict(True, ""), "runs"),
        (NodeTargeting(), "tolerations"),
    ],
)
def test_value_objects_are_frozen(value: object, field: str) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, getattr(value, field))


def test_taints_and_terms_are_hashable_so_placement_can_put_them_in_sets() -> None:
    assert len({Taint("k", "v", TaintEffect.NO_SCHEDULE), Taint("k", "v", "NO_SCHEDULE")}) == 1
    term = PreferredTerm(1, (LabelExpression("k", Operator.EXISTS),))
    assert len({term, PreferredTerm(1, (LabelExpression("k", Operator.EXISTS),))}) == 1
