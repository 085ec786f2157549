"""Tests for components.targeting: validation, rendering, placement verdicts.

The property tests at the bottom compare the module against a second, plain
restatement of the Kubernetes rules written here from the API reference, with
no code shared with the module.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.targeting import (
    LabelExpression,
    NodeTargeting,
    Operator,
    PreferredTerm,
    Taint,
    TaintEffect,
    TargetingError,
    Toleration,
    TolerationOperator,
    Verdict,
    format_path,
    validate_label_key,
    validate_label_value,
)

LINUX_X86 = {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
GPU_TAINT = Taint("nvidia.com/gpu", "true", TaintEffect.NO_SCHEDULE)

# --------------------------------------------------------------------------- #
# TargetingError
# --------------------------------------------------------------------------- #


def test_error_message_is_one_line_without_path_and_located_adds_it() -> None:
    err = TargetingError("bad thing", path=("values", 0), value="a\nb", allowed="good things")
    assert str(err) == "bad thing: got 'a\\nb'; allowed: good things"
    assert err.located() == "values[0]: bad thing: got 'a\\nb'; allowed: good things"


def test_error_with_prefix_prepends_the_callers_path() -> None:
    err = TargetingError("bad", path=("values", 0), value=1, allowed="x")
    moved = err.with_prefix("agents", "fluentd", "nodeAffinity", 2)
    assert moved.path == ("agents", "fluentd", "nodeAffinity", 2, "values", 0)
    assert (moved.value, moved.allowed, moved.problem) == (1, "x", "bad")
    assert err.path == ("values", 0)


def test_error_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(TargetingError("bad", path=("key",), value="K", allowed="k")))
    assert (err.path, err.value, err.allowed, str(err)) == (("key",), "K", "k", "bad: got 'K'; allowed: k")


def test_format_path_quotes_label_keys() -> None:
    assert format_path(("nodeSelector", "kubernetes.io/os")) == 'nodeSelector["kubernetes.io/os"]'
    assert format_path(("nodeAffinity", 0, "values")) == "nodeAffinity[0].values"
    assert format_path(()) == ""


# --------------------------------------------------------------------------- #
# Label syntax
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "key",
    ["app", "kubernetes.io/arch", "eks.amazonaws.com/capacityType", "a" * 63, "x" * 253 + "/" + "y" * 63, "A_b-c.D9"],
)
def test_valid_label_keys_are_accepted(key: str) -> None:
    assert validate_label_key(key) == key


@pytest.mark.parametrize(
    "key, problem",
    [
        ("", "label key must not be empty"),
        ("a" * 64, "label key name is longer than 63 characters"),
        ("-app", "label key name has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit"),
        ("app_", "label key name has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit"),
        ("Example.com/app", "label key prefix is not a lowercase DNS subdomain"),
        ("a/b/c", "label key prefix is not a lowercase DNS subdomain"),
        ("/app", "label key prefix before '/' must not be empty"),
        ("example.com/", "label key name after '/' must not be empty"),
        ("x" * 254 + "/app", "label key prefix is longer than 253 characters"),
        (7, "label key must be a string"),
    ],
)
def test_invalid_label_keys_are_rejected_with_the_reason(key: object, problem: str) -> None:
    with pytest.raises(TargetingError) as caught:
        validate_label_key(key, path=("k",))
    assert caught.value.problem == problem
    assert caught.value.path == ("k",)
    assert caught.value.value == key


@pytest.mark.parametrize("value", ["", "a", "1", "0.1.2", "a" * 63, "Linux_x-1"])
def test_valid_label_values_are_accepted(value: str) -> None:
    assert validate_label_value(value) == value


@pytest.mark.parametrize("value", ["a" * 64, "-a", "a-", "a b", "é", " a"])
def test_invalid_label_values_are_rejected(value: str) -> None:
    with pytest.raises(TargetingError):
        validate_label_value(value)


def test_label_value_error_message_is_exact() -> None:
    with pytest.raises(TargetingError) as caught:
        validate_label_value("a b", path=("v",))
    assert str(caught.value) == (
        "label value has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit: "
        "got 'a b'; allowed: empty, or 1-63 characters from [-_.A-Za-z0-9] starting and ending with a letter or digit"
    )


# --------------------------------------------------------------------------- #
# LabelExpression
# --------------------------------------------------------------------------- #


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
# Taints and tolerations
# --------------------------------------------------------------------------- #


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
# PreferredTerm
# --------------------------------------------------------------------------- #


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
# NodeTargeting.build
# --------------------------------------------------------------------------- #


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
# pod_scheduling
# --------------------------------------------------------------------------- #


def test_pod_scheduling_renders_every_field_sorted() -> None:
    targeting = NodeTargeting.build(
        node_selector={"node-role": "system", "example.com/team": "platform"},
        required=[
            LabelExpression("kubernetes.io/arch", Operator.IN, ("arm64", "amd64")),
            LabelExpression("eks.amazonaws.com/capacityType", Operator.IN, ("SPOT",)),
        ],
        preferred=[
            PreferredTerm(10, (LabelExpression("zone", Operator.IN, ("b",)),)),
            PreferredTerm(50, (LabelExpression("zone", Operator.IN, ("a",)),)),
        ],
        tolerations=[
            Toleration("nvidia.com/gpu", "Exists", effect="NoSchedule"),
            Toleration("compliance", "Equal", "pci", "NoExecute", 300),
        ],
    )
    assert targeting.pod_scheduling() == {
        "nodeSelector": {"example.com/team": "platform", "node-role": "system"},
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": "eks.amazonaws.com/capacityType", "operator": "In", "values": ["SPOT"]},
                                {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate"]},
                                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
                                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                            ]
                        }
                    ]
                },
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 50, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}},
                    {"weight": 10, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]}},
                ],
            }
        },
        "tolerations": [
            {"key": "compliance", "operator": "Equal", "value": "pci", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ],
    }
    assert list(targeting.pod_scheduling()) == ["nodeSelector", "affinity", "tolerations"]


def test_tolerate_all_renders_one_exists_toleration() -> None:
    assert NodeTargeting.build(tolerations="all").pod_scheduling()["tolerations"] == [{"operator": "Exists"}]


def test_preferred_only_targeting_omits_the_required_term() -> None:
    # An empty nodeSelectorTerm would match no node at all.
    targeting = NodeTargeting.build(
        preferred=[PreferredTerm(1, (LabelExpression("a", Operator.EXISTS),))], keep_off_fargate=False, linux_only=False
    )
    assert targeting.pod_scheduling() == {
        "affinity": {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}
                ]
            }
        }
    }


# --------------------------------------------------------------------------- #
# evaluate
# --------------------------------------------------------------------------- #


def test_node_matching_everything_runs_with_empty_reason() -> None:
    assert NodeTargeting.build().evaluate(LINUX_X86, []) == Verdict(True, "")


def test_node_selector_mismatch_names_the_node_value() -> None:
    targeting = NodeTargeting.build(node_selector={"node-role": "system"})
    assert targeting.evaluate({**LINUX_X86, "node-role": "general"}, []) == Verdict(
        False, "nodeSelector node-role=system does not match (node has node-role=general)"
    )
    assert targeting.evaluate(LINUX_X86, []) == Verdict(
        False, "nodeSelector node-role=system does not match (label missing)"
    )


def test_failing_required_expression_names_the_node_value() -> None:
    targeting = NodeTargeting.build(required=[LabelExpression("kubernetes.io/arch", Operator.IN, ("arm64",))])
    assert targeting.evaluate(LINUX_X86, []).reason == "requires kubernetes.io/arch In [arm64] (node has kubernetes.io/arch=amd64)"
    assert targeting.evaluate({"kubernetes.io/os": "linux"}, []).reason == "requires kubernetes.io/arch In [arm64] (label missing)"


def test_gt_on_a_non_numeric_node_value_says_so() -> None:
    targeting = NodeTargeting.build(required=[LabelExpression("example.com/gpus", Operator.GT, ("0",))])
    assert targeting.evaluate({**LINUX_X86, "example.com/gpus": "many"}, []).reason == (
        "requires example.com/gpus Gt 0 (node has example.com/gpus=many, not an integer)"
    )


def test_untolerated_taint_is_named() -> None:
    assert NodeTargeting.build().evaluate(LINUX_X86, [GPU_TAINT]) == Verdict(
        False, "taint nvidia.com/gpu=true:NoSchedule is not tolerated"
    )


def test_security_agent_tolerates_every_taint() -> None:
    taints = [GPU_TAINT, Taint("compliance", "pci", TaintEffect.NO_EXECUTE), Taint("x", "", TaintEffect.NO_SCHEDULE)]
    assert NodeTargeting.build(tolerations="all").evaluate(LINUX_X86, taints) == Verdict(True, "")


def test_prefer_no_schedule_taint_never_keeps_the_pod_off() -> None:
    taint = Taint("spot", "true", TaintEffect.PREFER_NO_SCHEDULE)
    assert NodeTargeting.build().evaluate(LINUX_X86, [taint]).runs


def test_preferred_terms_never_keep_the_pod_off() -> None:
    targeting = NodeTargeting.build(preferred=[PreferredTerm(100, (LabelExpression("zone", Operator.IN, ("a",)),))])
    assert targeting.evaluate({**LINUX_X86, "zone": "b"}, []).runs


def test_time_limited_toleration_of_no_execute_taint_does_not_keep_the_pod() -> None:
    taint = Taint("compliance", "pci", TaintEffect.NO_EXECUTE)
    limited = NodeTargeting.build(tolerations=[Toleration("compliance", "Exists", effect="NoExecute", toleration_seconds=300)])
    assert limited.evaluate(LINUX_X86, [taint]) == Verdict(
        False, "taint compliance=pci:NoExecute is tolerated for only 300s (tolerationSeconds), then the pod is evicted"
    )
    # The smallest limit among all matching tolerations wins, even next to an unlimited one.
    mixed = NodeTargeting.build(
        tolerations=[Toleration.everything(), Toleration("compliance", "Exists", effect="NoExecute", toleration_seconds=60)]
    )
    assert "for only 60s" in mixed.evaluate(LINUX_X86, [taint]).reason
    forever = NodeTargeting.build(tolerations=[Toleration("compliance", "Equal", "pci", "NoExecute")])
    assert forever.evaluate(LINUX_X86, [taint]).runs


def test_daemonset_pods_tolerate_cordoned_and_not_ready_nodes_automatically() -> None:
    taints = [
        Taint("node.kubernetes.io/unschedulable", "", TaintEffect.NO_SCHEDULE),
        Taint("node.kubernetes.io/not-ready", "", TaintEffect.NO_EXECUTE),
    ]
    assert NodeTargeting.build().evaluate(LINUX_X86, taints).runs
    # network-unavailable is only tolerated automatically for hostNetwork pods.
    assert not NodeTargeting.build().evaluate(
        LINUX_X86, [Taint("node.kubernetes.io/network-unavailable", "", TaintEffect.NO_SCHEDULE)]
    ).runs


def test_automatic_toleration_replaces_a_time_limited_copy() -> None:
    own = Toleration("node.kubernetes.io/not-ready", "Exists", effect="NoExecute", toleration_seconds=5)
    targeting = NodeTargeting.build(tolerations=[own])
    assert own not in targeting.effective_tolerations()
    assert targeting.evaluate(LINUX_X86, [Taint("node.kubernetes.io/not-ready", "", TaintEffect.NO_EXECUTE)]).runs


def test_first_blocker_is_node_selector_then_required_then_taint() -> None:
    targeting = NodeTargeting.build(
        node_selector={"node-role": "system"},
        required=[LabelExpression("kubernetes.io/arch", Operator.IN, ("arm64",))],
    )
    labels = {**LINUX_X86, "node-role": "general"}
    assert targeting.evaluate(labels, [GPU_TAINT]).reason.startswith("nodeSelector ")
    assert targeting.evaluate({**labels, "node-role": "system"}, [GPU_TAINT]).reason.startswith("requires ")
    arm = {**labels, "node-role": "system", "kubernetes.io/arch": "arm64"}
    assert targeting.evaluate(arm, [GPU_TAINT]).reason.startswith("taint ")


def test_first_untolerated_taint_is_chosen_by_sorted_order_not_input_order() -> None:
    a = Taint("a", "", TaintEffect.NO_SCHEDULE)
    z = Taint("z", "", TaintEffect.NO_SCHEDULE)
    targeting = NodeTargeting.build()
    assert targeting.evaluate(LINUX_X86, [z, a]).reason == "taint a:NoSchedule is not tolerated"
    assert targeting.evaluate(LINUX_X86, [a, z]).reason == "taint a:NoSchedule is not tolerated"


def test_fargate_and_windows_nodes_are_kept_off_by_the_guards() -> None:
    targeting = NodeTargeting.build()
    fargate = {**LINUX_X86, "eks.amazonaws.com/compute-type": "fargate"}
    assert targeting.evaluate(fargate, []).reason == (
        "requires eks.amazonaws.com/compute-type NotIn [fargate] (node has eks.amazonaws.com/compute-type=fargate)"
    )
    windows = {"kubernetes.io/os": "windows", "kubernetes.io/arch": "amd64"}
    assert targeting.evaluate(windows, []).reason == "requires kubernetes.io/os In [linux] (node has kubernetes.io/os=windows)"


# --------------------------------------------------------------------------- #
# Property tests against an independent restatement of the API reference
# --------------------------------------------------------------------------- #
#
# The reference below is written from the Kubernetes API reference and the
# DaemonSet controller's documented behaviour, deliberately plain, over plain
# tuples and dicts. It shares no code with components.targeting.


def ref_is_go_int(text):
    """strconv.ParseInt(text, 10, 64) succeeds."""
    body = text
    if body[:1] in ("+", "-"):
        body = body[1:]
    if body == "":
        return False
    for ch in body:
        if ch not in "0123456789":
            return False
    number = int(text)
    return -(2**63) <= number <= 2**63 - 1


def ref_requirement_holds(key, op, values, labels):
    """NodeSelectorRequirement semantics."""
    if op == "In":
        if key not in labels:
            return False
        return labels[key] in values
    if op == "NotIn":
        if key not in labels:
            return True
        return labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op == "Gt" or op == "Lt":
        if key not in labels:
            return False
        if not ref_is_go_int(labels[key]):
            return False
        node_number = int(labels[key])
        wanted = int(values[0])
        if op == "Gt":
            return node_number > wanted
        return node_number < wanted
    raise AssertionError(op)


def ref_toleration_matches(tol, taint):
    """Toleration <key, operator, value, effect> against taint <key, value, effect>."""
    t_key, t_op, t_value, t_effect, _seconds = tol
    n_key, n_value, n_effect = taint
    if t_effect != "" and t_effect != n_effect:
        return False
    if t_key != "" and t_key != n_key:
        return False
    if t_op == "Exists":
        return True
    return t_value == n_value


REF_DAEMONSET_TOLERATIONS = [
    ("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", None),
    ("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", None),
    ("node.kubernetes.io/disk-pressure", "Exists", "", "NoSchedule", None),
    ("node.kubernetes.io/memory-pressure", "Exists", "", "NoSchedule", None),
    ("node.kubernetes.io/pid-pressure", "Exists", "", "NoSchedule", None),
    ("node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule", None),
]


def ref_pod_tolerations(own):
    """What the DaemonSet controller puts on the pod: its defaults replace same-match copies."""
    result = []
    for tol in own:
        replaced = False
        for auto in REF_DAEMONSET_TOLERATIONS:
            if tol[:4] == auto[:4]:
                replaced = True
        if not replaced:
            result.append(tol)
    return result + REF_DAEMONSET_TOLERATIONS


def ref_runs(selector, requirements, own_tolerations, labels, taints):
    """Would a DaemonSet pod stay on the node?"""
    for key in selector:
        if key not in labels or labels[key] != selector[key]:
            return False
    for key, op, values in requirements:
        if not ref_requirement_holds(key, op, values, labels):
            return False
    pod_tolerations = ref_pod_tolerations(own_tolerations)
    for taint in taints:
        effect = taint[2]
        if effect == "PreferNoSchedule":
            continue
        matching = [tol for tol in pod_tolerations if ref_toleration_matches(tol, taint)]
        if len(matching) == 0:
            return False
        if effect == "NoExecute":
            for tol in matching:
                if tol[4] is not None:
                    return False  # evicted once the shortest tolerationSeconds runs out
    return True


# Small alphabets so keys and values collide often.
KEYS = ["app", "example.com/tier", "kubernetes.io/os", "eks.amazonaws.com/compute-type"]
VALUES = ["", "a", "b", "linux", "fargate", "1", "2", "10", "07"]
INTS = ["-1", "0", "1", "2", "9", "+2"]
TAINT_KEYS = ["gpu", "example.com/dedicated", "node.kubernetes.io/not-ready", "node.kubernetes.io/unschedulable"]
TAINT_VALUES = ["", "a", "b"]
EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=4)


@st.composite
def requirement_st(draw):
    key = draw(st.sampled_from(KEYS))
    op = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]))
    if op in ("In", "NotIn"):
        values = tuple(draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3)))
    elif op in ("Gt", "Lt"):
        values = (draw(st.sampled_from(INTS)),)
    else:
        values = ()
    return (key, op, values)


taint_st = st.tuples(st.sampled_from(TAINT_KEYS), st.sampled_from(TAINT_VALUES), st.sampled_from(EFFECTS))


@st.composite
def toleration_st(draw):
    key = draw(st.sampled_from(["", *TAINT_KEYS]))
    op = "Exists" if key == "" else draw(st.sampled_from(["Equal", "Exists"]))
    value = "" if op == "Exists" else draw(st.sampled_from(TAINT_VALUES))
    effect = draw(st.sampled_from(["", *EFFECTS]))
    seconds = draw(st.sampled_from([None, 0, 300])) if effect == "NoExecute" else None
    return (key, op, value, effect, seconds)


def make_toleration(tol) -> Toleration:
    key, op, value, effect, seconds = tol
    return Toleration(key, op, value, effect or None, seconds)


PROPERTY = settings(max_examples=400, derandomize=True, deadline=None, database=None)


@PROPERTY
@given(requirement=requirement_st(), labels=labels_st)
def test_expression_matching_agrees_with_reference(requirement, labels) -> None:
    key, op, values = requirement
    assert LabelExpression(key, op, values).matches(labels) == ref_requirement_holds(key, op, values, labels)


@PROPERTY
@given(tol=toleration_st(), taint=taint_st)
def test_toleration_matching_agrees_with_reference(tol, taint) -> None:
    assert make_toleration(tol).tolerates(Taint(*taint)) == ref_toleration_matches(tol, taint)


@PROPERTY
@given(
    selector=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2),
    requirements=st.lists(requirement_st(), max_size=3),
    tolerations=st.one_of(st.just("all"), st.lists(toleration_st(), max_size=3)),
    keep_off_fargate=st.booleans(),
    linux_only=st.booleans(),
    labels=labels_st,
    taints=st.lists(taint_st, max_size=3),
)
def test_evaluate_runs_agrees_with_reference(
    selector, requirements, tolerations, keep_off_fargate, linux_only, labels, taints
) -> None:
    ref_requirements = list(requirements)
    if keep_off_fargate:
        ref_requirements.append(("eks.amazonaws.com/compute-type", "NotIn", ("fargate",)))
    if linux_only:
        ref_requirements.append(("kubernetes.io/os", "In", ("linux",)))
    ref_tolerations = [("", "Exists", "", "", None)] if tolerations == "all" else tolerations
    expected = ref_runs(selector, ref_requirements, ref_tolerations, labels, taints)
    try:
        targeting = NodeTargeting.build(
            node_selector=selector,
            required=[LabelExpression(*r) for r in requirements],
            tolerations="all" if tolerations == "all" else [make_toleration(t) for t in tolerations],
            keep_off_fargate=keep_off_fargate,
            linux_only=linux_only,
        )
    except TargetingError:
        # Rejected as contradictory: then no node may satisfy the selector and
        # requirements, this one included.
        assert not ref_runs(selector, ref_requirements, [("", "Exists", "", "", None)], labels, [])
        return
    verdict = targeting.evaluate(labels, [Taint(*t) for t in taints])
    assert verdict.runs == expected
    assert (verdict.reason == "") == verdict.runs


@PROPERTY
@given(
    selector=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2),
    requirements=st.lists(requirement_st(), max_size=3),
    labels=labels_st,
)
def test_build_never_rejects_targeting_that_some_node_satisfies(selector, requirements, labels) -> None:
    if ref_runs(selector, requirements, [], labels, []):
        NodeTargeting.build(
            node_selector=selector,
            required=[LabelExpression(*r) for r in requirements],
            keep_off_fargate=False,
            linux_only=False,
        )


@PROPERTY
@given(
    selector=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2),
    requirements=st.lists(requirement_st(), max_size=3),
    tolerations=st.lists(toleration_st(), max_size=3),
)
def test_pod_scheduling_does_not_depend_on_input_order(selector, requirements, tolerations) -> None:
    def build(order):
        return NodeTargeting.build(
            node_selector=dict(order(list(selector.items()))),
            required=order([LabelExpression(*r) for r in requirements]),
            tolerations=order([make_toleration(t) for t in tolerations]),
            keep_off_fargate=False,
            linux_only=False,
        ).pod_scheduling()

    try:
        forward = build(lambda xs: xs)
    except TargetingError:
        return
    assert build(lambda xs: xs[::-1]) == forward
