"""LabelExpression: validation, In/NotIn/Exists/DoesNotExist/Gt/Lt matching, description and the k8s form."""

from __future__ import annotations

import pytest

from components.targeting import LabelExpression, Operator, TargetingError
from tests.targeting.examples import _accepts, _refuses


def test_expression_values_are_sorted_and_deduplicated() -> None:
    expression = LabelExpression("kubernetes.io/arch", Operator.IN, ("arm64", "amd64", "arm64"))
    assert expression.values == ("amd64", "arm64")
    assert expression == LabelExpression("kubernetes.io/arch", "In", ["amd64", "arm64"])


def test_expression_accepts_operator_names_as_strings() -> None:
    assert LabelExpression("a", "DoesNotExist").operator is Operator.DOES_NOT_EXIST


@pytest.mark.parametrize(
    "kwargs, path, message",
    [
        (
            {"key": "a", "operator": "In"},
            ("values",),
            "operator In needs at least one value: got []; allowed: one or more label values",
        ),
        (
            {"key": "a", "operator": "Exists", "values": ("x",)},
            ("values",),
            "operator Exists takes no values: got ['x']; allowed: no values",
        ),
        (
            {"key": "a", "operator": "Gt", "values": ("1", "2")},
            ("values",),
            "operator Gt needs exactly one value: got ['1', '2']; allowed: exactly one base-10 64-bit integer",
        ),
        (
            {"key": "a", "operator": "Lt", "values": ("1_000",)},
            ("values", 0),
            "operator Lt compares integers: got '1_000'; allowed: exactly one base-10 64-bit integer",
        ),
        (
            {"key": "a", "operator": "Gt", "values": ("9223372036854775808",)},
            ("values", 0),
            "operator Gt compares integers: got '9223372036854775808'; allowed: exactly one base-10 64-bit integer",
        ),
        (
            {"key": "a", "operator": "Like", "values": ("x",)},
            ("operator",),
            "unknown Operator: got 'Like'; allowed: In, NotIn, Exists, DoesNotExist, Gt, Lt",
        ),
        (
            {"key": "a", "operator": "In", "values": "amd64"},
            ("values",),
            "values must be a list of strings: got 'amd64'; allowed: one or more label values",
        ),
        (
            {"key": "a", "operator": "In", "values": ("ok", 4)},
            ("values", 1),
            "each value must be a string (quote numbers): got 4; allowed: one or more label values",
        ),
    ],
)
def test_expression_validation_names_path_and_rule(kwargs: dict, path: tuple, message: str) -> None:
    with pytest.raises(TargetingError) as caught:
        LabelExpression(**kwargs)
    assert caught.value.path == path
    assert str(caught.value) == message


def test_expression_rejects_invalid_value_at_its_original_index() -> None:
    with pytest.raises(TargetingError) as caught:
        LabelExpression("a", Operator.NOT_IN, ("zz", "ok", "bad value"))
    assert caught.value.path == ("values", 2)
    assert caught.value.value == "bad value"


def test_expression_allows_empty_label_value_for_in() -> None:
    expression = LabelExpression("a", Operator.IN, ("",))
    assert expression.matches({"a": ""})
    assert not expression.matches({})
    assert expression.describe() == 'a In [""]'


def test_gt_lt_accept_signed_go_integers() -> None:
    assert LabelExpression("a", Operator.GT, ("-1",)).matches({"a": "0"})
    assert LabelExpression("a", Operator.LT, ("+5",)).matches({"a": "4"})


@pytest.mark.parametrize(
    "operator, values, labels, expected",
    [
        (Operator.IN, ("a",), {}, False),
        (Operator.NOT_IN, ("a",), {}, True),
        (Operator.EXISTS, (), {}, False),
        (Operator.DOES_NOT_EXIST, (), {}, True),
        (Operator.GT, ("1",), {}, False),
        (Operator.LT, ("1",), {}, False),
        (Operator.IN, ("a", "b"), {"k": "b"}, True),
        (Operator.NOT_IN, ("a", "b"), {"k": "b"}, False),
        (Operator.EXISTS, (), {"k": ""}, True),
        (Operator.DOES_NOT_EXIST, (), {"k": ""}, False),
        (Operator.GT, ("4",), {"k": "5"}, True),
        (Operator.GT, ("4",), {"k": "4"}, False),
        (Operator.GT, ("4",), {"k": "05"}, True),
        (Operator.LT, ("4",), {"k": "3"}, True),
        (Operator.LT, ("4",), {"k": "4"}, False),
        (Operator.GT, ("4",), {"k": "five"}, False),
        (Operator.LT, ("4",), {"k": "five"}, False),
        (Operator.LT, ("4",), {"k": ""}, False),
    ],
)
def test_expression_matching_follows_label_selector_rules(
    operator: Operator, values: tuple[str, ...], labels: dict[str, str], expected: bool
) -> None:
    assert LabelExpression("k", operator, values).matches(labels) is expected


@pytest.mark.parametrize(
    "expression, text, k8s",
    [
        (
            LabelExpression("kubernetes.io/arch", Operator.IN, ("amd64",)),
            "kubernetes.io/arch In [amd64]",
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
        ),
        (
            LabelExpression("example.com/gpus", Operator.GT, ("4",)),
            "example.com/gpus Gt 4",
            {"key": "example.com/gpus", "operator": "Gt", "values": ["4"]},
        ),
        (
            LabelExpression("dedicated", Operator.DOES_NOT_EXIST),
            "dedicated DoesNotExist",
            {"key": "dedicated", "operator": "DoesNotExist"},
        ),
    ],
)
def test_expression_describe_and_to_k8s(expression: LabelExpression, text: str, k8s: dict) -> None:
    assert expression.describe() == text
    assert expression.to_k8s() == k8s


def test_expression_from_k8s_round_trips() -> None:
    data = {"key": "eks.amazonaws.com/capacityType", "operator": "In", "values": ["SPOT"]}
    assert LabelExpression.from_k8s(data).to_k8s() == data
    assert LabelExpression.from_k8s({"key": "a", "operator": "Exists", "values": None}).values == ()


@pytest.mark.parametrize(
    "data, path, message",
    [
        ({"key": "a"}, ("operator",), "missing field: got None; allowed: operator is required"),
        (
            {"key": "a", "operator": "In", "value": ["x"]},
            ("value",),
            "unknown field: got ['x']; allowed: key, operator, values",
        ),
        (["a"], (), "must be a mapping: got ['a']; allowed: a mapping with keys key, operator, values"),
        ({"key": "a", "operator": "In", "values": "x"}, ("values",), "values must be a list of strings: got 'x'; allowed: a list of strings"),
        ({"key": "a", "operator": "In", "values": []}, ("values",), "operator In needs at least one value: got []; allowed: one or more label values"),
    ],
)
def test_expression_from_k8s_errors_carry_the_path(data: object, path: tuple, message: str) -> None:
    with pytest.raises(TargetingError) as caught:
        LabelExpression.from_k8s(data)
    assert caught.value.path == path
    assert str(caught.value) == message


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
# --------------------------------------------------------------------------- #


def test_expression_values_are_sorted_deduplicated_and_described() -> None:
    expression = LabelExpression("zone", Operator.IN, ("b", "a", "b"))
    assert expression.values == ("a", "b")
    assert expression.describe() == "zone In [a, b]"
    assert LabelExpression("zone", Operator.IN, ("",)).describe() == 'zone In [""]'
    assert LabelExpression("zone", Operator.EXISTS).describe() == "zone Exists"
    assert LabelExpression("n", Operator.GT, ("3",)).describe() == "n Gt 3"


def test_int64_bounds_parse_and_one_past_does_not() -> None:
    top, bottom = str(2**63 - 1), str(-(2**63))
    assert LabelExpression("n", Operator.LT, (top,)).matches({"n": str(2**63 - 2)})
    assert LabelExpression("n", Operator.GT, (bottom,)).matches({"n": "0"})
    assert not LabelExpression("n", Operator.LT, (top,)).matches({"n": top})
    # A node value one past int64 does not parse, so it never matches.
    assert not LabelExpression("n", Operator.GT, ("0",)).matches({"n": str(2**63)})
    assert LabelExpression("n", Operator.GT, ("0",)).matches({"n": top})
    for past in (str(2**63), str(-(2**63) - 1)):
        with pytest.raises(TargetingError):
            LabelExpression("n", Operator.GT, (past,))
    _refuses(LabelExpression("n", Operator.GT, (top,)))
    _accepts(LabelExpression("n", Operator.GT, (str(2**63 - 2),)))


def test_gt_does_not_match_a_missing_label_or_a_non_integer() -> None:
    expression = LabelExpression("n", Operator.GT, ("1",))
    assert not expression.matches({})
    assert not expression.matches({"n": "two"})
    assert expression.matches({"n": "+2"})
    assert not expression.matches({"n": "1"})
    assert LabelExpression("n", Operator.LT, ("1",)).matches({"n": "-5"})


@pytest.mark.parametrize(
    ("operator", "values", "allowed"),
    [(Operator.NOT_IN, (), "one or more label values"), (Operator.IN, (), "one or more label values"),
     (Operator.DOES_NOT_EXIST, ("a",), "no values"), (Operator.EXISTS, ("a",), "no values"),
     (Operator.GT, (), "exactly one base-10 64-bit integer"), (Operator.LT, ("1", "2"), "exactly one base-10 64-bit integer")],
)
def test_a_wrong_number_of_values_says_what_the_operator_takes(operator: Operator, values: tuple, allowed: str) -> None:
    with pytest.raises(TargetingError) as caught:
        LabelExpression("k", operator, values)
    assert (caught.value.path, caught.value.allowed) == (("values",), allowed)
