"""The satisfiability check: refuse label requirements that no node label value could meet together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from components.targeting.errors import PathPart, TargetingError
from components.targeting.label_expressions import LabelExpression, Operator


@dataclass(frozen=True)
class _Constraint:
    """One requirement on a single label key, with where it came from."""

    expression: LabelExpression
    label: str  # how to name it in an error message
    path: tuple[PathPart, ...]


def _satisfiable(expressions: Sequence[LabelExpression]) -> bool:
    """Whether one node label value (or its absence) satisfies every expression.

    All expressions share one key. A witness, if any exists, is among: the
    label being absent; a value some expression names; or a few integers
    inside the Gt/Lt bounds (from 0 up when there are none), each written with
    enough leading zeros to be a value no expression names. Those integers
    also stand in for "any other value" when only Exists/NotIn constrain it.
    """
    key = expressions[0].key
    named = {value for e in expressions if e.operator in (Operator.IN, Operator.NOT_IN) for value in e.values}
    candidates: list[str | None] = [None, *sorted(named)]
    low = max((int(e.values[0]) for e in expressions if e.operator is Operator.GT), default=None)
    high = min((int(e.values[0]) for e in expressions if e.operator is Operator.LT), default=None)
    # A label value starts with a letter or digit, so no node value parses as
    # a negative number.
    start = 0 if low is None else max(low + 1, 0)
    for number in range(start, start + len(named) + 2):
        if high is not None and number >= high:
            break
        digits = str(number)
        for padding in range(0, 64 - len(digits)):
            text = "0" * padding + digits
            if text not in named:
                candidates.append(text)
                break
    for candidate in candidates:
        labels = {} if candidate is None else {key: candidate}
        if all(e.matches(labels) for e in expressions):
            return True
    return False


def _reject_contradictions(constraints: Sequence[_Constraint]) -> None:
    """Raise on the first constraint that no node can satisfy together with the earlier ones."""
    by_key: dict[str, list[_Constraint]] = {}
    for constraint in constraints:
        earlier = by_key.setdefault(constraint.expression.key, [])
        if not _satisfiable([c.expression for c in (*earlier, constraint)]):
            if earlier:
                problem = "no node can satisfy this together with " + "; ".join(c.label for c in earlier)
            else:
                problem = (
                    "no node label value can satisfy this "
                    "(Gt/Lt need a node value that is a non-negative 64-bit integer)"
                )
            raise TargetingError(
                problem,
                path=constraint.path,
                value=constraint.label,
                allowed=f"requirements on {constraint.expression.key} that some node label value satisfies",
            )
        earlier.append(constraint)
