"""Property tests: the targeting package agrees with a second, plain restatement of the Kubernetes rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from components.targeting import LabelExpression, NodeTargeting, Taint, TargetingError, Toleration


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
