"""A small command line, for looking at checkov's verdicts by hand:

    .venv/bin/python -m tests.judges checkov               # failing check ids per DaemonSet on the dev render
    .venv/bin/python -m tests.judges checkov --config tests/stacks/Pulumi.large.yaml
    .venv/bin/python -m tests.judges checkov --manifests build/dev/manifests
    .venv/bin/python -m tests.judges anchors --dir DIR     # reproduce the anchors' checkov figures from their manifests

checkov is found through ``$CHECKOV`` (what ``make test`` sets), else ``.venv-checkov/bin/checkov``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import yaml

import tests.judges
from tests.judges.checkov import ANCHOR_FIGURES, DAEMONSET_TARGETS, CheckovReport, CheckovUnavailable, run_checkov
from tests.judges.paths import ROOT
from tests.judges.renders import Render, rendered
from tests.judges.skips import Skip, judge, load_skips
from tests.judges.summaries import daemonset_summary


def _print_render_report(render: Render, report: CheckovReport, skips: list[Skip]) -> int:
    verdict = judge(report, render.manifests, skips)
    print(f"{' '.join(report.command)}\ncheckov {report.version}: {report.summary}\n")
    summary = daemonset_summary(report, render, skips)
    print(f"{'DaemonSet':<16}{'failed':>7}{'target':>8}{'anchor':>8}  failed check ids (* = in the skip list)")
    for name, row in summary.items():
        ids = " ".join(f"{c}{'*' if c in row['skipped_by_list'] else ''}" for c in row["failed_checks"])
        derived = " ".join(row["derived_pod_failed_checks"])
        print(f"{name:<16}{row['failed']:>7}{row['target'] or '-':>8}{row['anchor'] or '-':>8}  {ids}")
        if derived:
            print(f"{'':<39}derived Pod: {derived}")
    missing = sorted(set(DAEMONSET_TARGETS) - set(summary))
    if missing:
        print(f"\nnot rendered: {', '.join(missing)}")
    for finding in verdict["unjustified"]:
        if finding.kind != "DaemonSet":
            print(f"unjustified: {finding.check_id} {finding.check_name} on {finding.resource} ({finding.file})")
    for skip in verdict["stale"]:
        print(f"stale skip: {skip.label()}")
    if not verdict["unjustified"] and not verdict["stale"]:
        print("\nno unjustified failure, no stale skip")
    return 1 if verdict["unjustified"] or verdict["stale"] or missing else 0


def _anchors(directory: Path) -> int:
    files = sorted({directory / f for f, _ in ANCHOR_FIGURES})
    report = run_checkov(files=files)
    print(f"{' '.join(report.command)}\ncheckov {report.version}\n")
    print(f"{'anchor':<52}{'DaemonSet':<20}{'failed':>7}{'README':>8}")
    status = 0
    for (file, name), expected in sorted(ANCHOR_FIGURES.items()):
        failed = [
            f for f in report.findings
            if f.result == "FAILED" and f.kind == "DaemonSet" and f.resource.split(".", 2)[2:] == [name]
            and Path(f.file).name == file
        ]
        mark = "" if len(failed) == expected else "  <- differs"
        status |= bool(mark)
        print(f"{file:<52}{name:<20}{len(failed):>7}{expected:>8}{mark}")
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.judges", description=tests.judges.__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    checkov = commands.add_parser("checkov", help="failing checkov check ids per DaemonSet of a render")
    source = checkov.add_mutually_exclusive_group()
    source.add_argument("--config", type=Path, help="a stack file to render (default: Pulumi.dev.yaml)")
    source.add_argument("--manifests", type=Path, help="an existing render's manifests/ directory")
    anchors = commands.add_parser("anchors", help="checkov on the anchors, against the README's figures")
    # The project carries no copy of the anchors' manifests: DIR holds them as their projects ship them, under the
    # file names in ANCHOR_FIGURES (each file's source is in benchmarks/scale_bench/anchors.yaml).
    anchors.add_argument("--dir", type=Path, required=True, help="a directory holding the anchors' manifests")
    args = parser.parse_args(argv)
    try:
        if args.command == "anchors":
            return _anchors(args.dir)
        if args.manifests:
            render = Render(stack_file=Path("-"), out=args.manifests.parent)
            for path in sorted(args.manifests.rglob("*.yaml")):
                render.manifests[path.relative_to(args.manifests).as_posix()] = yaml.safe_load(path.read_text())
        else:
            render = rendered(args.config or ROOT / "Pulumi.dev.yaml")
            if render.error:
                print(f"render failed: {render.error}", file=sys.stderr)
                return 2
        return _print_render_report(render, run_checkov(directory=render.manifests_dir), load_skips())
    except CheckovUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
