"""Targeting behaviour that mutation testing showed no other test held (issue 15).

Each test pins one Kubernetes rule with exact values: toleration matching (core/v1 toleration.go), the order taints
are judged in, Gt/Lt arithmetic (component-helpers nodeaffinity, strconv.ParseInt), preferred terms, and the frozen
value objects.
"""

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
    TargetingError,
    Toleration,
    TolerationOperator,
    Verdict,
)

LINUX = {"kubernetes.io/os": "linux"}
DRAIN = Taint("drain", "", TaintEffect.NO_EXECUTE)


def _targeting(**kwargs: object) -> NodeTargeting:
    return NodeTargeting.build(keep_off_fargate=False, **kwargs)


# --------------------------------------------------------------------------- #
# Tolerations
# --------------------------------------------------------------------------- #


def test_the_shortest_toleration_seconds_wins_among_matching_tolerations() -> None:
    targeting = _targeting(
        tolerations=[
            Toleration("drain", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 300),
            Toleration("drain", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 30),
            Toleration("drain", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 120),
        ]
    )
    verdict = targeting.evaluate(LINUX, [DRAIN])
    assert verdict == Verdict(
        False, "taint drain:NoExecute is tolerated for only 30s (tolerationSeconds), then the pod is evicted"
    )


def test_a_toleration_without_seconds_next_to_one_with_seconds_still_means_eviction() -> None:
    targeting = _targeting(
        tolerations=[
            Toleration("drain", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE),
            Toleration("drain", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 60),
        ]
    )
    assert targeting.evaluate(LINUX, [DRAIN]).reason.endswith("for only 60s (tolerationSeconds), then the pod is evicted")


def test_tolerated_no_execute_without_seconds_keeps_the_pod() -> None:
    targeting = _targeting(tolerations=[Toleration("drain", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE)])
    assert targeting.evaluate(LINUX, [DRAIN]) == Verdict(True, "")


def test_prefer_no_schedule_sorted_first_does_not_hide_an_untolerated_no_schedule_taint() -> None:
    # "a-soft" sorts before "b-hard": the PreferNoSchedule taint is skipped, the next one still judged.
    taints = [Taint("b-hard", "", TaintEffect.NO_SCHEDULE), Taint("a-soft", "", TaintEffect.PREFER_NO_SCHEDULE)]
    assert _targeting().evaluate(LINUX, taints) == Verdict(False, "taint b-hard:NoSchedule is not tolerated")


def test_prefer_no_schedule_sorted_first_does_not_hide_an_untolerated_no_execute_taint() -> None:
    taints = [Taint("a-soft", "x", TaintEffect.PREFER_NO_SCHEDULE), Taint("b-hard", "y", TaintEffect.NO_EXECUTE)]
    assert _targeting().evaluate(LINUX, taints) == Verdict(False, "taint b-hard=y:NoExecute is not tolerated")


def test_an_untolerated_prefer_no_schedule_taint_alone_never_keeps_a_pod_off() -> None:
    assert _targeting().evaluate(LINUX, [Taint("a-soft", "", TaintEffect.PREFER_NO_SCHEDULE)]) == Verdict(True, "")


def test_the_first_blocking_taint_in_key_order_is_reported() -> None:
    taints = [Taint("zz", "", TaintEffect.NO_SCHEDULE), Taint("aa", "", TaintEffect.NO_EXECUTE)]
    assert _targeting().evaluate(LINUX, taints).reason == "taint aa:NoExecute is not tolerated"


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


def test_a_null_taint_value_is_the_empty_value() -> None:
    taint = Taint.from_k8s({"key": "dedicated", "value": None, "effect": "NoSchedule"})
    assert taint == Taint("dedicated", "", TaintEffect.NO_SCHEDULE)
    assert taint.describe() == "dedicated:NoSchedule"
    assert Toleration("dedicated", TolerationOperator.EQUAL, "").tolerates(taint)
    assert not Toleration("dedicated", TolerationOperator.EQUAL, "x").tolerates(taint)


def test_a_missing_taint_value_is_the_empty_value() -> None:
    assert Taint.from_k8s({"key": "k", "effect": "NO_EXECUTE"}) == Taint("k", "", TaintEffect.NO_EXECUTE)


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


# --------------------------------------------------------------------------- #
# Numeric selectors (Gt/Lt)
# --------------------------------------------------------------------------- #


def _accepts(*expressions: LabelExpression) -> None:
    _targeting(linux_only=False, required=list(expressions))


def _refuses(*expressions: LabelExpression) -> TargetingError:
    with pytest.raises(TargetingError) as caught:
        _targeting(linux_only=False, required=list(expressions))
    return caught.value


def test_two_gt_on_one_key_need_the_larger_bound() -> None:
    targeting = _targeting(
        linux_only=False,
        required=[LabelExpression("cpus", Operator.GT, ("4",)), LabelExpression("cpus", Operator.GT, ("8",))],
    )
    assert not targeting.evaluate({"cpus": "8"}, []).runs
    assert targeting.evaluate({"cpus": "9"}, []).runs
    assert targeting.evaluate({"cpus": "8"}, []).reason == "requires cpus Gt 8 (node has cpus=8)"


def test_two_lt_on_one_key_need_the_smaller_bound() -> None:
    targeting = _targeting(
        linux_only=False,
        required=[LabelExpression("cpus", Operator.LT, ("8",)), LabelExpression("cpus", Operator.LT, ("4",))],
    )
    assert targeting.evaluate({"cpus": "3"}, []).runs
    assert targeting.evaluate({"cpus": "4"}, []).reason == "requires cpus Lt 4 (node has cpus=4)"


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


def test_the_node_has_text_says_not_an_integer_for_gt_and_lt() -> None:
    targeting = _targeting(linux_only=False, required=[LabelExpression("n", Operator.LT, ("5",))])
    assert targeting.evaluate({"n": "x"}, []).reason == "requires n Lt 5 (node has n=x, not an integer)"
    assert targeting.evaluate({}, []).reason == "requires n Lt 5 (label missing)"
    targeting = _targeting(linux_only=False, required=[LabelExpression("n", Operator.IN, ("5",))])
    assert targeting.evaluate({"n": "x"}, []).reason == "requires n In [5] (node has n=x)"


# --------------------------------------------------------------------------- #
# Preferred terms
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


# --------------------------------------------------------------------------- #
# Rendering and ordering
# --------------------------------------------------------------------------- #


def test_pod_scheduling_is_empty_for_an_unguarded_empty_targeting() -> None:
    assert NodeTargeting.build(keep_off_fargate=False, linux_only=False).pod_scheduling() == {}


def test_pod_scheduling_renders_each_part_exactly() -> None:
    targeting = NodeTargeting.build(
        node_selector={"role": "gpu"},
        tolerations=[Toleration("nvidia.com/gpu", TolerationOperator.EXISTS, "", TaintEffect.NO_SCHEDULE)],
    )
    assert targeting.pod_scheduling() == {
        "nodeSelector": {"role": "gpu"},
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [
                {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate"]},
                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
            ]}
        ]}}},
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
    }


def test_the_all_tolerations_shorthand_is_one_exists_toleration() -> None:
    assert NodeTargeting.build(tolerations="all").tolerations == (Toleration.everything(),)
    with pytest.raises(TargetingError) as caught:
        NodeTargeting.build(tolerations="some")  # type: ignore[arg-type]
    assert caught.value.path == ("tolerations",)


def test_a_user_toleration_equal_to_an_automatic_one_is_replaced() -> None:
    own = Toleration("node.kubernetes.io/not-ready", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 10)
    targeting = _targeting(tolerations=[own])
    effective = targeting.effective_tolerations()
    assert own not in effective
    assert targeting.evaluate(LINUX, [Taint("node.kubernetes.io/not-ready", "", TaintEffect.NO_EXECUTE)]).runs


def test_expression_values_are_sorted_and_deduplicated() -> None:
    expression = LabelExpression("zone", Operator.IN, ("b", "a", "b"))
    assert expression.values == ("a", "b")
    assert expression.describe() == "zone In [a, b]"
    assert LabelExpression("zone", Operator.IN, ("",)).describe() == 'zone In [""]'
    assert LabelExpression("zone", Operator.EXISTS).describe() == "zone Exists"
    assert LabelExpression("n", Operator.GT, ("3",)).describe() == "n Gt 3"


# --------------------------------------------------------------------------- #
# Frozen value objects
# --------------------------------------------------------------------------- #


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


def test_a_label_value_that_is_not_a_string_is_a_targeting_error() -> None:
    from components.targeting import validate_label_value

    with pytest.raises(TargetingError) as caught:
        validate_label_value(5, path=("v",))
    assert (caught.value.problem, caught.value.path, caught.value.value) == ("label value must be a string", ("v",), 5)


@pytest.mark.parametrize(
    ("spelling", "effect"),
    [("NO_SCHEDULE", TaintEffect.NO_SCHEDULE), ("PREFER_NO_SCHEDULE", TaintEffect.PREFER_NO_SCHEDULE),
     ("NO_EXECUTE", TaintEffect.NO_EXECUTE), ("PreferNoSchedule", TaintEffect.PREFER_NO_SCHEDULE)],
)
def test_taint_effects_in_the_eks_spelling_are_the_kubernetes_ones(spelling: str, effect: TaintEffect) -> None:
    assert Taint.from_k8s({"key": "k", "effect": spelling}).effect is effect
    assert Toleration("k", TolerationOperator.EXISTS, "", spelling).effect is effect


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
