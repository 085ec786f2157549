"""Shape checks for raw input (a mapping's fields, an enum's names), failing with a :class:`TargetingError`."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from components.targeting.errors import PathPart, TargetingError


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
