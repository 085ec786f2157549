"""The scale benchmark's table, one row per DaemonSet, and our goals checked against its figures: printed, never
asserted."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.scale_bench.figures import Result


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> str:
    """A Markdown table, columns padded so it also reads as plain text; columns in ``right`` align right."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]

    def line(cells: Sequence[str]) -> str:
        padded = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":" if i in right else "-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def table(results: Sequence[Result], groups: Sequence[str]) -> str:
    header = ["DaemonSet", "rule", *groups, "maxUnavailable", "minReady", "full rollout", "nodes/min", "waves", "most without ready agent", "most unavailable"]
    rows = []
    for r in results:
        rollout = "-"
        if r.rollout_seconds is not None:
            rollout = f"{r.rollout_seconds:,.0f} s" if not r.projected else f"~{r.rollout_seconds:,.0f} s projected"
        waves = f"{r.waves}" if not r.projected else f"{r.waves} in {r.window_seconds:.0f} s"
        rows.append(
            [
                r.label,
                r.rule,
                *(f"{r.coverage[g][0]}/{r.coverage[g][1]}" for g in groups),
                f"{r.max_unavailable} = {r.allowed_unavailable}",
                f"{r.min_ready_seconds} s",
                rollout,
                f"{r.nodes_per_minute:,.0f}" if r.nodes_per_minute is not None else "-",
                waves,
                f"{r.most_without_ready}",
                f"{r.most_unavailable}",
            ]
        )
    return format_table(header, rows, right=[2 + len(groups) + i for i in range(7)])


def goals(results: Sequence[Result], nodes: int) -> list[str]:
    """Our goals, checked against the figures: printed, never asserted."""
    lines = []
    one_at_a_time = [r for r in results if r.rule == "-" and r.allowed_unavailable == 1 and r.nodes_per_minute]
    fastest = max(one_at_a_time, key=lambda r: r.nodes_per_minute or 0, default=None)
    for r in (r for r in results if r.rule != "-"):
        checks = []
        if fastest and r.nodes_per_minute and fastest.nodes_per_minute:
            ratio = r.nodes_per_minute / fastest.nodes_per_minute
            checks.append(
                f"{nodes} nodes in ~{60 * nodes / r.nodes_per_minute:,.0f} s against ~{60 * nodes / fastest.nodes_per_minute:,.0f} s "
                f"for the fastest one-node-at-a-time anchor ({fastest.label}): {ratio:.1f}x ({'met' if ratio >= 10 else 'MISSED'}: >= 10x)"
            )
        checks.append(
            f"at most {r.most_unavailable} unavailable and {r.most_without_ready} without a ready agent against "
            f"maxUnavailable {r.allowed_unavailable} ({'met' if r.most_unavailable <= r.allowed_unavailable else 'MISSED'})"
        )
        if r.rule == "all":
            covered = sum(c for c, _ in r.coverage.values())
            checks.append(f"{covered}/{nodes} nodes covered ({'met' if covered == nodes else 'MISSED'})")
        lines.append(f"{r.label}: " + "; ".join(checks))
    return lines
