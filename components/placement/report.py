"""The placement table as a Markdown report (``placement.md``) and as the JSON-ready stack output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components.placement.node_groups import NodeGroupView
from components.targeting import TargetingError, Verdict


def _cell(text: str) -> str:
    # A literal pipe would end the Markdown table cell; a newline the row.
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(
    table: Mapping[str, Mapping[str, Verdict]], groups: Sequence[str | NodeGroupView]
) -> str:
    """Render the placement table as Markdown: node groups down, agents across.

    Args:
        table: The output of :func:`placement`.
        groups: Node groups (names or views) in the order to list them.

    Returns:
        A legend line, a blank line and the table, ending in a newline.

    Raises:
        TargetingError: If an agent's row lacks one of ``groups``.
    """
    names = [g.name if isinstance(g, NodeGroupView) else g for g in groups]
    agents = list(table)
    lines = [
        "Agent placement by node group: ✅ runs; ❌ does not run, with the first rule that keeps it off.",
        "",
        "| " + " | ".join(_cell(h) for h in ["node group", *agents]) + " |",
        "| " + " | ".join("---" for _ in range(len(agents) + 1)) + " |",
    ]
    for name in names:
        cells = [_cell(name)]
        for agent in agents:
            verdict = table[agent].get(name)
            if verdict is None:
                raise TargetingError(
                    "node group missing from the placement table", path=(agent, name), value=name,
                    allowed=", ".join(table[agent]),
                )
            cells.append("✅ runs" if verdict.runs else f"❌ {_cell(verdict.reason)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_output(table: Mapping[str, Mapping[str, Verdict]]) -> dict[str, dict[str, dict[str, bool | str]]]:
    """Plain, JSON-ready form of the table: ``{agent: {group: {"runs", "reason"}}}``."""
    return {
        agent: {group: {"runs": verdict.runs, "reason": verdict.reason} for group, verdict in row.items()}
        for agent, row in table.items()
    }
