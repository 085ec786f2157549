"""The placement table as a Markdown report (``placement.md``) and as the JSON-ready stack output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components.placement.node_groups import NodeGroupView
from components.targeting import TargetingError, Verdict


def _cell(text: str) -> str:
    # A literal pipe would end the Markdown table cell; a newline the row.
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict_cell(verdict: Verdict) -> str:
    if verdict.runs:
        return "✅ runs"
    if verdict.some:
        return f"🟡 runs on some: {_cell(verdict.split)} ({_cell(verdict.reason)})"
    return f"❌ {_cell(verdict.reason)}"


def to_markdown(
    table: Mapping[str, Mapping[str, Verdict]],
    groups: Sequence[str | NodeGroupView],
    pools: Sequence[str] = (),
) -> str:
    """Render the placement table as Markdown: node groups (then NodePools) down, agents across.

    Args:
        table: The output of :func:`placement`.
        groups: Node groups (names or views) in the order to list them.
        pools: NodePool names, listed after the groups as ``<name> (pool)``.

    Returns:
        A legend line, a blank line and the table, ending in a newline.

    Raises:
        TargetingError: If an agent's row lacks one of ``groups``.
    """
    names = [g.name if isinstance(g, NodeGroupView) else g for g in groups] + list(pools)
    agents = list(table)
    legend = (
        "Agent placement by node group: ✅ runs; ❌ does not run, with the first rule that keeps it off."
        if not pools else
        "Agent placement by node group and NodePool: ✅ runs (on every node); 🟡 runs on some of a pool's nodes, "
        "naming which; ❌ does not run, with the first rule that keeps it off."
    )
    lines = [
        legend,
        "",
        "| " + " | ".join(_cell(h) for h in ["node group" if not pools else "node group or pool", *agents]) + " |",
        "| " + " | ".join("---" for _ in range(len(agents) + 1)) + " |",
    ]
    for name in names:
        cells = [_cell(f"{name} (pool)" if name in pools else name)]
        for agent in agents:
            verdict = table[agent].get(name)
            if verdict is None:
                raise TargetingError(
                    "node group missing from the placement table", path=(agent, name), value=name,
                    allowed=", ".join(table[agent]),
                )
            cells.append(_verdict_cell(verdict))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_output(table: Mapping[str, Mapping[str, Verdict]]) -> dict[str, dict[str, dict[str, bool | str]]]:
    """Plain, JSON-ready form of the table: ``{agent: {group: {"runs", "reason"}}}``, and ``"some"`` (which nodes)
    on a pool cell where the agent runs on some of the pool's nodes."""
    return {
        agent: {
            group: {"runs": verdict.runs, "reason": verdict.reason, **({"some": verdict.split} if verdict.some else {})}
            for group, verdict in row.items()
        }
        for agent, row in table.items()
    }


def overhead_markdown(per_node: Mapping[str, Sequence[Mapping[str, object]]], pools: Sequence[str] = ()) -> str:
    """What one node gives up to the agents (the ``agentRequestsPerNode`` output) as a Markdown table."""
    lines = [
        "What each new node gives up to the agents: their pods' requests on one node (for a pool, what Karpenter "
        "reserves when it sizes the node).",
        "",
        "| node group or pool | nodes | cpu | memory | agents |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, rows in per_node.items():
        for row in rows:
            agents = ", ".join(str(a) for a in row["agents"]) or "none"  # type: ignore[union-attr]
            partly = row.get("reservedWhereItDoesNotRun") or []
            if partly:
                agents += " (reserved on every such node, though " + ", ".join(str(a) for a in partly) + " runs on some only)"  # type: ignore[union-attr]
            label = f"{name} (pool)" if name in pools else name
            lines.append(
                f"| {_cell(label)} | {_cell(str(row.get('where') or 'every node'))} | {row['cpu']} | {row['memory']} "
                f"| {_cell(agents)} |"
            )
    return "\n".join(lines) + "\n"
