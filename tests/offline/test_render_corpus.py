"""The corpus render that proves a refactor behaviour-neutral: it answers for valid and refused stacks alike, and two
renders of one corpus in one process agree byte for byte (no state carried from one stack to the next)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.offline.render_corpus import files_under, render_all, write_stacks


def test_a_corpus_renders_the_same_twice_and_answers_for_every_stack(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    count = write_stacks(corpus, generated=3, fuzz=6)
    first = render_all(corpus, tmp_path / "first")
    second = render_all(corpus, tmp_path / "second")

    assert len(first) == count > 60, "dev, tests/stacks, the bad stacks, 3 generated and 6 fuzz cases"
    assert first["dev"][0] == 0 and (tmp_path / "first" / "dev" / "placement.md").is_file()
    for name, (code, stdout, stderr) in first.items():
        assert (code, stdout.startswith("rendered "), stderr) == (0, True, "") or (
            code == 2 and stderr.startswith("error: ") and not (tmp_path / "first" / name).exists()
        ), (name, code, stdout, stderr)
    assert all(first[name][0] == 2 for name in first if name.startswith("bad-"))
    assert json.loads((tmp_path / "first" / "answers.json").read_text()) == first
    assert first == second
    assert files_under(tmp_path / "first") == files_under(tmp_path / "second")
