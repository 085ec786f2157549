"""The benchmark's table: Markdown that also reads as plain text."""

from __future__ import annotations

from benchmarks.scale_bench.report import format_table


def test_the_table_is_markdown_with_right_aligned_figures() -> None:
    text = format_table(["name", "s"], [["ours", "97"], ["theirs", "6"]], right=[1])
    assert text.splitlines() == ["| name   |  s |", "|--------|---:|", "| ours   | 97 |", "| theirs |  6 |"]
