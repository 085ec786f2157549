"""A tiny renderer for Fluentd's directive syntax: ``<name arg> ... </name>`` blocks, in a stable order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class _Section:
    """One ``<name arg> ... </name>`` block."""

    name: str
    arg: str = ""
    params: tuple[tuple[str, str], ...] = ()
    children: tuple[_Section, ...] = field(default=())

    def render(self, depth: int = 0) -> list[str]:
        """Render the block; ``@type`` first, then parameters sorted by name.

        Args:
            depth: Nesting level, two spaces each.

        Returns:
            The rendered lines.
        """
        pad = "  " * depth
        head = f"<{self.name} {self.arg}>" if self.arg else f"<{self.name}>"
        lines = [pad + head]
        for key, value in sorted(self.params, key=lambda kv: (kv[0] != "@type", kv[0])):
            lines.append(f"{pad}  {key} {value}")
        for child in self.children:
            lines.extend(child.render(depth + 1))
        lines.append(f"{pad}</{self.name}>")
        return lines


def _quoted(value: str) -> str:
    """Double-quote a value (JSON escaping is valid Fluentd string syntax)."""
    return json.dumps(value)
