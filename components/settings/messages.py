"""Turning pydantic's ValidationError into one message: the innermost problems, each at the key the stack file
writes, with the value and what is allowed there."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Optional, Union, get_args

from pydantic import BaseModel, ValidationError

from components.input.error_text import SHOWN_CHARACTERS, short_repr, shown
from components.settings.errors import config_key
from components.settings.model_base import _Model
from components.settings.stack import _StackModel


def _allowed_keys(model: type[BaseModel]) -> str:
    return ", ".join(sorted(field.alias or name for name, field in model.model_fields.items()))


def _inner_model(annotation: Any) -> Optional[type[BaseModel]]:
    """The model inside an annotation such as ``Optional[X]``, ``tuple[X, ...]`` or ``Union[Literal[...], tuple[X]]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_inner_model, get_args(annotation)) if m is not None), None)


def _model_at(loc: Sequence[Union[str, int]]) -> Optional[type[BaseModel]]:
    """The pydantic model that holds the last element of ``loc`` (for listing the allowed keys)."""
    model: Optional[type[BaseModel]] = _StackModel
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None) if model else None
        model = _inner_model(field.annotation) if field else None
    return model


def _all_models(root: type[BaseModel] = _Model) -> Iterator[type[BaseModel]]:
    for model in root.__subclasses__():
        yield model
        yield from _all_models(model)


# Python field names that differ from their stack-file key (``privileged_reason`` -> ``privilegedReason``).
_FIELD_ALIASES = {
    name: info.alias
    for model in _all_models()
    for name, info in model.model_fields.items()
    if info.alias and info.alias != name
}


# Every key a model has, by its stack-file name and its Python name: what a location may name that the input lacks.
_FIELD_KEYS = frozenset(
    key for model in _all_models() for name, info in model.model_fields.items() for key in (name, info.alias) if key
)
_MISSING = object()


def _location(error: Mapping[str, Any], raw: Any) -> tuple[Union[str, int], ...]:
    """Where pydantic's error sits, as keys the stack file writes, found by walking the input along its ``loc``.

    A part that is a key of the input is kept as written, whatever it holds (``tags[env]``, ``function-x``). A key
    the input lacks (a missing or defaulted one) is named by its alias. Any other part is pydantic's own and is
    dropped: union members tag the location with ``tuple[...]``, ``literal['all']``, ``int`` or a model's name.
    """
    where: list[Union[str, int]] = []
    node = raw
    for part in error["loc"]:
        if isinstance(part, int):
            where.append(part)
            node = node[part] if isinstance(node, (list, tuple)) and -len(node) <= part < len(node) else _MISSING
        elif isinstance(node, Mapping) and part in node:
            where.append(part)
            node = node[part]
        elif (isinstance(node, Mapping) or node is _MISSING) and part in _FIELD_KEYS:
            where.append(_FIELD_ALIASES.get(part, part))
            node = _MISSING
        # Anything else is a union member's tag: pydantic's, not the file's.
    return tuple(where)


#: Problems named in one message; the rest are counted.
_SHOWN_PROBLEMS = 3


def _problems(error: ValidationError, raw: Any) -> list[str]:
    """The innermost problems, described and sorted; past three, a count of the rest."""
    problems = sorted({_describe(loc, e) for loc, e in _most_specific(error.errors(), raw)})
    more = len(problems) - _SHOWN_PROBLEMS
    return problems[:_SHOWN_PROBLEMS] + ([f"and {more} more problem(s)"] if more > 0 else [])


def _most_specific(
    errors: Sequence[Mapping[str, Any]], raw: Any
) -> list[tuple[tuple[Union[str, int], ...], Mapping[str, Any]]]:
    """Drop an error on a key when a key inside it has its own: the inner one says what is actually wrong."""
    located = [(_location(e, raw), e) for e in errors]
    # Every proper prefix of a location: an error located at one of them is about an outer key.
    outer = {loc[:n] for loc, _ in located for n in range(len(loc))}
    return [(loc, error) for loc, error in located if loc not in outer]


def _describe(loc: Sequence[Union[str, int]], error: Mapping[str, Any]) -> str:
    loc = list(loc)
    key = config_key(loc)
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = f"; allowed keys: {_allowed_keys(model)}" if model else ""
        return f"{key}: unknown key{allowed}"
    if kind == "missing":
        return f"{key}: required key is missing"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if isinstance(value, str) and len(value) > SHOWN_CHARACTERS:
        # Validators quote the value with repr(): show a long one shortened.
        message = message.replace(repr(value), short_repr(value))
    if kind in ("value_error", "assertion_error"):
        return f"{key}: {message}"
    ctx = error.get("ctx") or {}
    allowed = {
        "literal_error": lambda: f"allowed: {ctx.get('expected')}",
        "enum": lambda: f"allowed: {ctx.get('expected')}",
        "bool_parsing": lambda: "allowed: true or false",
        "bool_type": lambda: "allowed: true or false",
        "int_parsing": lambda: "allowed: a whole number",
        "int_type": lambda: "allowed: a whole number",
        "too_short": lambda: f"allowed: at least {ctx.get('min_length')} item(s)",
        "too_long": lambda: f"allowed: at most {ctx.get('max_length')} item(s)",
        "string_too_short": lambda: f"allowed: at least {ctx.get('min_length')} character(s)",
        "string_too_long": lambda: f"allowed: at most {ctx.get('max_length')} characters",
        "string_pattern_mismatch": lambda: f"allowed: text matching {ctx.get('pattern')}",
        "greater_than_equal": lambda: f"allowed: a number >= {ctx.get('ge')}",
        "less_than_equal": lambda: f"allowed: a number <= {ctx.get('le')}",
        "int_from_float": lambda: "allowed: a whole number",
        "finite_number": lambda: "allowed: a finite number",
        "string_type": lambda: "allowed: text",
        "dict_type": lambda: "allowed: a map",
        "model_type": lambda: "allowed: a map",
        "model_attributes_type": lambda: "allowed: a map",
        "list_type": lambda: "allowed: a list",
        "tuple_type": lambda: "allowed: a list",
    }.get(kind, lambda: f"{message[0].lower()}{message[1:]}")()
    return f"{key}: {shown(value)} is not allowed; {allowed}"
