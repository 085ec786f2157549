"""Label syntax (k8s.io/apimachinery validation: IsQualifiedName, IsValidLabelValue), and label values as integers.

Taint and toleration keys and values follow the same syntax. Gt/Lt compare a node's label value as the scheduler
parses it: a Go int64.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from components.targeting.errors import PathPart, TargetingError

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
