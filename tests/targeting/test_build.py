"""NodeTargeting.build: the default guards, sorting, and malformed arguments refused at their config key."""

from __future__ import annotations

import pytest

from components.targeting import (
    LabelExpression,
    NodeTargeting,
    Operator,
    TargetingError,
    Toleration,
    TolerationOperator,
)


def test_build_adds_fargate_and_linux_guards_by_default() -> None:
    targeting = NodeTargeting.build()
    assert [e.describe() for e in targeting.required] == [
        "eks.amazonaws.com/compute-type NotIn [fargate]",
        "kubernetes.io/os In [linux]",
    ]


def test_build_guards_can_be_switched_off() -> None:
    assert NodeTargeting.build(keep_off_fargate=False, linux_only=False).required == ()
    assert NodeTargeting.build(keep_off_fargate=False, linux_only=False).pod_scheduling() == {}


def test_build_deduplicates_a_user_copy_of_a_guard() -> None:
    targeting = NodeTargeting.build(required=[LabelExpression("kubernetes.io/os", Operator.IN, ("linux",))])
    assert len(targeting.required) == 2


def test_build_sorts_everything_regardless_of_input_order() -> None:
    a = NodeTargeting.build(
        node_selector={"zone": "a", "role": "system"},
        required=[LabelExpression("z", Operator.EXISTS), LabelExpression("a", Operator.EXISTS)],
        tolerations=[Toleration("z", "Exists"), Toleration("a", "Exists"), Toleration("a", "Exists")],
    )
    b = NodeTargeting.build(
        node_selector={"role": "system", "zone": "a"},
        required=[LabelExpression("a", Operator.EXISTS), LabelExpression("z", Operator.EXISTS)],
        tolerations=[Toleration("a", "Exists"), Toleration("z", "Exists")],
    )
    assert a == b
    assert a.node_selector == (("role", "system"), ("zone", "a"))
    assert [t.key for t in a.tolerations] == ["a", "z"]


@pytest.mark.parametrize(
    "kwargs, path",
    [
        ({"node_selector": {"bad key": "x"}}, ("nodeSelector", "bad key")),
        ({"node_selector": {"ok": "bad value"}}, ("nodeSelector", "ok")),
        ({"node_selector": ["a"]}, ("nodeSelector",)),
        ({"required": [{"key": "a", "operator": "Exists"}]}, ("nodeAffinity", 0)),
        ({"required": LabelExpression("a", Operator.EXISTS)}, ("nodeAffinity",)),
        ({"preferred": [LabelExpression("a", Operator.EXISTS)]}, ("preferredAffinity", 0)),
        ({"tolerations": "some"}, ("tolerations",)),
        ({"tolerations": [Toleration.everything(), {"operator": "Exists"}]}, ("tolerations", 1)),
    ],
)
def test_build_rejects_malformed_arguments_at_their_config_key(kwargs: dict, path: tuple) -> None:
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(**kwargs)
    assert caught.value.path == path


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
# --------------------------------------------------------------------------- #


def test_the_all_tolerations_shorthand_is_one_exists_toleration() -> None:
    assert NodeTargeting.build(tolerations="all").tolerations == (Toleration.everything(),)
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(tolerations="some")  # type: ignore[arg-type]
    assert caught.value.path == ("tolerations",)


def test_preferred_as_a_string_is_refused_as_a_whole() -> None:
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(preferred="x")  # type: ignore[arg-type]
    assert caught.value.path == ("preferredAffinity",)


def test_tolerations_in_a_set_are_refused_as_a_whole() -> None:
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(tolerations={Toleration("k", TolerationOperator.EXISTS)})  # type: ignore[arg-type]
    assert caught.value.path == ("tolerations",)
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(required={LabelExpression("k", Operator.EXISTS)})  # type: ignore[arg-type]
    assert caught.value.path == ("nodeAffinity",)
