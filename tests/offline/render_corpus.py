"""Every answer of the offline render over a corpus of stack files, for a before/after diff of a refactor.

    python -m tests.offline.render_corpus stacks /tmp/corpus              # once, at the base: the stack files
    python -m tests.offline.render_corpus render /tmp/corpus /tmp/before  # at the base
    python -m tests.offline.render_corpus render /tmp/corpus /tmp/after   # at the head, on the same files
    diff -r /tmp/before /tmp/after                                        # empty: behaviour unchanged

The corpus holds the dev stack, tests/stacks, every bad stack, stacks from the end-to-end suite's generator and the
stack fuzzer's cases: valid stacks (rendered files) and refused ones (exit code and message) alike. It is written to
files once so that the head renders the very same bytes even where the generators themselves moved.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import yaml

from tests.judges.paths import BAD_STACKS_DIR, ROOT, STACKS_DIR


def files_under(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, by its path relative to it: a render's tree, to compare with another."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def write_stacks(dest: Path, *, generated: int, fuzz: int) -> int:
    """Write the corpus into ``dest`` (which must not exist); returns the number of stack files."""
    from e2e.generated import generated_stack
    from tests.input.stack_fuzz import case_ids, make_case

    dest.mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.dev.yaml", dest / "Pulumi.dev.yaml")
    for kind, directory in (("stacks", STACKS_DIR), ("bad", BAD_STACKS_DIR)):
        for path in sorted(directory.glob("Pulumi.*.yaml")):
            shutil.copy(path, dest / f"Pulumi.{kind}-{path.name.split('.')[1]}.yaml")
    for seed in range(generated):
        (dest / f"Pulumi.gen-{seed}.yaml").write_text(yaml.safe_dump(generated_stack(seed), sort_keys=True))
    for case_id in case_ids(fuzz):
        (dest / f"Pulumi.fuzz-{case_id}.yaml").write_bytes(make_case(case_id).content)
    return sum(1 for _ in dest.glob("Pulumi.*.yaml"))


def render_all(corpus: Path, out: Path) -> dict[str, list]:
    """Render every stack file of ``corpus`` in this process into ``out/<name>/``, as the command line would.

    Writes ``out/answers.json``: per stack, the exit code, stdout (with ``out`` written as ``<OUT>``) and stderr.
    """
    from offline import render

    out.mkdir(parents=True)
    answers: dict[str, list] = {}
    for path in sorted(corpus.glob("Pulumi.*.yaml")):
        name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = render.main(["--config", str(path), "--out", str(out / name)])
        answers[name] = [code, stdout.getvalue().replace(str(out), "<OUT>"), stderr.getvalue()]
    (out / "answers.json").write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
    return answers


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.offline.render_corpus", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    stacks = commands.add_parser("stacks", help="write the corpus of stack files")
    stacks.add_argument("dest", type=Path)
    stacks.add_argument("--generated", type=int, default=200, help="generated stacks (seeds 0..N-1)")
    stacks.add_argument("--fuzz", type=int, default=800, help="fuzz cases (the fuzzer's default seed)")
    rendered = commands.add_parser("render", help="render every stack file of a corpus")
    rendered.add_argument("corpus", type=Path)
    rendered.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "stacks":
        print(f"{write_stacks(args.dest, generated=args.generated, fuzz=args.fuzz)} stack files -> {args.dest}")
    else:
        answers = render_all(args.corpus, args.out)
        taken = sum(1 for code, _, _ in answers.values() if code == 0)
        print(f"{taken} rendered, {len(answers) - taken} refused -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
