"""Node label requirements (``NodeSelectorRequirement``): In, NotIn, Exists, DoesNotExist, Gt, Lt, and how each matches.

Also the two guards :meth:`~components.targeting.NodeTargeting.build` adds by default: off Fargate, Linux only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.targeting.errors import TargetingError
from components.targeting.input_checks import _check_mapping, _coerce_enum
from components.targeting.labels import _parse_go_int, validate_label_key, validate_label_value


class Operator(enum.StrEnum):
    """``NodeSelectorRequirement.operator``: how a node label relates to the values."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"
    GT = "Gt"
    LT = "Lt"



def _render_values(values: Iterable[str]) -> str:
    return "[" + ", ".join(v if v else '""' for v in values) + "]"


_VALUES_RULE = {
    Operator.IN: "one or more label values",
    Operator.NOT_IN: "one or more label values",
    Operator.EXISTS: "no values",
    Operator.DOES_NOT_EXIST: "no values",
    Operator.GT: "exactly one base-10 64-bit integer",
    Operator.LT: "exactly one base-10 64-bit integer",
}


@dataclass(frozen=True, order=False)
class LabelExpression:
    """One ``NodeSelectorRequirement``: a label key, an operator and values.

    Values are stored sorted and deduplicated so equal requirements compare and
    render equal.

    Attributes:
        key: The node label key.
        operator: How the node's label value relates to ``values``.
        values: Label values (In/NotIn), nothing (Exists/DoesNotExist) or one
            integer (Gt/Lt).
    """

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate_label_key(self.key, path=("key",))
        operator = _coerce_enum(Operator, self.operator, ("operator",))
        raw = self.values
        if isinstance(raw, str) or not isinstance(raw, Iterable):
            # A bare string would silently become a list of characters.
            raise TargetingError(
                "values must be a list of strings",
                path=("values",),
                value=raw,
                allowed=_VALUES_RULE[operator],
            )
        values = tuple(raw)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise TargetingError(
                    "each value must be a string (quote numbers)",
                    path=("values", index),
                    value=value,
                    allowed=_VALUES_RULE[operator],
                )
        if operator in (Operator.IN, Operator.NOT_IN):
            if not values:
                raise TargetingError(
                    f"operator {operator} needs at least one value",
                    path=("values",),
                    value=list(values),
                    allowed=_VALUES_RULE[operator],
                )
            for index, value in enumerate(values):
                # The scheduler turns the requirement into a label selector,
                # which rejects values that no node label could ever hold.
                validate_label_value(value, path=("values", index))
        elif operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
            if values:
                raise TargetingError(
                    f"operator {operator} takes no values",
                    path=("values",),
                    value=list(values),
                    allowed=_VALUES_RULE[operator],
                )
        else:
            if len(values) != 1:
                raise TargetingError(
                    f"operator {operator} needs exactly one value",
                    path=("values",),
                    value=list(values),
                    allowed=_VALUES_RULE[operator],
                )
            if _parse_go_int(values[0]) is None:
                raise TargetingError(
                    f"operator {operator} compares integers",
                    path=("values", 0),
                    value=values[0],
                    allowed=_VALUES_RULE[operator],
                )
        object.__setattr__(self, "operator", operator)
        object.__setattr__(self, "values", tuple(sorted(set(values))))

    @classmethod
    def from_k8s(cls, data: object) -> LabelExpression:
        """Build from a ``NodeSelectorRequirement`` dict (``key``, ``operator``, ``values``).

        Args:
            data: A mapping as found in YAML/JSON config.

        Returns:
            The validated expression.

        Raises:
            TargetingError: With a path relative to ``data``.
        """
        fields_ = _check_mapping(data, required=("key", "operator"), optional=("values",))
        values = fields_.get("values", ())
        if values is None:
            values = ()
        if not isinstance(values, (list, tuple)):
            raise TargetingError(
                "values must be a list of strings", path=("values",), value=values,
                allowed="a list of strings",
            )
        return cls(key=fields_["key"], operator=fields_["operator"], values=tuple(values))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a node with these labels satisfies the requirement.

        Mirrors ``labels.Requirement.Matches``: a missing label satisfies only
        NotIn and DoesNotExist; Gt/Lt parse the node's value as a Go int64 and
        a value that does not parse never matches.

        Args:
            labels: The node's labels.

        Returns:
            True if the requirement holds.
        """
        present = self.key in labels
        if self.operator is Operator.IN:
            return present and labels[self.key] in self.values
        if self.operator is Operator.NOT_IN:
            return not present or labels[self.key] not in self.values
        if self.operator is Operator.EXISTS:
            return present
        if self.operator is Operator.DOES_NOT_EXIST:
            return not present
        if not present:
            return False
        have = _parse_go_int(labels[self.key])
        if have is None:
            return False
        bound = int(self.values[0])
        return have > bound if self.operator is Operator.GT else have < bound

    def describe(self) -> str:
        """Human-readable form, e.g. ``kubernetes.io/arch In [amd64]`` or ``gpus Gt 4``."""
        if self.operator in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {self.operator} {_render_values(self.values)}"
        if self.operator in (Operator.GT, Operator.LT):
            return f"{self.key} {self.operator} {self.values[0]}"
        return f"{self.key} {self.operator}"

    def to_k8s(self) -> dict[str, Any]:
        """The ``NodeSelectorRequirement`` dict; ``values`` omitted when empty."""
        out: dict[str, Any] = {"key": self.key, "operator": self.operator.value}
        if self.values:
            out["values"] = list(self.values)
        return out

    def sort_key(self) -> tuple[str, str, tuple[str, ...]]:
        """Stable ordering: by key, then operator, then values."""
        return (self.key, self.operator.value, self.values)


# The guards NodeTargeting.build adds by default.
# Fargate runs one pod per micro-VM and does not support DaemonSets at all; EKS
# labels Fargate "nodes" eks.amazonaws.com/compute-type=fargate.
FARGATE_GUARD = LabelExpression("eks.amazonaws.com/compute-type", Operator.NOT_IN, ("fargate",))
# The agents ship Linux images; kubelet labels every node with its OS.
LINUX_GUARD = LabelExpression("kubernetes.io/os", Operator.IN, ("linux",))
