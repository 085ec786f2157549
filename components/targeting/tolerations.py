"""Pod tolerations, how one matches a taint, and the ones the DaemonSet controller adds to every pod."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from components.targeting.errors import TargetingError
from components.targeting.input_checks import _check_mapping, _coerce_enum
from components.targeting.labels import validate_label_key, validate_label_value
from components.targeting.taints import Taint, TaintEffect, _coerce_taint_effect


class TolerationOperator(enum.StrEnum):
    """``Toleration.operator``; the Kubernetes default is Equal."""

    EQUAL = "Equal"
    EXISTS = "Exists"


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
