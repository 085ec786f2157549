"""Bounds on what a stack file may hold, checked before anything else reads it (pure, standard library only).

Whatever reaches the settings, from the offline render's YAML reader or from the Pulumi CLI as JSON, is walked once,
iteratively and with a budget, before pydantic, regexes or ``json.dumps`` see it. So a 500-level nesting, a YAML
alias bomb, a 10 MB value, a 5,000-digit number or a lone surrogate is refused in milliseconds, naming its key,
instead of ending in a RecursionError, a hang, a ValueError or a failed resource registration.

The bounds are far above anything a real stack needs (the deepest key, a preferred affinity value, sits 8 levels
down; the largest stack, 30 node groups with 50 labels and 50 taints each, holds under 10,000 values).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Union

from components.input.error_text import PathPart, shown, short_repr

#: Nesting below a top-level config key.
MAX_DEPTH = 32
#: Values (scalars, lists and maps, each counted where it appears, so YAML aliases count every time they are used)
#: under all config keys together.
MAX_VALUES = 20_000
#: Characters of one text value. The longest a stack needs is a Falco rules file, which goes into a ConfigMap, and a
#: ConfigMap holds at most 1 MiB (Kubernetes' MaxSecretSize also bounds ConfigMaps).
MAX_TEXT = 1_048_576
#: Characters of one map key. Kubernetes label keys, the longest keys here, are at most 253 + 1 + 63.
MAX_KEY = 512
#: Pulumi config numbers are 64-bit (the CLI stores an int64 or a uint64, else a float64).
INT_MIN, INT_MAX = -(2**63), 2**64 - 1
#: Digits of an integer read from JSON as a number; longer ones are kept as their text and refused here. Python
#: refuses to convert more than 4,300 digits (sys.int_max_str_digits), and 20 digits already exceed 64 bits.
_JSON_INT_DIGITS = 40

ALLOWED = "text, numbers, true/false, null, lists and maps"


class LimitError(ValueError):
    """A value out of bounds. ``path`` is where, from the root that was checked; ``str()`` is the problem."""

    def __init__(self, path: Sequence[PathPart], problem: str) -> None:
        super().__init__(problem)
        self.path = tuple(path)


class HugeNumber(str):
    """An integer too long to convert, kept as the text it was written as, so that its key can be named."""


def json_loads(text: str) -> Any:
    """``json.loads`` that keeps integers too long to convert as :class:`HugeNumber` instead of raising.

    Raises:
        json.JSONDecodeError: not JSON.
        RecursionError: nested deeper than the JSON decoder's recursion allows.
    """
    return json.loads(text, parse_int=_parse_json_int)


def _parse_json_int(text: str) -> Union[int, HugeNumber]:
    return int(text) if len(text) <= _JSON_INT_DIGITS else HugeNumber(text)


def _text_problem(text: str, what: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"{what} {short_repr(text)} is longer than {limit} characters; allowed: at most {limit}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"{what} {short_repr(text)} holds a lone surrogate ({short_repr(error.object[error.start:error.end])}) "
            "that is not a character; allowed: text of Unicode characters (UTF-8)"
        )
    return None


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, HugeNumber):
        return f"the number {short_repr(str(value), 20)} has {len(value.lstrip('+-'))} digits; allowed: 64-bit numbers"
    if isinstance(value, str):
        return _text_problem(value, "the text", MAX_TEXT)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            return f"{shown(value)} is out of range; allowed: 64-bit numbers (quote a number to make it text)"
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{shown(value)} is not a finite number; allowed: {ALLOWED}"
        return None
    return f"a YAML value of type {type(value).__name__} ({short_repr(str(value))}) is not allowed; allowed: {ALLOWED}"


def check_value(root: Any, *, path: Sequence[PathPart] = (), max_values: int = MAX_VALUES) -> None:
    """Walk ``root`` once, depth first, and refuse the first value out of bounds.

    Every value is counted where it appears, so a structure that YAML aliases share is paid for each time it is
    used; the walk stops as soon as the budget is spent, so its own cost is bounded too.

    Args:
        root: Plain data: str, int, float, bool, None, lists/tuples and maps with str keys.
        path: Where ``root`` sits, put in front of the path of any error.
        max_values: The budget of values.

    Raises:
        LimitError: the first problem, with the path of the value (or key) at fault.
    """
    # (value, path, depth); iterative, so no nesting reaches Python's recursion limit.
    stack: list[tuple[Any, tuple[PathPart, ...], int]] = [(root, tuple(path), 0)]
    base = len(path)
    used = 1  # values met so far: each is counted when its parent's children are
    while stack:
        value, where, depth = stack.pop()
        size = len(value) if isinstance(value, (Mapping, list, tuple)) else 0
        used += size
        if used > max_values:
            raise LimitError(
                where[: base + 1],
                f"holds more than {max_values} values (counting each use of a YAML alias); allowed: at most "
                f"{max_values}",
            )
        if isinstance(value, Mapping):
            if depth >= MAX_DEPTH:
                raise LimitError(where, f"is nested more than {MAX_DEPTH} levels deep; allowed: at most {MAX_DEPTH}")
            children = []
            for key, item in value.items():
                if not isinstance(key, str):
                    raise LimitError(where, f"the key {shown(key)} is not text; allowed: text keys (quote the key)")
                problem = _text_problem(key, "the key", MAX_KEY)
                if problem:
                    raise LimitError((*where, key), problem)
                children.append((item, (*where, key), depth + 1))
            stack.extend(reversed(children))
        elif isinstance(value, (list, tuple)):
            if depth >= MAX_DEPTH:
                raise LimitError(where, f"is nested more than {MAX_DEPTH} levels deep; allowed: at most {MAX_DEPTH}")
            stack.extend((value[index], (*where, index), depth + 1) for index in range(len(value) - 1, -1, -1))
        else:
            problem = _scalar_problem(value)
            if problem:
                raise LimitError(where, problem)


# --------------------------------------------------------------------------------------------- per-key bounds
# Where AWS or Kubernetes sets a bound, it is theirs; where neither does, a cap far above any real use keeps an
# absurd value (a copy-paste gone wrong) from reaching a resource.

#: AWS tags per resource, and the characters of a key and of a value (the AWS tagging rules, EKS TagResource).
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 50, 128, 256
#: Cluster administrators given access entries. EKS sets no quota; a handful is usual.
MAX_ADMIN_PRINCIPALS = 50
#: Characters of an IAM ARN.
MAX_ARN = 2048
#: Expressions, preferred terms, values of one expression, node selector labels and tolerations of one agent.
#: Kubernetes sets no count; a node carries at most 50 taints through EKS, so more tolerations than that is a paste.
MAX_TARGETING_ITEMS = 50
#: Characters of securityAgent.privilegedReason, shown in a pod annotation: a sentence or a paragraph.
MAX_PRIVILEGED_REASON = 1000
#: Characters of securityAgent.customRules. They ship in the Falco ConfigMap next to falco.yaml, and a ConfigMap
#: holds at most 1 MiB.
MAX_CUSTOM_RULES = 512 * 1024
