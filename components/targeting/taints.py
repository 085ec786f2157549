"""Node taints (``key=value:effect``) and what each effect does to pods that do not tolerate it."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from components.targeting.errors import PathPart
from components.targeting.input_checks import _check_mapping, _coerce_enum
from components.targeting.labels import validate_label_key, validate_label_value


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
