"""Preferred node affinity terms (``PreferredSchedulingTerm``): a weight and label expressions that all must hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.targeting.errors import TargetingError
from components.targeting.input_checks import _check_mapping
from components.targeting.label_expressions import LabelExpression


@dataclass(frozen=True)
class PreferredTerm:
    """One ``PreferredSchedulingTerm``: a weight and a conjunction of expressions.

    Preferred terms only score nodes; for a DaemonSet pod, whose node is fixed
    in advance, they never decide whether it runs.

    Attributes:
        weight: 1..100, added to a node's score when all expressions hold.
        expressions: ANDed expressions, stored sorted and deduplicated.
    """

    weight: int
    expressions: tuple[LabelExpression, ...]

    def __post_init__(self) -> None:
        weight = self.weight
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            raise TargetingError(
                "weight must be an integer from 1 to 100",
                path=("weight",),
                value=weight,
                allowed="an integer from 1 to 100",
            )
        expressions = tuple(self.expressions)
        if not expressions:
            # An empty NodeSelectorTerm matches no node, so the term is useless.
            raise TargetingError(
                "a preferred term needs at least one expression",
                path=("expressions",),
                value=[],
                allowed="one or more label expressions",
            )
        for index, expression in enumerate(expressions):
            if not isinstance(expression, LabelExpression):
                raise TargetingError(
                    "must be a LabelExpression",
                    path=("expressions", index),
                    value=expression,
                    allowed="a LabelExpression",
                )
        unique = sorted(set(expressions), key=LabelExpression.sort_key)
        object.__setattr__(self, "expressions", tuple(unique))

    @classmethod
    def from_k8s(cls, data: object) -> PreferredTerm:
        """Build from ``{"weight": n, "preference": {"matchExpressions": [...]}}``.

        Args:
            data: A ``PreferredSchedulingTerm`` mapping.

        Returns:
            The validated term.

        Raises:
            TargetingError: With a path relative to ``data``.
        """
        fields_ = _check_mapping(data, required=("weight", "preference"), optional=())
        preference = _check_mapping(
            fields_["preference"], required=("matchExpressions",), optional=(), path=("preference",)
        )
        raw = preference["matchExpressions"]
        if not isinstance(raw, (list, tuple)):
            raise TargetingError(
                "matchExpressions must be a list",
                path=("preference", "matchExpressions"),
                value=raw,
                allowed="a list of NodeSelectorRequirement mappings",
            )
        expressions = []
        for index, item in enumerate(raw):
            try:
                expressions.append(LabelExpression.from_k8s(item))
            except TargetingError as err:
                raise err.with_prefix("preference", "matchExpressions", index) from err
        try:
            return cls(weight=fields_["weight"], expressions=tuple(expressions))
        except TargetingError as err:
            if err.path and err.path[0] == "expressions":
                raise err.with_prefix("preference") from err
            raise

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether every expression holds for a node with these labels."""
        return all(expression.matches(labels) for expression in self.expressions)

    def to_k8s(self) -> dict[str, Any]:
        """The ``PreferredSchedulingTerm`` dict."""
        return {
            "weight": self.weight,
            "preference": {"matchExpressions": [e.to_k8s() for e in self.expressions]},
        }

    def sort_key(self) -> tuple[int, tuple[tuple[str, str, tuple[str, ...]], ...]]:
        """Stable ordering: heaviest first, then by expressions."""
        return (-self.weight, tuple(e.sort_key() for e in self.expressions))
