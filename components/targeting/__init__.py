"""Kubernetes node-matching rules for DaemonSet pods, in one place.

This module is the single implementation of "which nodes does this agent's pod
land on". The same frozen objects render the pod-spec scheduling fields
(:meth:`NodeTargeting.pod_scheduling`) and answer the placement question for a
node (:meth:`NodeTargeting.evaluate`), so what we deploy and what we report can
not drift apart.

The rules follow the Kubernetes API reference (core/v1 ``NodeSelectorRequirement``,
``Toleration``, ``Taint``) and the DaemonSet controller's behaviour. The module
is pure: no Pulumi, no I/O, standard library only (and components.input.error_text, itself
pure), deterministic output.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from components.input.error_text import short_repr

__all__ = [
    "DAEMONSET_AUTOMATIC_TOLERATIONS",
    "FARGATE_GUARD",
    "LINUX_GUARD",
    "LabelExpression",
    "NodeTargeting",
    "Operator",
    "PathPart",
    "PreferredTerm",
    "Taint",
    "TaintEffect",
    "TargetingError",
    "Toleration",
    "TolerationOperator",
    "Verdict",
    "format_path",
    "validate_label_key",
    "validate_label_value",
]

PathPart = str | int


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #


def format_path(path: Sequence[PathPart]) -> str:
    """Render a path such as ``("nodeAffinity", 0, "values")`` as ``nodeAffinity[0].values``.

    Parts that are not plain identifiers (label keys such as ``kubernetes.io/os``)
    are quoted: ``nodeSelector["kubernetes.io/os"]``.

    Args:
        path: Path parts; ints are list indexes, strs are mapping keys/fields.

    Returns:
        The rendered path, or ``""`` for the empty path.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


class TargetingError(ValueError):
    """A node-targeting value Kubernetes would reject, or that can never match.

    ``str()`` is one line without the path (``problem: got value; allowed: ...``);
    :meth:`located` adds the path.

    Attributes:
        path: Where the bad value sits, relative to the object being built
            (e.g. ``("values", 0)`` for a :class:`LabelExpression`, or
            ``("nodeAffinity", 2)`` for :meth:`NodeTargeting.build`). Callers add
            their own prefix with :meth:`with_prefix`.
        value: The offending value.
        allowed: What would have been accepted, in words.
        problem: What is wrong, in words (without path, value or allowed).
    """

    def __init__(
        self,
        problem: str,
        *,
        path: Sequence[PathPart] = (),
        value: Any = None,
        allowed: str = "",
    ) -> None:
        self.problem = problem
        self.path: tuple[PathPart, ...] = tuple(path)
        self.value = value
        self.allowed = allowed
        super().__init__(str(self))

    def __str__(self) -> str:
        # The path is left out: callers put their own config key in front.
        # repr() keeps the message on one line even if the value has newlines; a long value is cut.
        text = f"{self.problem}: got {short_repr(self.value)}"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text

    def located(self) -> str:
        """The message with this error's own path in front, e.g. ``values[0]: ...``."""
        where = format_path(self.path)
        return f"{where}: {self}" if where else str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments need help to survive pickling.
        return (_rebuild_error, (self.problem, self.path, self.value, self.allowed))

    def with_prefix(self, *parts: PathPart) -> TargetingError:
        """Return the same error with ``parts`` put in front of its path.

        Args:
            *parts: Path parts naming where the checked object sits.

        Returns:
            A new :class:`TargetingError`; raise it ``from`` the original.
        """
        return TargetingError(
            self.problem, path=(*parts, *self.path), value=self.value, allowed=self.allowed
        )


def _rebuild_error(
    problem: str, path: tuple[PathPart, ...], value: Any, allowed: str
) -> TargetingError:
    return TargetingError(problem, path=path, value=value, allowed=allowed)


# --------------------------------------------------------------------------- #
# Label syntax (k8s.io/apimachinery validation: IsQualifiedName, IsValidLabelValue)
# --------------------------------------------------------------------------- #

# The name part of a key and every label value share one syntax: alphanumerics
# at both ends, dashes, underscores and dots inside, at most 63 characters.
_NAME_RE = re.compile(r"[A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?")
# The optional key prefix is an RFC 1123 DNS subdomain: lowercase only.
_DNS_SUBDOMAIN_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Go's strconv.ParseInt(s, 10, 64), which the scheduler uses for Gt/Lt: an
# optional sign and ASCII digits; no spaces, underscores or other numerals.
_GO_INT_RE = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

LABEL_KEY_RULE = (
    "an optional DNS-subdomain prefix (lowercase, at most 253 characters) and '/', "
    "then a name of 1-63 characters from [-_.A-Za-z0-9] starting and ending with a "
    "letter or digit"
)
LABEL_VALUE_RULE = (
    "empty, or 1-63 characters from [-_.A-Za-z0-9] starting and ending with a letter or digit"
)


def _label_key_problem(key: object) -> str | None:
    """Say why ``key`` is not a valid label/taint key, or return None if it is."""
    if not isinstance(key, str):
        return "label key must be a string"
    if not key:
        return "label key must not be empty"
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "label key prefix before '/' must not be empty"
        if len(prefix) > 253:
            return "label key prefix is longer than 253 characters"
        if not _DNS_SUBDOMAIN_RE.fullmatch(prefix):
            return "label key prefix is not a lowercase DNS subdomain"
    if not name:
        return "label key name after '/' must not be empty"
    if len(name) > 63:
        return "label key name is longer than 63 characters"
    if not _NAME_RE.fullmatch(name):
        return "label key name has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit"
    return None


def _label_value_problem(value: object) -> str | None:
    """Say why ``value`` is not a valid label value, or return None if it is."""
    if not isinstance(value, str):
        return "label value must be a string"
    if value == "":
        return None  # Kubernetes allows empty label values.
    if len(value) > 63:
        return "label value is longer than 63 characters"
    if not _NAME_RE.fullmatch(value):
        return "label value has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit"
    return None


def validate_label_key(key: object, *, path: Sequence[PathPart] = ()) -> str:
    """Validate a label (or taint/toleration) key.

    Args:
        key: The candidate key.
        path: Where the key sits, for the error.

    Returns:
        The key, unchanged.

    Raises:
        TargetingError: If ``key`` is not a valid qualified name.
    """
    problem = _label_key_problem(key)
    if problem:
        raise TargetingError(problem, path=path, value=key, allowed=LABEL_KEY_RULE)
    assert isinstance(key, str)
    return key


def validate_label_value(value: object, *, path: Sequence[PathPart] = ()) -> str:
    """Validate a label (or taint/toleration) value; the empty string is valid.

    Args:
        value: The candidate value.
        path: Where the value sits, for the error.

    Returns:
        The value, unchanged.

    Raises:
        TargetingError: If ``value`` is not a valid label value.
    """
    problem = _label_value_problem(value)
    if problem:
        raise TargetingError(problem, path=path, value=value, allowed=LABEL_VALUE_RULE)
    assert isinstance(value, str)
    return value


def _parse_go_int(text: str) -> int | None:
    """Parse like Go's ``strconv.ParseInt(text, 10, 64)``; None when Go would fail."""
    if not _GO_INT_RE.fullmatch(text):
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def _coerce_enum(enum_type: type[enum.StrEnum], raw: object, path: Sequence[PathPart]) -> Any:
    if isinstance(raw, enum_type):
        return raw
    try:
        return enum_type(raw)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise TargetingError(
            f"unknown {enum_type.__name__}", path=path, value=raw, allowed=allowed
        ) from None


def _render_values(values: Iterable[str]) -> str:
    return "[" + ", ".join(v if v else '""' for v in values) + "]"


# --------------------------------------------------------------------------- #
# Enums
# --------------------------------------------------------------------------- #


class Operator(enum.StrEnum):
    """``NodeSelectorRequirement.operator``: how a node label relates to the values."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"
    GT = "Gt"
    LT = "Lt"


class TaintEffect(enum.StrEnum):
    """What a taint does to pods that do not tolerate it."""

    # Scheduler refuses new untolerating pods; running pods stay.
    NO_SCHEDULE = "NoSchedule"
    # Scheduler merely scores the node lower; never keeps a pod off.
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    # NoSchedule plus eviction of running untolerating pods.
    NO_EXECUTE = "NoExecute"


# The EKS API spells taint effects differently from the Kubernetes API.
_EKS_EFFECTS = {
    "NO_SCHEDULE": TaintEffect.NO_SCHEDULE,
    "PREFER_NO_SCHEDULE": TaintEffect.PREFER_NO_SCHEDULE,
    "NO_EXECUTE": TaintEffect.NO_EXECUTE,
}


class TolerationOperator(enum.StrEnum):
    """``Toleration.operator``; the Kubernetes default is Equal."""

    EQUAL = "Equal"
    EXISTS = "Exists"


# --------------------------------------------------------------------------- #
# LabelExpression
# --------------------------------------------------------------------------- #

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


# --------------------------------------------------------------------------- #
# Taints and tolerations
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Taint:
    """A node taint ``key=value:effect``.

    Attributes:
        key: Taint key (label-key syntax).
        value: Taint value (label-value syntax, may be empty).
        effect: What the taint does to pods that do not tolerate it.
    """

    key: str
    value: str
    effect: TaintEffect

    def __post_init__(self) -> None:
        validate_label_key(self.key, path=("key",))
        validate_label_value(self.value, path=("value",))
        object.__setattr__(self, "effect", _coerce_taint_effect(self.effect, ("effect",)))

    @classmethod
    def from_k8s(cls, data: object) -> Taint:
        """Build from a taint dict (``key``, ``value``, ``effect``).

        The effect may use the Kubernetes spelling (``NoSchedule``) or the EKS
        node-group API spelling (``NO_SCHEDULE``).

        Args:
            data: A mapping as found in YAML/JSON config.

        Returns:
            The validated taint.

        Raises:
            TargetingError: With a path relative to ``data``.
        """
        fields_ = _check_mapping(data, required=("key", "effect"), optional=("value",))
        value = fields_.get("value", "")
        return cls(key=fields_["key"], value="" if value is None else value, effect=fields_["effect"])

    def describe(self) -> str:
        """kubectl-style form: ``nvidia.com/gpu=true:NoSchedule`` (``key:Effect`` if no value)."""
        if self.value:
            return f"{self.key}={self.value}:{self.effect}"
        return f"{self.key}:{self.effect}"

    def sort_key(self) -> tuple[str, str, str]:
        """Stable ordering: by key, value, effect."""
        return (self.key, self.value, self.effect.value)


def _coerce_taint_effect(raw: object, path: Sequence[PathPart]) -> TaintEffect:
    if isinstance(raw, str) and raw in _EKS_EFFECTS:
        return _EKS_EFFECTS[raw]
    return _coerce_enum(TaintEffect, raw, path)


@dataclass(frozen=True)
class Toleration:
    """A pod toleration.

    Attributes:
        key: Taint key to match; empty matches every key (only with Exists).
        operator: Equal compares ``value``; Exists matches any value.
        value: Taint value for Equal; must be empty for Exists.
        effect: Taint effect to match; None matches every effect.
        toleration_seconds: For NoExecute only: how long the pod may stay on a
            node after the taint appears. None means forever.
    """

    key: str = ""
    operator: TolerationOperator = TolerationOperator.EQUAL
    value: str = ""
    effect: TaintEffect | None = None
    toleration_seconds: int | None = None

    def __post_init__(self) -> None:
        operator = _coerce_enum(TolerationOperator, self.operator, ("operator",))
        effect = self.effect
        if effect is not None and effect != "":
            effect = _coerce_taint_effect(effect, ("effect",))
        else:
            effect = None  # Kubernetes treats an empty effect as "all effects".
        if self.key == "":
            if operator is not TolerationOperator.EXISTS:
                raise TargetingError(
                    "an empty key (all taint keys) needs operator Exists",
                    path=("operator",),
                    value=operator.value,
                    allowed="Exists when key is empty",
                )
        else:
            validate_label_key(self.key, path=("key",))
        if operator is TolerationOperator.EXISTS:
            if self.value != "":
                raise TargetingError(
                    "operator Exists matches any value, so value must be empty",
                    path=("value",),
                    value=self.value,
                    allowed='""',
                )
        else:
            validate_label_value(self.value, path=("value",))
        seconds = self.toleration_seconds
        if seconds is not None:
            if isinstance(seconds, bool) or not isinstance(seconds, int):
                raise TargetingError(
                    "tolerationSeconds must be an integer",
                    path=("tolerationSeconds",),
                    value=seconds,
                    allowed="an integer >= 0",
                )
            if effect is not TaintEffect.NO_EXECUTE:
                # Kubernetes rejects it otherwise: only NoExecute evicts, so
                # only NoExecute has a time limit.
                raise TargetingError(
                    "tolerationSeconds only applies to effect NoExecute",
                    path=("tolerationSeconds",),
                    value=seconds,
                    allowed="tolerationSeconds together with effect NoExecute",
                )
            if seconds < 0:
                raise TargetingError(
                    "tolerationSeconds must not be negative",
                    path=("tolerationSeconds",),
                    value=seconds,
                    allowed="an integer >= 0",
                )
        object.__setattr__(self, "operator", operator)
        object.__setattr__(self, "effect", effect)

    @classmethod
    def everything(cls) -> Toleration:
        """The toleration that tolerates every taint: Exists with an empty key."""
        return cls(key="", operator=TolerationOperator.EXISTS)

    @classmethod
    def from_k8s(cls, data: object) -> Toleration:
        """Build from a toleration dict (``key``, ``operator``, ``value``, ``effect``, ``tolerationSeconds``).

        Args:
            data: A mapping as found in YAML/JSON config. A missing or empty
                operator means Equal, as in Kubernetes.

        Returns:
            The validated toleration.

        Raises:
            TargetingError: With a path relative to ``data``.
        """
        fields_ = _check_mapping(
            data, required=(), optional=("key", "operator", "value", "effect", "tolerationSeconds")
        )
        for name in ("key", "operator", "value", "effect"):
            raw = fields_.get(name)
            if raw is not None and not isinstance(raw, str):
                raise TargetingError(
                    f"{name} must be a string", path=(name,), value=raw, allowed="a string"
                )
        return cls(
            key=fields_.get("key") or "",
            operator=fields_.get("operator") or TolerationOperator.EQUAL,
            value=fields_.get("value") or "",
            effect=fields_.get("effect") or None,
            toleration_seconds=fields_.get("tolerationSeconds"),
        )

    def tolerates(self, taint: Taint) -> bool:
        """Whether this toleration matches ``taint`` (core/v1 ``ToleratesTaint``).

        Args:
            taint: A node taint.

        Returns:
            True if effect (when set), key (when set) and, for Equal, value match.
        """
        if self.effect is not None and self.effect is not taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator is TolerationOperator.EXISTS:
            return True
        return self.value == taint.value

    def to_k8s(self) -> dict[str, Any]:
        """The camelCase toleration dict, empty fields omitted, operator always present."""
        out: dict[str, Any] = {}
        if self.key:
            out["key"] = self.key
        out["operator"] = self.operator.value
        if self.value:
            out["value"] = self.value
        if self.effect is not None:
            out["effect"] = self.effect.value
        if self.toleration_seconds is not None:
            out["tolerationSeconds"] = self.toleration_seconds
        return out

    def sort_key(self) -> tuple[str, str, str, str, int]:
        """Stable ordering: key, operator, value, effect, seconds (unset first)."""
        effect = self.effect.value if self.effect is not None else ""
        seconds = -1 if self.toleration_seconds is None else self.toleration_seconds
        return (self.key, self.operator.value, self.value, effect, seconds)

    def _same_match_as(self, other: Toleration) -> bool:
        # core/v1 Toleration.MatchToleration: equal ignoring tolerationSeconds.
        return (self.key, self.operator, self.value, self.effect) == (
            other.key, other.operator, other.value, other.effect,
        )


# The DaemonSet controller adds these to every DaemonSet pod
# (AddOrUpdateDaemonPodTolerations), replacing a user toleration with the same
# key/operator/value/effect. They keep node agents on nodes that are not ready,
# unreachable, under resource pressure, or cordoned. (It also adds
# node.kubernetes.io/network-unavailable, but only for hostNetwork pods, which
# this module cannot know, so that one is left out.)
DAEMONSET_AUTOMATIC_TOLERATIONS: tuple[Toleration, ...] = (
    Toleration("node.kubernetes.io/not-ready", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE),
    Toleration("node.kubernetes.io/unreachable", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE),
    Toleration("node.kubernetes.io/disk-pressure", TolerationOperator.EXISTS, "", TaintEffect.NO_SCHEDULE),
    Toleration("node.kubernetes.io/memory-pressure", TolerationOperator.EXISTS, "", TaintEffect.NO_SCHEDULE),
    Toleration("node.kubernetes.io/pid-pressure", TolerationOperator.EXISTS, "", TaintEffect.NO_SCHEDULE),
    Toleration("node.kubernetes.io/unschedulable", TolerationOperator.EXISTS, "", TaintEffect.NO_SCHEDULE),
)


# --------------------------------------------------------------------------- #
# Preferred terms
# --------------------------------------------------------------------------- #


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


# --------------------------------------------------------------------------- #
# NodeTargeting
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Verdict:
    """Whether an agent's pod runs on a node, and if not, the first reason why.

    Attributes:
        runs: True when the DaemonSet would keep a pod on the node.
        reason: ``""`` when it runs; otherwise one line naming the blocker.
    """

    runs: bool
    reason: str


@dataclass(frozen=True)
class _Constraint:
    """One requirement on a single label key, with where it came from."""

    expression: LabelExpression
    label: str  # how to name it in an error message
    path: tuple[PathPart, ...]


@dataclass(frozen=True)
class NodeTargeting:
    """Where a DaemonSet's pods may run: nodeSelector, node affinity, tolerations.

    Build it with :meth:`build`, which validates, adds the default guards and
    rejects contradictions. The direct constructor only sorts and deduplicates.

    Attributes:
        node_selector: Exact label matches, sorted by key.
        required: Expressions that must all hold (rendered as one
            ``nodeSelectorTerm``, whose expressions Kubernetes ANDs).
        preferred: Scoring-only terms.
        tolerations: The pod's own tolerations (the DaemonSet controller adds
            :data:`DAEMONSET_AUTOMATIC_TOLERATIONS` on top).
    """

    node_selector: tuple[tuple[str, str], ...] = ()
    required: tuple[LabelExpression, ...] = ()
    preferred: tuple[PreferredTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_selector", tuple(sorted(dict(self.node_selector).items())))
        object.__setattr__(
            self, "required", tuple(sorted(set(self.required), key=LabelExpression.sort_key))
        )
        # Duplicated preferred terms are kept: each one adds its weight.
        object.__setattr__(
            self, "preferred", tuple(sorted(self.preferred, key=PreferredTerm.sort_key))
        )
        object.__setattr__(
            self, "tolerations", tuple(sorted(set(self.tolerations), key=Toleration.sort_key))
        )

    @classmethod
    def build(
        cls,
        *,
        node_selector: Mapping[str, str] | None = None,
        required: Sequence[LabelExpression] = (),
        preferred: Sequence[PreferredTerm] = (),
        tolerations: Sequence[Toleration] | Literal["all"] = (),
        keep_off_fargate: bool = True,
        linux_only: bool = True,
    ) -> NodeTargeting:
        """Validate, normalise and guard a DaemonSet's node targeting.

        Args:
            node_selector: Exact label matches.
            required: Expressions that must all hold.
            preferred: Scoring-only terms.
            tolerations: The pod's tolerations, or ``"all"`` for a single
                toleration of every taint (security/log agents that must be
                on every node).
            keep_off_fargate: Add :data:`FARGATE_GUARD` (Fargate cannot run
                DaemonSets; without it the pods sit Pending on Fargate "nodes").
            linux_only: Add :data:`LINUX_GUARD` (the agents ship Linux images).

        Returns:
            The normalised targeting.

        Raises:
            TargetingError: For a malformed entry, or a requirement that no
                node could satisfy together with the others. The path starts
                with the config key of the argument (``nodeSelector``,
                ``nodeAffinity`` for ``required``, ``preferredAffinity`` for
                ``preferred``, ``tolerations``), e.g. ``("nodeAffinity", 2)``
                or ``("nodeSelector", "kubernetes.io/os")``.
        """
        selector: dict[str, str] = {}
        if node_selector is not None:
            if not isinstance(node_selector, Mapping):
                raise TargetingError(
                    "node_selector must be a mapping of label key to value",
                    path=("nodeSelector",),
                    value=node_selector,
                    allowed="a mapping of label key to label value",
                )
            for key, value in node_selector.items():
                validate_label_key(key, path=("nodeSelector", key if isinstance(key, str) else repr(key)))
                validate_label_value(value, path=("nodeSelector", key))
                selector[key] = value

        if isinstance(required, (str, Mapping)) or not isinstance(required, Sequence):
            raise TargetingError(
                "required must be a list of LabelExpression",
                path=("nodeAffinity",),
                value=required,
                allowed="a list of LabelExpression",
            )
        for index, expression in enumerate(required):
            if not isinstance(expression, LabelExpression):
                raise TargetingError(
                    "must be a LabelExpression",
                    path=("nodeAffinity", index),
                    value=expression,
                    allowed="a LabelExpression (see LabelExpression.from_k8s)",
                )

        if isinstance(preferred, (str, Mapping)) or not isinstance(preferred, Sequence):
            raise TargetingError(
                "preferred must be a list of PreferredTerm",
                path=("preferredAffinity",),
                value=preferred,
                allowed="a list of PreferredTerm",
            )
        for index, term in enumerate(preferred):
            if not isinstance(term, PreferredTerm):
                raise TargetingError(
                    "must be a PreferredTerm",
                    path=("preferredAffinity", index),
                    value=term,
                    allowed="a PreferredTerm (see PreferredTerm.from_k8s)",
                )

        if isinstance(tolerations, str):
            if tolerations != "all":
                raise TargetingError(
                    "tolerations must be a list or the string 'all'",
                    path=("tolerations",),
                    value=tolerations,
                    allowed="'all' or a list of Toleration",
                )
            toleration_list: tuple[Toleration, ...] = (Toleration.everything(),)
        else:
            if isinstance(tolerations, Mapping) or not isinstance(tolerations, Sequence):
                raise TargetingError(
                    "tolerations must be a list or the string 'all'",
                    path=("tolerations",),
                    value=tolerations,
                    allowed="'all' or a list of Toleration",
                )
            for index, toleration in enumerate(tolerations):
                if not isinstance(toleration, Toleration):
                    raise TargetingError(
                        "must be a Toleration",
                        path=("tolerations", index),
                        value=toleration,
                        allowed="a Toleration (see Toleration.from_k8s)",
                    )
            # Everything-plus-others is kept as is: a NoExecute toleration with
            # tolerationSeconds still limits the stay even next to everything().
            toleration_list = tuple(tolerations)

        guards: list[_Constraint] = []
        if keep_off_fargate:
            guards.append(_Constraint(FARGATE_GUARD, f"{FARGATE_GUARD.describe()} (keep_off_fargate guard)", ()))
        if linux_only:
            guards.append(_Constraint(LINUX_GUARD, f"{LINUX_GUARD.describe()} (linux_only guard)", ()))
        constraints = [
            *guards,
            *(
                _Constraint(LabelExpression(key, Operator.IN, (value,)), f"nodeSelector {key}={value}", ("nodeSelector", key))
                for key, value in selector.items()
            ),
            *(
                _Constraint(expression, expression.describe(), ("nodeAffinity", index))
                for index, expression in enumerate(required)
            ),
        ]
        _reject_contradictions(constraints)

        return cls(
            node_selector=tuple(selector.items()),
            required=tuple(required) + tuple(g.expression for g in guards),
            preferred=tuple(preferred),
            tolerations=toleration_list,
        )

    # -- rendering --------------------------------------------------------- #

    def pod_scheduling(self) -> dict[str, Any]:
        """The pod-spec scheduling fields, in a stable order with sorted contents.

        Returns:
            A dict with, each only when non-empty: ``nodeSelector``,
            ``affinity.nodeAffinity`` (``requiredDuringSchedulingIgnoredDuringExecution``
            with one term, ``preferredDuringSchedulingIgnoredDuringExecution``)
            and ``tolerations``.
        """
        out: dict[str, Any] = {}
        if self.node_selector:
            out["nodeSelector"] = dict(self.node_selector)
        node_affinity: dict[str, Any] = {}
        if self.required:
            # One term: expressions inside a term are ANDed, terms are ORed.
            # The term must not be empty: an empty term matches no node.
            node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
                "nodeSelectorTerms": [{"matchExpressions": [e.to_k8s() for e in self.required]}]
            }
        if self.preferred:
            node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] = [
                term.to_k8s() for term in self.preferred
            ]
        if node_affinity:
            out["affinity"] = {"nodeAffinity": node_affinity}
        if self.tolerations:
            out["tolerations"] = [t.to_k8s() for t in self.tolerations]
        return out

    # -- placement --------------------------------------------------------- #

    def effective_tolerations(self) -> tuple[Toleration, ...]:
        """The tolerations the created pods carry: ours plus the DaemonSet controller's.

        The controller's automatic tolerations replace ours when they match
        the same key/operator/value/effect.
        """
        own = tuple(
            t for t in self.tolerations
            if not any(t._same_match_as(auto) for auto in DAEMONSET_AUTOMATIC_TOLERATIONS)
        )
        return own + DAEMONSET_AUTOMATIC_TOLERATIONS

    def evaluate(self, labels: Mapping[str, str], taints: Sequence[Taint]) -> Verdict:
        """Would the DaemonSet keep a pod on a node with these labels and taints?

        Checks, in this order, reporting the first blocker: nodeSelector
        entries (by key), required expressions (sorted), then taints (sorted by
        key, value, effect). PreferNoSchedule taints and preferred terms never
        keep a pod off. A NoExecute taint counts as blocking when a matching
        toleration sets tolerationSeconds: the pod would be evicted after that
        time and recreated, over and over.

        Args:
            labels: The node's labels.
            taints: The node's taints.

        Returns:
            The verdict.
        """
        for key, want in self.node_selector:
            if labels.get(key) != want:
                return Verdict(False, f"nodeSelector {key}={want} does not match ({_node_has(key, labels)})")
        for expression in self.required:
            if not expression.matches(labels):
                return Verdict(False, f"requires {expression.describe()} ({_node_has(expression.key, labels, expression)})")
        tolerations = self.effective_tolerations()
        for taint in sorted(taints, key=Taint.sort_key):
            if taint.effect is TaintEffect.PREFER_NO_SCHEDULE:
                continue  # only lowers the node's score
            matching = [t for t in tolerations if t.tolerates(taint)]
            if not matching:
                return Verdict(False, f"taint {taint.describe()} is not tolerated")
            if taint.effect is TaintEffect.NO_EXECUTE:
                # The taint manager evicts after the smallest tolerationSeconds
                # among all matching tolerations.
                limits = [t.toleration_seconds for t in matching if t.toleration_seconds is not None]
                if limits:
                    return Verdict(
                        False,
                        f"taint {taint.describe()} is tolerated for only {min(limits)}s "
                        "(tolerationSeconds), then the pod is evicted",
                    )
        return Verdict(True, "")


def _node_has(key: str, labels: Mapping[str, str], expression: LabelExpression | None = None) -> str:
    if key not in labels:
        return "label missing"
    value = labels[key]
    text = f"node has {key}={value}"
    if expression is not None and expression.operator in (Operator.GT, Operator.LT):
        if _parse_go_int(value) is None:
            text += ", not an integer"
    return text


# --------------------------------------------------------------------------- #
# Contradiction check
# --------------------------------------------------------------------------- #


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


def _check_mapping(
    data: object,
    *,
    required: Sequence[str],
    optional: Sequence[str],
    path: tuple[PathPart, ...] = (),
) -> dict[str, Any]:
    """Check ``data`` is a mapping with the required keys and no unknown ones."""
    known = (*required, *optional)
    if not isinstance(data, Mapping):
        raise TargetingError("must be a mapping", path=path, value=data, allowed=f"a mapping with keys {', '.join(known)}")
    for name in sorted(data, key=str):
        if name not in known:
            raise TargetingError("unknown field", path=(*path, str(name)), value=data[name], allowed=", ".join(known))
    for name in required:
        if name not in data:
            raise TargetingError("missing field", path=(*path, name), value=None, allowed=f"{name} is required")
    return dict(data)
