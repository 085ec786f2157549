"""Requirements no node could meet together are refused when the targeting is built; satisfiable ones are not."""

from __future__ import annotations

import pytest

from components.targeting import LabelExpression, NodeTargeting, Operator, TargetingError
from tests.targeting.examples import _accepts, _refuses, _targeting


@pytest.mark.parametrize(
    "kwargs, path, message",
    [
        (
            {"node_selector": {"node-role": "system"}, "required": [LabelExpression("node-role", Operator.NOT_IN, ("system",))]},
            ("nodeAffinity", 0),
            "no node can satisfy this together with nodeSelector node-role=system: got 'node-role NotIn [system]'; "
            "allowed: requirements on node-role that some node label value satisfies",
        ),
        (
            {"node_selector": {"node-role": "system"}, "required": [LabelExpression("node-role", Operator.DOES_NOT_EXIST)]},
            ("nodeAffinity", 0),
            "no node can satisfy this together with nodeSelector node-role=system: got 'node-role DoesNotExist'; "
            "allowed: requirements on node-role that some node label value satisfies",
        ),
        (
            {"node_selector": {"kubernetes.io/os": "windows"}},
            ("nodeSelector", "kubernetes.io/os"),
            "no node can satisfy this together with kubernetes.io/os In [linux] (linux_only guard): "
            "got 'nodeSelector kubernetes.io/os=windows'; "
            "allowed: requirements on kubernetes.io/os that some node label value satisfies",
        ),
        (
            {"required": [LabelExpression("eks.amazonaws.com/compute-type", Operator.IN, ("fargate",))]},
            ("nodeAffinity", 0),
            "no node can satisfy this together with eks.amazonaws.com/compute-type NotIn [fargate] "
            "(keep_off_fargate guard): got 'eks.amazonaws.com/compute-type In [fargate]'; "
            "allowed: requirements on eks.amazonaws.com/compute-type that some node label value satisfies",
        ),
        (
            {"required": [LabelExpression("gpus", Operator.LT, ("0",))]},
            ("nodeAffinity", 0),
            "no node label value can satisfy this (Gt/Lt need a node value that is a non-negative 64-bit integer): "
            "got 'gpus Lt 0'; allowed: requirements on gpus that some node label value satisfies",
        ),
    ],
)
def test_build_rejects_contradictions_with_exact_message(kwargs: dict, path: tuple, message: str) -> None:
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(**kwargs)
    assert caught.value.path == path
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "required, bad_index",
    [
        ([LabelExpression("a", Operator.EXISTS), LabelExpression("a", Operator.DOES_NOT_EXIST)], 1),
        ([LabelExpression("a", Operator.IN, ("x",)), LabelExpression("a", Operator.IN, ("y",))], 1),
        ([LabelExpression("a", Operator.IN, ("x", "y")), LabelExpression("a", Operator.NOT_IN, ("x", "y"))], 1),
        ([LabelExpression("n", Operator.GT, ("5",)), LabelExpression("n", Operator.LT, ("6",))], 1),
        ([LabelExpression("b", Operator.EXISTS), LabelExpression("n", Operator.IN, ("x",)), LabelExpression("n", Operator.GT, ("1",))], 2),
    ],
)
def test_build_points_at_the_requirement_that_makes_it_unsatisfiable(required: list, bad_index: int) -> None:
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(required=required)
    assert caught.value.path == ("nodeAffinity", bad_index)


@pytest.mark.parametrize(
    "node_selector, required",
    [
        ({}, [LabelExpression("n", Operator.GT, ("4",)), LabelExpression("n", Operator.LT, ("6",)), LabelExpression("n", Operator.NOT_IN, ("5",))]),
        ({"n": "7"}, [LabelExpression("n", Operator.GT, ("4",))]),
        ({}, [LabelExpression("a", Operator.IN, ("x", "y")), LabelExpression("a", Operator.NOT_IN, ("x",))]),
        ({}, [LabelExpression("a", Operator.NOT_IN, ("x",)), LabelExpression("a", Operator.EXISTS)]),
    ],
)
def test_build_accepts_satisfiable_combinations(node_selector: dict, required: list) -> None:
    # n Gt 4, Lt 6, NotIn [5] is still met by a node labelled n=05.
    NodeTargeting.build(node_selector=node_selector, required=required)


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values; Gt/Lt arithmetic
# --------------------------------------------------------------------------- #


def test_two_gt_and_an_lt_that_leave_no_integer_are_a_contradiction() -> None:
    error = _refuses(
        LabelExpression("cpus", Operator.GT, ("2",)),
        LabelExpression("cpus", Operator.GT, ("5",)),
        LabelExpression("cpus", Operator.LT, ("6",)),
    )
    assert error.path == ("nodeAffinity", 2)
    _accepts(
        LabelExpression("cpus", Operator.GT, ("2",)),
        LabelExpression("cpus", Operator.GT, ("5",)),
        LabelExpression("cpus", Operator.LT, ("7",)),
    )


def test_two_lt_and_a_gt_that_leave_no_integer_are_a_contradiction() -> None:
    error = _refuses(
        LabelExpression("cpus", Operator.LT, ("9",)),
        LabelExpression("cpus", Operator.LT, ("4",)),
        LabelExpression("cpus", Operator.GT, ("3",)),
    )
    assert error.path == ("nodeAffinity", 2)
    _accepts(
        LabelExpression("cpus", Operator.LT, ("9",)),
        LabelExpression("cpus", Operator.LT, ("5",)),
        LabelExpression("cpus", Operator.GT, ("3",)),
    )


def test_lt_1_alone_is_satisfiable_by_zero() -> None:
    _accepts(LabelExpression("cpus", Operator.LT, ("1",)))
    targeting = _targeting(linux_only=False, required=[LabelExpression("cpus", Operator.LT, ("1",))])
    assert targeting.evaluate({"cpus": "0"}, []).runs
    assert not targeting.evaluate({"cpus": "1"}, []).runs


def test_lt_0_alone_is_a_contradiction() -> None:
    error = _refuses(LabelExpression("cpus", Operator.LT, ("0",)))
    assert error.path == ("nodeAffinity", 0)
    assert "no node label value can satisfy this" in error.problem


def test_gt_minus_1_and_lt_1_leave_exactly_zero() -> None:
    _accepts(LabelExpression("n", Operator.GT, ("-1",)), LabelExpression("n", Operator.LT, ("1",)))
    _refuses(LabelExpression("n", Operator.GT, ("-1",)), LabelExpression("n", Operator.LT, ("0",)))


def test_gt_0_and_lt_2_leave_exactly_one() -> None:
    _accepts(LabelExpression("n", Operator.GT, ("0",)), LabelExpression("n", Operator.LT, ("2",)))
    _refuses(LabelExpression("n", Operator.GT, ("0",)), LabelExpression("n", Operator.LT, ("1",)))


@pytest.mark.parametrize("bound", ["126", "200", "1000000"])
def test_gt_above_125_is_satisfiable(bound: str) -> None:
    _accepts(LabelExpression("n", Operator.GT, (bound,)))
    _accepts(LabelExpression("n", Operator.GT, (bound,)), LabelExpression("n", Operator.LT, (str(int(bound) + 2),)))
    _refuses(LabelExpression("n", Operator.GT, (bound,)), LabelExpression("n", Operator.LT, (str(int(bound) + 1),)))


def test_not_in_with_two_values_and_exists_on_one_key_is_satisfiable() -> None:
    _accepts(
        LabelExpression("zone", Operator.NOT_IN, ("a", "b")),
        LabelExpression("zone", Operator.EXISTS),
    )
    _accepts(
        LabelExpression("zone", Operator.NOT_IN, ("0", "1", "2")),
        LabelExpression("zone", Operator.EXISTS),
    )
    _accepts(
        LabelExpression("zone", Operator.NOT_IN, ("0", "00", "000", "1")),
        LabelExpression("zone", Operator.EXISTS),
    )


def test_in_and_not_in_the_same_values_is_a_contradiction() -> None:
    error = _refuses(
        LabelExpression("zone", Operator.IN, ("a", "b")),
        LabelExpression("zone", Operator.NOT_IN, ("a", "b")),
    )
    assert error.path == ("nodeAffinity", 1)
    assert error.problem == "no node can satisfy this together with zone In [a, b]"


def test_not_in_values_padded_with_zeros_still_leave_a_numeric_witness_for_gt() -> None:
    _accepts(LabelExpression("n", Operator.GT, ("0",)), LabelExpression("n", Operator.NOT_IN, ("1", "2")))


def test_negative_bounds_alone_leave_no_node_value() -> None:
    # A label value starts with a letter or digit, so no node value parses as a negative number.
    error = _refuses(LabelExpression("n", Operator.GT, ("-5",)), LabelExpression("n", Operator.LT, ("0",)))
    assert error.path == ("nodeAffinity", 1)
    _accepts(LabelExpression("n", Operator.GT, ("-5",)))


def test_zero_written_with_up_to_62_leading_zeros_is_still_a_witness_for_lt_1() -> None:
    # A label value has at most 63 characters: "0" padded to 63 characters is the last spelling of zero.
    excluded = tuple("0" * width for width in range(1, 63))
    _accepts(LabelExpression("n", Operator.NOT_IN, excluded), LabelExpression("n", Operator.LT, ("1",)))
    every_zero = (*excluded, "0" * 63)
    _refuses(LabelExpression("n", Operator.NOT_IN, every_zero), LabelExpression("n", Operator.LT, ("1",)))


def test_in_values_outside_gt_lt_bounds_are_a_contradiction_and_inside_are_not() -> None:
    _refuses(LabelExpression("n", Operator.IN, ("3", "9")), LabelExpression("n", Operator.GT, ("9",)))
    _accepts(LabelExpression("n", Operator.IN, ("3", "10")), LabelExpression("n", Operator.GT, ("9",)))
    _accepts(LabelExpression("n", Operator.IN, ("007",)), LabelExpression("n", Operator.LT, ("8",)))


def test_zero_without_padding_is_a_witness_when_every_padded_spelling_is_excluded() -> None:
    padded = tuple("0" * width for width in range(2, 64))
    _accepts(LabelExpression("n", Operator.NOT_IN, padded), LabelExpression("n", Operator.LT, ("1",)))
