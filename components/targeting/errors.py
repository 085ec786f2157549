"""Where a bad targeting value sits and what is wrong with it: :class:`TargetingError` and :func:`format_path`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.input.error_text import short_repr

PathPart = str | int


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
