"""The pool verdict against the nodes a pool can launch: random pools and agents, concrete nodes sampled from what
Karpenter would give each label, and each node judged by the same ``NodeTargeting.evaluate`` a node group gets.

The nodes come from a model of their own, not from :class:`KeyDomain`: a node of the pool carries, per label, a
state every requirement of the pool holds on (sigs.k8s.io/karpenter v1.14.1; files by line):

- ``karpenter.sh/nodepool``, the NodeClass label (nodeclaimtemplate.go:79-82), ``karpenter.sh/registered`` and
  ``initialized`` (nodeclaim/lifecycle registration.go:102, initialization.go:93); ``eks.amazonaws.com/compute-type:
  auto`` on Auto Mode;
- ``kubernetes.io/arch`` amd64 or arm64, ``karpenter.sh/capacity-type`` on-demand, spot or reserved (labels.go:32-36),
  ``kubernetes.io/os`` linux (windows only where a requirement names the OS), zone and the provider's instance-cpu
  always there with some value, its instance-gpu-count on GPU instances only;
- a custom label only where a template label sets it or a requirement names it (nodeclaimtemplate.go:96-107: Any()
  gives a value for In, NotIn, Exists, Gt, Lt; none for DoesNotExist, requirement.go:256-272);
- In/NotIn/Exists/Gt/Gte/Lt/Lte need the label, bounds need an integer (requirement.go:87-108, withinBounds :334-350).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Optional

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from components.placement.node_pools import node_pool_view
from components.placement.pool_cells import pool_verdict
from components.targeting import LabelExpression, NodeTargeting, Taint, TaintEffect, TargetingError, Toleration
from tests.placement.pool_examples import ARCH, AUTO_NODE_CLASS, CAPACITY, EC2_NODE_CLASS

OS = "kubernetes.io/os"
COMPUTE_TYPE = "eks.amazonaws.com/compute-type"
ZONE = "topology.kubernetes.io/zone"
CUSTOM = ("team", "tier")
WORDS = ("a", "b", "amd64", "arm64", "linux", "windows", "on-demand", "spot", "reserved", "us-west-2a")
NUMBERS = tuple(str(n) for n in range(0, 12))
TAINTS = (
    Taint("nvidia.com/gpu", "true", TaintEffect.NO_SCHEDULE),
    Taint("example.com/evict", "", TaintEffect.NO_EXECUTE),
    Taint("spot", "", TaintEffect.PREFER_NO_SCHEDULE),
)
TOLERATIONS = (
    Toleration.everything(),
    Toleration(key="nvidia.com/gpu", operator="Exists"),
    Toleration(key="nvidia.com/gpu", operator="Equal", value="false"),
    Toleration(key="example.com/evict", operator="Exists", effect="NoExecute"),
    Toleration(key="example.com/evict", operator="Exists", effect="NoExecute", toleration_seconds=60),
)
_GO_INT = re.compile(r"[+-]?[0-9]+")  # strconv.Atoi, which withinBounds uses
#: k8s.io/apimachinery v0.35.4 pkg/api/validate/content/kube.go:74-80 (IsLabelValue): "-1" is no label value.
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def provider_keys(auto_mode: bool) -> tuple[str, str]:
    prefix = "eks.amazonaws.com/instance-" if auto_mode else "karpenter.k8s.aws/instance-"
    return prefix + "cpu", prefix + "gpu-count"


def keys(auto_mode: bool) -> tuple[str, ...]:
    return (ARCH, OS, CAPACITY, ZONE, *provider_keys(auto_mode), *CUSTOM)


# -- the model of a pool's node ------------------------------------------------------------------------------------- #

def holds(operator: str, values: Sequence[str], value: Optional[str]) -> bool:
    """Whether a node's label (None: missing) meets one NodePool requirement, as Karpenter launches it."""
    if operator == "DoesNotExist":
        return value is None
    if value is None:
        return False
    if operator == "In":
        return value in values
    if operator == "NotIn":
        return value not in values
    if operator == "Exists":
        return True
    if not _GO_INT.fullmatch(value):
        return False
    number, bound = int(value), int(values[0])
    return {"Gt": number > bound, "Gte": number >= bound, "Lt": number < bound, "Lte": number <= bound}[operator]


def may_carry(key: str, value: Optional[str], pool: Mapping, auto_mode: bool) -> bool:
    """Whether some node of ``pool`` has this state of ``key``: what Karpenter gives it, within every requirement."""
    cpu, gpu = provider_keys(auto_mode)
    if key == COMPUTE_TYPE:
        return value == ("auto" if auto_mode else None)
    requirements = [(op, vals) for k, op, vals in pool["requirements"] if k == key]
    if key == gpu and value is None and all(op == "NotIn" for op, _ in requirements):
        # An instance type without GPUs has gpu-count DoesNotExist (karpenter-provider-aws types.go), which a pool's
        # NotIn does not exclude (karpenter requirements.go Intersects: NotIn against DoesNotExist is compatible).
        return True
    if key in pool["labels"]:
        base = value == pool["labels"][key]
    elif key == ARCH:
        base = value in ("amd64", "arm64")
    elif key == CAPACITY:
        base = value in ("on-demand", "spot", "reserved")
    elif key == OS:
        base = value in (("linux", "windows") if requirements else ("linux",))
    elif key in (ZONE, cpu):
        base = value is not None
    elif key == gpu:
        base = True
    else:  # a custom label: on the node only where a requirement names it
        base = value is None or bool(requirements)
    return base and all(holds(op, vals, value) for op, vals in requirements)


def node(pool: Mapping, auto_mode: bool, states: Mapping[str, Optional[str]]) -> dict[str, str]:
    labels = {
        "karpenter.sh/nodepool": "p",
        (AUTO_NODE_CLASS if auto_mode else EC2_NODE_CLASS)[0]: "default",
        "karpenter.sh/registered": "true",
        "karpenter.sh/initialized": "true",
        **({"eks.amazonaws.com/compute-type": "auto"} if auto_mode else {}),
    }
    labels.update({k: v for k, v in states.items() if v is not None})
    return labels


# -- random pools and agents ---------------------------------------------------------------------------------------- #

def vocabulary(key: str) -> tuple[str, ...]:
    """Mostly the values the label takes, so that rules split pools; a stray word or number now and then."""
    own = {ARCH: ("amd64", "arm64"), OS: ("linux", "windows"), CAPACITY: ("on-demand", "spot", "reserved"),
           ZONE: ("us-west-2a", "us-west-2b"), COMPUTE_TYPE: ("auto", "fargate")}.get(key, ("a", "b") if key in CUSTOM else NUMBERS[:6])
    return own * 3 + ("a", "5")


def value_lists(key: str):
    return st.lists(st.sampled_from(vocabulary(key)), min_size=1, max_size=3, unique=True).map(tuple)


@st.composite
def requirement(draw, key: str) -> tuple[str, str, tuple[str, ...]]:
    operator = draw(st.sampled_from(["In", "NotIn", "NotIn", "Exists", "DoesNotExist", "Gt", "Gte", "Lt", "Lte"]))
    if operator in ("In", "NotIn"):
        return key, operator, draw(value_lists(key))
    if operator in ("Exists", "DoesNotExist"):
        return key, operator, ()
    return key, operator, (draw(st.sampled_from(NUMBERS)),)


@st.composite
def pools(draw, width: int) -> tuple[dict, bool, list[str]]:
    """A pool, and the few labels it and the agent both talk about (so that their rules meet)."""
    auto_mode = draw(st.booleans())
    # One label: more often one some nodes lack (the GPU label, a custom one), where presence and NotIn meet.
    names = draw(st.permutations(keys(auto_mode)))[:width] if width > 1 else [
        draw(st.sampled_from([*keys(auto_mode), provider_keys(auto_mode)[1], provider_keys(auto_mode)[1], CUSTOM[0]]))]
    requirements = draw(st.lists(st.sampled_from(names).flatmap(requirement), max_size=4))
    labels = draw(st.dictionaries(st.sampled_from(CUSTOM), st.sampled_from(WORDS + NUMBERS), max_size=1))
    taints = draw(st.lists(st.sampled_from(TAINTS), max_size=1))
    return {"requirements": requirements, "labels": labels, "taints": taints}, auto_mode, names


@st.composite
def expressions(draw, names: Sequence[str]) -> LabelExpression:
    key = draw(st.sampled_from(names))
    operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]))
    if operator in ("In", "NotIn"):
        return LabelExpression(key, operator, draw(value_lists(key)))
    if operator in ("Gt", "Lt"):
        return LabelExpression(key, operator, (str(draw(st.integers(-1, 12))),))
    return LabelExpression(key, operator, ())


@st.composite
def agents(draw, focus: Sequence[str]) -> NodeTargeting:
    names = [*focus, COMPUTE_TYPE]
    selector_key = draw(st.none() | st.sampled_from(names))
    selector = {} if selector_key is None else {selector_key: draw(st.sampled_from(vocabulary(selector_key)))}
    required = draw(st.lists(expressions(names), min_size=1, max_size=3))
    tolerations = draw(st.lists(st.sampled_from(TOLERATIONS), max_size=2, unique=True))
    try:
        return NodeTargeting.build(node_selector=selector, required=required, tolerations=tolerations)
    except TargetingError:
        assume(False)
        raise


# -- the nodes to try ----------------------------------------------------------------------------------------------- #

def universe(pool: Mapping, targeting: NodeTargeting, extra_word: str, extra_number: int) -> list[Optional[str]]:
    """Values to try for every label: every value anyone mentions, each integer threshold and its neighbours,
    a few plain integers, a word and an integer no one mentions, and no label at all."""
    mentioned = {v for _, _, vals in pool["requirements"] for v in vals} | set(pool["labels"].values())
    mentioned |= {v for _, v in targeting.node_selector} | {v for e in targeting.required for v in e.values}
    numbers = {int(v) for v in mentioned if _GO_INT.fullmatch(v)}
    around = {str(n + d) for n in numbers for d in (-1, 0, 1)} | {"0", "1", "2", "3", str(extra_number)}
    values = mentioned | around | set(WORDS) | {extra_word, "us-east-1b"}
    return [*sorted(v for v in values if _LABEL_VALUE.fullmatch(v)), None]


def sampled_nodes(pool: Mapping, auto_mode: bool, targeting: NodeTargeting, allowed: Mapping[str, list],
                  rng: random.Random) -> list[dict[str, str]]:
    """A node that passes every label rule it can, each one-label change of it, and random nodes."""

    def passes_on(key: str, value: Optional[str]) -> bool:
        labels = {} if value is None else {key: value}
        return all(v == labels.get(k) for k, v in targeting.node_selector if k == key) and all(
            e.matches(labels) for e in targeting.required if e.key == key
        )

    base = {k: next((v for v in vals if passes_on(k, v)), vals[0]) for k, vals in allowed.items()}
    states = [base] + [{**base, k: v} for k, vals in allowed.items() for v in vals]
    states += [{k: rng.choice(vals) for k, vals in allowed.items()} for _ in range(40)]
    return [node(pool, auto_mode, s) for s in states]


def split_keys(split: str, names: Sequence[str]) -> set[str]:
    return {k for k in names if k in split}


def listed_values(split: str, key: str) -> Optional[set[Optional[str]]]:
    """The values of ``key`` a split lists (``k=v``, ``k In [a, b]``, ``no k label``), or None for a rule."""
    clause = r"(?:^only nodes with | and )"
    end = r"(?= and |$)"
    one = re.search(clause + re.escape(key) + r"=([^ ]+)" + end, split)
    many = re.search(clause + re.escape(key) + r" In \[([^\]]*)\]", split)
    found: Optional[set[Optional[str]]] = {one[1]} if one else set(many[1].split(", ")) if many else None
    if re.search(r"(?:with |or )no " + re.escape(key) + " label", split):
        found = (found or set()) | {None}
    return found


def check_reason_against_the_model(reason: str, pool: Mapping, auto_mode: bool) -> None:
    """A reason names a rule and the node it fails on: that node state must be one the pool can launch."""
    match = re.fullmatch(r"(?:nodeSelector (\S+)=\S+ does not match|requires (\S+) .*) \((.*)\)", reason)
    assert match, reason
    key = match[1] or match[2]
    state = match[3]
    if state == "label missing":
        assert may_carry(key, None, pool, auto_mode), f"{reason}: every node of the pool has {key}"
    else:
        has = re.fullmatch(re.escape(f"node has {key}=") + r"(.*?)(?:, not an integer)?", state)
        assert has, reason
        assert may_carry(key, has[1], pool, auto_mode), f"{reason}: no node of the pool has {key}={has[1]}"


EXTRA = dict(data=st.data(), extra_word=st.from_regex(r"\Az[a-z0-9]{1,6}\Z"), extra_number=st.integers(12, 10**6))
SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much]


@settings(max_examples=400, suppress_health_check=SLOW_OK)
@given(**EXTRA)
def test_the_verdict_agrees_with_every_sampled_node(data, extra_word: str, extra_number: int) -> None:
    """Pools and agents talking about three labels of eight."""
    pool, auto_mode, focus = data.draw(pools(3))
    check(pool, auto_mode, data.draw(agents(focus)), extra_word, extra_number)


@settings(max_examples=500, suppress_health_check=SLOW_OK)
@given(**EXTRA)
def test_the_verdict_agrees_with_every_sampled_node_on_one_label(data, extra_word: str, extra_number: int) -> None:
    """Every requirement and rule on one label: how the operators meet (absent labels, NotIn, bounds)."""
    pool, auto_mode, focus = data.draw(pools(1))
    check(pool, auto_mode, data.draw(agents(focus)), extra_word, extra_number)


def check(pool: Mapping, auto_mode: bool, targeting: NodeTargeting, extra_word: str, extra_number: int) -> None:
    values = universe(pool, targeting, extra_word, extra_number)
    allowed = {k: [v for v in values if may_carry(k, v, pool, auto_mode)] for k in keys(auto_mode)}
    arguments = dict(name="p", labels=pool["labels"], taints=pool["taints"], startup_taints=[],
                     node_class_label=AUTO_NODE_CLASS if auto_mode else EC2_NODE_CLASS, auto_mode=auto_mode)
    try:
        view = node_pool_view(requirements=pool["requirements"], **arguments)
    except ValueError as error:
        # Refused: a label the requirements leave no state, which the model agrees with.
        event("refused")
        empty = [k for k, vals in allowed.items() if not vals]
        assert empty and any(f"on {k} leave" in str(error) for k in empty), (error, allowed)
        return
    assume(all(allowed.values()))  # a pool with nodes the universe can't name (Gte 5, Lte 5, NotIn [5])
    # The requirements on a key all hold at once: their order changes nothing.
    assert node_pool_view(requirements=pool["requirements"][::-1], **arguments) == view

    verdict = pool_verdict(targeting, view)
    event("runs" if verdict.runs else "some" if verdict.some else verdict.reason.split(" ")[0])
    nodes = sampled_nodes(pool, auto_mode, targeting, allowed, random.Random(extra_number))
    outcomes = [targeting.evaluate(n, view.taints).runs for n in nodes]
    if verdict.runs:
        assert all(outcomes), next(n for n, ok in zip(nodes, outcomes) if not ok)
        return
    if not verdict.some:
        assert not any(outcomes), (verdict, next(n for n, ok in zip(nodes, outcomes) if ok))
        if verdict.reason.startswith("taint "):
            # The taint is what keeps it off: some node passes every label rule.
            assert any(targeting.evaluate(n, []).runs for n in nodes), verdict
        else:
            check_reason_against_the_model(verdict.reason, pool, auto_mode)
        return
    # Runs on some: both kinds of node exist, and the labels the split names decide which.
    assert any(outcomes) and not all(outcomes), (verdict, pool, targeting)
    assert verdict.split.startswith("only nodes with ") and verdict.reason.startswith("misses ")
    named = split_keys(verdict.split, [*keys(auto_mode), COMPUTE_TYPE])
    assert named and named <= {k for k, _ in targeting.node_selector} | {e.key for e in targeting.required}
    by_named: dict[tuple, set[bool]] = {}
    for labels, ok in zip(nodes, outcomes):
        by_named.setdefault(tuple(labels.get(k) for k in sorted(named)), set()).add(ok)
    assert all(len(seen) == 1 for seen in by_named.values()), (verdict.split, by_named)
    for key in named:
        listed = listed_values(verdict.split, key)
        if listed is not None:
            assert all(labels.get(key) in listed for labels, ok in zip(nodes, outcomes) if ok), (verdict.split, key)

