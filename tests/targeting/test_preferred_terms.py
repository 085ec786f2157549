"""Preferred terms: weight 1 to 100, at least one expression, matching, order and error paths."""

from __future__ import annotations

import pytest

from components.targeting import LabelExpression, Operator, PreferredTerm, TargetingError
from tests.targeting.examples import _targeting


@pytest.mark.parametrize("weight", [0, 101, True, 1.5])
def test_preferred_weight_must_be_1_to_100(weight: object) -> None:
    with pytest.raises(TargetingError) as caught:
        PreferredTerm(weight, (LabelExpression("a", Operator.EXISTS),))
    assert caught.value.path == ("weight",)


def test_preferred_term_needs_an_expression() -> None:
    with pytest.raises(TargetingError) as caught:
        PreferredTerm(10, ())
    assert caught.value.path == ("expressions",)


def test_preferred_term_from_k8s_prefixes_nested_paths() -> None:
    data = {"weight": 5, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "In"}]}}
    with pytest.raises(TargetingError) as caught:
        PreferredTerm.from_k8s(data)
    assert caught.value.path == ("preference", "matchExpressions", 1, "values")
    good = {"weight": 5, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}
    assert PreferredTerm.from_k8s(good).to_k8s() == good


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
# --------------------------------------------------------------------------- #


def test_a_preferred_term_matches_only_when_every_expression_holds() -> None:
    term = PreferredTerm(
        10, (LabelExpression("a", Operator.EXISTS), LabelExpression("b", Operator.IN, ("1",)))
    )
    assert term.matches({"a": "x", "b": "1"})
    assert not term.matches({"a": "x", "b": "2"})
    assert not term.matches({"b": "1"})


@pytest.mark.parametrize("weight", [1, 100])
def test_preferred_weight_edges_are_accepted(weight: int) -> None:
    assert PreferredTerm(weight, (LabelExpression("a", Operator.EXISTS),)).weight == weight


@pytest.mark.parametrize("weight", [0, 101, True])
def test_preferred_weight_outside_1_to_100_is_refused(weight: object) -> None:
    with pytest.raises(TargetingError) as caught:
        PreferredTerm(weight, (LabelExpression("a", Operator.EXISTS),))  # type: ignore[arg-type]
    assert caught.value.path == ("weight",)


def test_preferred_terms_render_heaviest_first() -> None:
    light = PreferredTerm(1, (LabelExpression("a", Operator.EXISTS),))
    heavy = PreferredTerm(50, (LabelExpression("b", Operator.EXISTS),))
    targeting = _targeting(linux_only=False, preferred=[light, heavy])
    rendered = targeting.pod_scheduling()["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert [t["weight"] for t in rendered] == [50, 1]
    assert rendered[0] == {"weight": 50, "preference": {"matchExpressions": [{"key": "b", "operator": "Exists"}]}}


def test_an_error_inside_a_preferred_expression_names_its_place() -> None:
    with pytest.raises(TargetingError) as caught:
        PreferredTerm.from_k8s(
            {"weight": 5, "preference": {"matchExpressions": [
                {"key": "a", "operator": "Exists"},
                {"key": "b", "operator": "In", "values": []},
            ]}}
        )
    assert caught.value.path == ("preference", "matchExpressions", 1, "values")


def test_an_empty_preferred_expression_list_names_the_preference() -> None:
    with pytest.raises(TargetingError) as caught:
        PreferredTerm.from_k8s({"weight": 5, "preference": {"matchExpressions": []}})
    assert caught.value.path == ("preference", "expressions")
    with pytest.raises(TargetingError) as caught:
        PreferredTerm.from_k8s({"weight": 0, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}})
    assert caught.value.path == ("weight",)
