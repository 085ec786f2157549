"""Tolerations: validation, the k8s form, sort order, and how one matches a taint (core/v1 toleration.go)."""

from __future__ import annotations

import pytest

from components.targeting import NodeTargeting, Taint, TaintEffect, TargetingError, Toleration, TolerationOperator
from tests.targeting.examples import GPU_TAINT


@pytest.mark.parametrize(
    "kwargs, path, message",
    [
        (
            {"key": "", "operator": "Equal", "value": "x"},
            ("operator",),
            "an empty key (all taint keys) needs operator Exists: got 'Equal'; allowed: Exists when key is empty",
        ),
        (
            {"key": "a", "operator": "Exists", "value": "x"},
            ("value",),
            "operator Exists matches any value, so value must be empty: got 'x'; allowed: \"\"",
        ),
        (
            {"key": "a", "value": "x", "effect": "NoSchedule", "toleration_seconds": 30},
            ("tolerationSeconds",),
            "tolerationSeconds only applies to effect NoExecute: got 30; allowed: tolerationSeconds together with effect NoExecute",
        ),
        (
            {"key": "a", "value": "x", "toleration_seconds": 30},
            ("tolerationSeconds",),
            "tolerationSeconds only applies to effect NoExecute: got 30; allowed: tolerationSeconds together with effect NoExecute",
        ),
        (
            {"key": "a", "value": "x", "effect": "NoExecute", "toleration_seconds": -1},
            ("tolerationSeconds",),
            "tolerationSeconds must not be negative: got -1; allowed: an integer >= 0",
        ),
        (
            {"key": "a", "value": "x", "effect": "NoExecute", "toleration_seconds": True},
            ("tolerationSeconds",),
            "tolerationSeconds must be an integer: got True; allowed: an integer >= 0",
        ),
        (
            {"key": "a", "operator": "In"},
            ("operator",),
            "unknown TolerationOperator: got 'In'; allowed: Equal, Exists",
        ),
        (
            {"key": "a b", "operator": "Exists"},
            ("key",),
            "label key name has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit: "
            "got 'a b'; allowed: an optional DNS-subdomain prefix (lowercase, at most 253 characters) and '/', then a "
            "name of 1-63 characters from [-_.A-Za-z0-9] starting and ending with a letter or digit",
        ),
    ],
)
def test_toleration_validation_names_path_and_rule(kwargs: dict, path: tuple, message: str) -> None:
    with pytest.raises(TargetingError) as caught:
        Toleration(**kwargs)
    assert caught.value.path == path
    assert str(caught.value) == message


def test_toleration_to_k8s_omits_empty_fields() -> None:
    assert Toleration.everything().to_k8s() == {"operator": "Exists"}
    assert Toleration("nvidia.com/gpu", TolerationOperator.EQUAL, "true", TaintEffect.NO_SCHEDULE).to_k8s() == {
        "key": "nvidia.com/gpu",
        "operator": "Equal",
        "value": "true",
        "effect": "NoSchedule",
    }
    assert Toleration("compliance", "Exists", effect="NoExecute", toleration_seconds=0).to_k8s() == {
        "key": "compliance",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 0,
    }


def test_toleration_from_k8s_reads_camel_case_and_defaults_to_equal() -> None:
    toleration = Toleration.from_k8s(
        {"key": "compliance", "value": "pci", "effect": "NoExecute", "tolerationSeconds": 60}
    )
    assert toleration == Toleration("compliance", TolerationOperator.EQUAL, "pci", TaintEffect.NO_EXECUTE, 60)
    assert Toleration.from_k8s({"operator": "Exists", "effect": ""}) == Toleration.everything()


@pytest.mark.parametrize(
    "data, path",
    [
        ({"key": "a", "toleration_seconds": 5}, ("toleration_seconds",)),
        ({"key": 5}, ("key",)),
        ({"key": "a", "operator": "Exists", "value": "x"}, ("value",)),
        ({"value": "x"}, ("operator",)),
        ("Exists", ()),
    ],
)
def test_toleration_from_k8s_errors_carry_the_path(data: object, path: tuple) -> None:
    with pytest.raises(TargetingError) as caught:
        Toleration.from_k8s(data)
    assert caught.value.path == path


@pytest.mark.parametrize(
    "toleration, taint, expected",
    [
        (Toleration.everything(), GPU_TAINT, True),
        (Toleration("nvidia.com/gpu", "Exists"), GPU_TAINT, True),
        (Toleration("nvidia.com/gpu", "Equal", "true"), GPU_TAINT, True),
        (Toleration("nvidia.com/gpu", "Equal", "false"), GPU_TAINT, False),
        (Toleration("nvidia.com/gpu", "Equal", "true", "NoExecute"), GPU_TAINT, False),
        (Toleration("nvidia.com/gpu", "Equal", "true", "NoSchedule"), GPU_TAINT, True),
        (Toleration("", "Exists", effect="NoSchedule"), GPU_TAINT, True),
        (Toleration("", "Exists", effect="NoExecute"), GPU_TAINT, False),
        (Toleration("other", "Exists"), GPU_TAINT, False),
        (Toleration("dedicated", "Equal", ""), Taint("dedicated", "", TaintEffect.NO_SCHEDULE), True),
    ],
)
def test_toleration_matching_follows_the_api_reference(toleration: Toleration, taint: Taint, expected: bool) -> None:
    assert toleration.tolerates(taint) is expected


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("effect", [None, ""])
def test_an_empty_effect_tolerates_every_effect(effect: str | None) -> None:
    toleration = Toleration("dedicated", TolerationOperator.EQUAL, "gpu", effect)
    assert toleration.effect is None
    assert toleration.to_k8s() == {"key": "dedicated", "operator": "Equal", "value": "gpu"}
    for taint_effect in TaintEffect:
        assert toleration.tolerates(Taint("dedicated", "gpu", taint_effect))
    assert not toleration.tolerates(Taint("dedicated", "cpu", TaintEffect.NO_SCHEDULE))
    assert not toleration.tolerates(Taint("other", "gpu", TaintEffect.NO_SCHEDULE))


def test_an_empty_effect_from_k8s_is_every_effect() -> None:
    toleration = Toleration.from_k8s({"key": "dedicated", "operator": "Exists", "effect": ""})
    assert toleration.effect is None
    assert all(toleration.tolerates(Taint("dedicated", "v", e)) for e in TaintEffect)


def test_a_set_effect_tolerates_only_that_effect() -> None:
    toleration = Toleration("dedicated", TolerationOperator.EXISTS, "", TaintEffect.NO_SCHEDULE)
    assert toleration.tolerates(Taint("dedicated", "x", TaintEffect.NO_SCHEDULE))
    assert not toleration.tolerates(Taint("dedicated", "x", TaintEffect.NO_EXECUTE))
    assert not toleration.tolerates(Taint("dedicated", "x", TaintEffect.PREFER_NO_SCHEDULE))


def test_toleration_seconds_zero_is_allowed_and_rendered() -> None:
    toleration = Toleration("k", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 0)
    assert toleration.to_k8s() == {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 0}
    assert Toleration.from_k8s(
        {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 0}
    ) == toleration


def test_toleration_seconds_minus_one_is_refused() -> None:
    with pytest.raises(TargetingError) as caught:
        Toleration("k", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, -1)
    assert caught.value.path == ("tolerationSeconds",)
    assert caught.value.value == -1


def test_an_exists_toleration_with_a_key_ignores_the_value() -> None:
    toleration = Toleration("k", TolerationOperator.EXISTS)
    assert toleration.tolerates(Taint("k", "anything", TaintEffect.NO_SCHEDULE))
    assert toleration.tolerates(Taint("k", "", TaintEffect.NO_SCHEDULE))
    assert not toleration.tolerates(Taint("other", "", TaintEffect.NO_SCHEDULE))


def test_toleration_sort_order_puts_unset_seconds_before_zero() -> None:
    unset = Toleration("k", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE)
    zero = Toleration("k", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 0)
    targeting = NodeTargeting(tolerations=(zero, unset))
    assert targeting.tolerations == (unset, zero)
    assert unset.sort_key() == ("k", "Exists", "", "NoExecute", -1)
    assert Toleration("k").sort_key() == ("k", "Equal", "", "", -1)
