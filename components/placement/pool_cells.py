"""An agent against a NodePool: runs on every node the pool can make, on none, or on some, and which.

A NodeTargeting is one node selector and one term of required expressions, all ANDed (``node_targeting``), so
whether a node passes is a conjunction over label keys: the node passes when, for every key the agent reads, its
value passes the agent's rules on that key. Each key can then be judged on its own over the values the pool allows
(:meth:`KeyDomain.candidates`), and the pool's cell follows:

- some key has no value that passes: the agent runs on none of the pool's nodes;
- every key passes on every value: it runs on all of them (unless a taint keeps it off, which is the same on every
  node of the pool);
- otherwise it runs on some, and the keys whose values split the pool say which.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from components.placement.node_pools import KeyDomain, NodePoolView
from components.targeting import LabelExpression, NodeTargeting, Operator, Verdict


def keys_read(targeting: NodeTargeting) -> list[str]:
    """The label keys a targeting's node selector and required expressions read, sorted."""
    return sorted({k for k, _ in targeting.node_selector} | {e.key for e in targeting.required})


def rules_on(targeting: NodeTargeting, key: str) -> list[LabelExpression]:
    """The agent's rules on one key, the node selector's as an In expression."""
    rules = [LabelExpression(k, Operator.IN, (v,)) for k, v in targeting.node_selector if k == key]
    return rules + [e for e in targeting.required if e.key == key]


def passes(rules: Sequence[LabelExpression], key: str, value: Optional[str]) -> bool:
    """Whether a node whose ``key`` label is ``value`` (None: no such label) meets every rule on that key."""
    labels = {} if value is None else {key: value}
    return all(rule.matches(labels) for rule in rules)


def named_values(rules: Sequence[LabelExpression]) -> list[str]:
    """The label values In and NotIn rules name."""
    return [v for rule in rules if rule.operator in (Operator.IN, Operator.NOT_IN) for v in rule.values]


def candidates_for(domain: KeyDomain, rules: Sequence[LabelExpression]) -> list[Optional[str]]:
    """The values of one label to try on a pool's nodes against ``rules`` (:meth:`KeyDomain.candidates`)."""
    thresholds = [int(rule.values[0]) for rule in rules if rule.operator in (Operator.GT, Operator.LT)]
    return domain.candidates(named_values(rules), thresholds)


def _shown(key: str, values: Sequence[Optional[str]]) -> str:
    present = [v for v in values if v is not None]
    if None in values and not present:
        return f"no {key} label"
    text = f"{key}={present[0]}" if len(present) == 1 else f"{key} In [{', '.join(present)}]"
    return text + (f" or no {key} label" if None in values else "")


def _which(key: str, rules: Sequence[LabelExpression], values: list, known: set, negate: bool) -> str:
    """The nodes with these values of ``key``: by value where each one is a value the pool or a rule names, else by
    the agent's rules (an open label, or integers past a threshold, can't be listed)."""
    if all(v is None or v in known for v in values):
        return ("nodes with " if negate else "") + _shown(key, values)
    rules_text = " and ".join(rule.describe() for rule in rules)
    return f"nodes where {rules_text} does not hold" if negate else rules_text


def pool_verdict(targeting: NodeTargeting, pool: NodePoolView) -> Verdict:
    """Where on ``pool`` the DaemonSet of ``targeting`` keeps a pod.

    Returns:
        runs (on every node), a reason (on none: the first rule or taint that keeps it off, as for a node group), or
        a split: ``only nodes with ...``, naming each key that tells the nodes apart, with the reason it misses the
        others.
    """
    passing_value: dict[str, Optional[str]] = {}
    failing_value: dict[str, Optional[str]] = {}
    splits: list[str] = []
    misses: list[str] = []
    for key in keys_read(targeting):
        domain = pool.domain(key)
        rules = rules_on(targeting, key)
        candidates = candidates_for(domain, rules)
        passing = [c for c in candidates if passes(rules, key, c)]
        failing = [c for c in candidates if not passes(rules, key, c)]
        if passing:
            passing_value[key] = passing[0]
        if failing:
            failing_value[key] = failing[0]
        if passing and failing:
            known = set(domain.values or ()) | set(named_values(rules))
            splits.append(_which(key, rules, passing, known, negate=False))
            misses.append(_which(key, rules, failing, known, negate=True))
    # One node the pool can launch: each label the agent reads at a value that passes, else at one it can have (a
    # label left out would read "label missing" on a label every node of the pool carries).
    representative = dict(pool.fixed_labels())
    for key in keys_read(targeting):
        value = passing_value[key] if key in passing_value else failing_value.get(key)
        if value is None:
            representative.pop(key, None)
        else:
            representative[key] = value
    if any(key not in passing_value for key in keys_read(targeting)):
        # No node of the pool passes on some key: report it the way such a node would be reported.
        return targeting.evaluate(representative, pool.taints)
    on_taints = targeting.evaluate(representative, pool.taints)
    if not on_taints.runs or not splits:
        return on_taints
    return Verdict(False, "misses " + "; ".join(misses), split="only nodes with " + " and ".join(splits))
