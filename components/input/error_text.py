"""Error text that stays on one line and stays short, whatever the stack file holds (pure, standard library only).

A message names the key exactly as the stack file writes it, shows the bad value shortened, and never contains a
character that would end the line or hide in a terminal: a key or value with a newline, a control character or a
lone surrogate is written with escapes, as JSON would write it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Union

#: Characters of a text value shown in a message before it is cut: a whole ARN or image reference, not a whole file.
SHOWN_CHARACTERS = 200
#: Characters of a key shown in a key path before it is cut.
SHOWN_KEY_CHARACTERS = 100
#: Items of a list or map shown in a message before the rest is counted instead.
SHOWN_ITEMS = 3

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A top-level config key shown bare after its namespace: `eks-daemonsets:nodeGroups`, `aws:region`.
_BARE_TOP_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}

PathPart = Union[str, int]


def escaped(text: str) -> str:
    """``text`` with quotes, backslashes and every non-printable character written as JSON escapes.

    ``str.isprintable`` is the test: line and paragraph separators, control and format characters, lone surrogates
    and unassigned code points are all escaped, so the result is one line a terminal shows as it is.
    """
    if text.isprintable() and '"' not in text and "\\" not in text:
        return text
    out = []
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) > 0xFFFF:
            # JSON writes a code point beyond the BMP as its UTF-16 surrogate pair.
            code = ord(char) - 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def quoted(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """``"text"``, escaped; cut after ``limit`` characters, with the full length: ``"aaaa"… (5000 characters)``."""
    if len(text) <= limit:
        return f'"{escaped(text)}"'
    return f'"{escaped(text[:limit])}"… ({len(text)} characters)'


def _number(value: Union[int, float]) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if abs(value) < 10**30:
        return str(value)
    # str() of a number of more than 4300 digits raises ValueError; the size is what matters here.
    return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"


def shown(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """A value as a message shows it: JSON-like, on one line, and short whatever its size.

    Args:
        value: Any value read from a stack file (text, number, boolean, null, list, map) or anything else.
        limit: Characters of text shown before it is cut.

    Returns:
        ``"NoSchedul"``, ``42``, ``true``, ``null``, ``["a", "b", …] (5000 items)``, ``{"k": "v"}``.
    """
    if isinstance(value, str):
        return quoted(value, limit)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, Mapping):
        items = [f"{quoted(str(k), 20)}: {shown(v, 20)}" for k, v in list(value.items())[:SHOWN_ITEMS]]
        more = f", …}} ({len(value)} keys)" if len(value) > SHOWN_ITEMS else "}"
        return "{" + ", ".join(items) + more
    if isinstance(value, (list, tuple)):
        items = [shown(v, 20) for v in value[:SHOWN_ITEMS]]
        more = f", …] ({len(value)} items)" if len(value) > SHOWN_ITEMS else "]"
        return "[" + ", ".join(items) + more
    return f"a {type(value).__name__}"


def short_repr(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """``repr(value)`` for short values; for long text, the repr of its start and its length."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value)} characters)"
    if isinstance(value, (str, bool, type(None), float)) or (isinstance(value, int) and abs(value) < 10**30):
        return repr(value)
    if isinstance(value, (list, tuple, Mapping)) and len(value) <= SHOWN_ITEMS:
        text = repr(value)
        if len(text) <= 2 * limit:
            return text
    return shown(value, limit)


def key_part(part: PathPart) -> str:
    """One step of a key path: ``[2]``, ``.effect``, or ``["kubernetes.io/os"]`` for a key that is not a name."""
    if isinstance(part, int):
        return f"[{part}]"
    if _IDENTIFIER.fullmatch(part):
        return f".{part}"
    return f"[{quoted(part, SHOWN_KEY_CHARACTERS)}]"


def config_key(top_key: str, parts: Sequence[PathPart] = ()) -> str:
    """A config key path as the stack file writes it: ``eks-daemonsets:nodeGroups[2].labels["node-role"]``.

    Args:
        top_key: The top-level key, namespace included (``eks-daemonsets:cluster``, ``aws:region``).
        parts: The keys and list indexes below it.
    """
    namespace, colon, name = top_key.partition(":")
    if colon and _BARE_TOP_KEY.fullmatch(name) and _BARE_TOP_KEY.fullmatch(namespace):
        text = top_key
    elif colon and _BARE_TOP_KEY.fullmatch(namespace):
        text = f"{namespace}:{quoted(name, SHOWN_KEY_CHARACTERS)}"
    else:
        text = quoted(top_key, SHOWN_KEY_CHARACTERS)
    return text + "".join(key_part(part) for part in parts)


def document_key(path: Sequence[PathPart], *, project: str) -> str:
    """Where a value sits in a stack file, from the document root: ``("config", "aws:region")`` -> ``aws:region``.

    Keys under ``config`` are named as config keys (a key without a namespace belongs to the project, as the Pulumi
    CLI reads it); anything else is named from the top of the file (``secretsprovider``, ``config``).
    """
    if len(path) >= 2 and path[0] == "config" and isinstance(path[1], str):
        top = path[1] if ":" in path[1] else f"{project}:{path[1]}"
        return config_key(top, path[2:])
    if not path:
        return "the document"
    first, rest = path[0], path[1:]
    if isinstance(first, int):
        head = f"item {first}"
    else:
        head = first if _BARE_TOP_KEY.fullmatch(first) else quoted(first, SHOWN_KEY_CHARACTERS)
    return head + "".join(key_part(part) for part in rest)


def one_line(text: str) -> str:
    """``text`` with every non-printable character escaped: the last guard before a message is printed."""
    return text if text.isprintable() else "".join(c if c.isprintable() else escaped(c) for c in text)
