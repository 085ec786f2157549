"""NodeTargeting.evaluate: whether a DaemonSet pod stays on a node, and the first rule that keeps it off."""

from __future__ import annotations

from components.targeting import (
    LabelExpression,
    NodeTargeting,
    Operator,
    PreferredTerm,
    Taint,
    TaintEffect,
    Toleration,
    TolerationOperator,
    Verdict,
)
from tests.targeting.examples import DRAIN, GPU_TAINT, LINUX, LINUX_X86, _targeting


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
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
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


def test_a_user_toleration_equal_to_an_automatic_one_is_replaced() -> None:
    own = Toleration("node.kubernetes.io/not-ready", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE, 10)
    targeting = _targeting(tolerations=[own])
    effective = targeting.effective_tolerations()
    assert own not in effective
    assert targeting.evaluate(LINUX, [Taint("node.kubernetes.io/not-ready", "", TaintEffect.NO_EXECUTE)]).runs


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


def test_the_node_has_text_says_not_an_integer_for_gt_and_lt() -> None:
    targeting = _targeting(linux_only=False, required=[LabelExpression("n", Operator.LT, ("5",))])
    assert targeting.evaluate({"n": "x"}, []).reason == "requires n Lt 5 (node has n=x, not an integer)"
    assert targeting.evaluate({}, []).reason == "requires n Lt 5 (label missing)"
    targeting = _targeting(linux_only=False, required=[LabelExpression("n", Operator.IN, ("5",))])
    assert targeting.evaluate({"n": "x"}, []).reason == "requires n In [5] (node has n=x)"
