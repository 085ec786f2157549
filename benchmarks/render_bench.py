"""How long the offline render and the test suite take, and where the render's time goes.

    python -m benchmarks.render_bench [--runs 5] [--no-suite]

Every figure is whole-process wall time of a fresh interpreter (``python -m offline.render ...``), since that
is what a user, CI and the bad-stack tests pay: interpreter start and imports included. Printed, never asserted.

Sections:

1. the render of the dev stack, of the 30-node-group stack, and of a stack refused by its settings: median, min and
   max of ``--runs`` runs;
2. ``python -X importtime`` of the dev render: the 10 imports with the largest cumulative time, and the imports'
   own (self) time summed by top-level package, which is what each SDK costs whichever module pulls it in;
3. what importing each SDK costs on its own in a fresh interpreter (``import pulumi_aws`` and friends), alone and on
   top of ``pulumi``;
4. one timed run of the test suite (``python -m pytest -q``), unless ``--no-suite``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
LARGE_STACK = ROOT / "tests" / "stacks" / "Pulumi.large.yaml"
BAD_STACK = ROOT / "tests" / "bad_stacks" / "Pulumi.nodegroup-taint-effect.yaml"
SDKS = ("pydantic", "yaml", "grpc", "pulumi", "pulumi_kubernetes", "pulumi_aws", "pulumi_eks")
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)$")


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: tuple[float, ...]
    note: str = ""

    def row(self) -> str:
        s = self.seconds
        return (
            f"{self.label:<44}{statistics.median(s):>8.2f}{min(s):>8.2f}{max(s):>8.2f}{len(s):>6}  {self.note}".rstrip()
        )


@dataclass(frozen=True)
class ImportLine:
    self_us: int
    cumulative_us: int
    depth: int
    module: str


def _run(command: Sequence[str], *, env: Optional[dict[str, str]] = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    process = subprocess.run(list(command), cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, process


def _render_command(source: Sequence[str], out: Path) -> list[str]:
    return [sys.executable, "-m", "offline.render", *source, "--out", str(out)]


def time_render(label: str, source: Sequence[str], runs: int, *, expect_code: int = 0) -> Timing:
    seconds = []
    note = ""
    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        for index in range(runs):
            elapsed, process = _run(_render_command(source, Path(tmp) / f"run{index}"))
            if process.returncode != expect_code:
                note = f"exit {process.returncode}: {(process.stderr or process.stdout).strip()[:120]}"
            seconds.append(elapsed)
    if not note and expect_code == 0:
        note = process.stdout.strip().split(": ", 1)[-1].split(" -> ")[0]
    return Timing(label, tuple(seconds), note)


def parse_importtime(stderr: str) -> list[ImportLine]:
    lines = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            lines.append(ImportLine(int(match[1]), int(match[2]), len(match[3]) // 2, match[4]))
    return lines


def render_importtime() -> tuple[list[ImportLine], float]:
    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        command = [sys.executable, "-X", "importtime", *_render_command(["--stack", "dev"], Path(tmp) / "out")[1:]]
        elapsed, process = _run(command)
    return parse_importtime(process.stderr), elapsed


def import_cost(module: str, runs: int, *, after: Optional[str] = None) -> float:
    """Median cumulative import time of ``module`` in a fresh interpreter, in seconds (optionally after ``after``)."""
    code = (f"import {after}; " if after else "") + f"import {module}"
    costs = []
    for _ in range(runs):
        _, process = _run([sys.executable, "-X", "importtime", "-c", code])
        top = [line for line in parse_importtime(process.stderr) if line.module == module and line.depth == 0]
        costs.append(top[-1].cumulative_us / 1e6 if top else 0.0)
    return statistics.median(costs)


def _header(title: str) -> None:
    print(f"\n{title}\n{'-' * len(title)}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per render figure (default 5)")
    parser.add_argument("--suite", action=argparse.BooleanOptionalAction, default=True, help="time the test suite once")
    parser.add_argument("--top", type=int, default=10, help="how many imports to list (default 10)")
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    print(f"python {sys.version.split()[0]} at {sys.executable}; {os.cpu_count()} CPUs; {runs} runs per figure")

    _header("1. Offline render, whole process (seconds)")
    print(f"{'':<44}{'median':>8}{'min':>8}{'max':>8}{'runs':>6}")
    baseline = []
    for _ in range(runs):
        elapsed, _ = _run([sys.executable, "-c", "pass"])
        baseline.append(elapsed)
    timings = [
        Timing("interpreter start (python -c pass)", tuple(baseline)),
        time_render("render dev (4 node groups)", ["--stack", "dev"], runs),
        time_render(f"render {LARGE_STACK.name} (30 node groups)", ["--config", str(LARGE_STACK)], runs),
        time_render(f"refused: {BAD_STACK.name}", ["--config", str(BAD_STACK)], runs, expect_code=2),
    ]
    for timing in timings:
        print(timing.row())

    _header(f"2. python -X importtime of the dev render: top {args.top} cumulative imports")
    lines, elapsed = render_importtime()
    top_level_us = sum(line.cumulative_us for line in lines if line.depth == 0)
    print(f"{'cumulative s':>12}{'self s':>9}  module (indent: depth in the import tree)")
    for line in sorted(lines, key=lambda line: line.cumulative_us, reverse=True)[: args.top]:
        print(f"{line.cumulative_us / 1e6:>12.3f}{line.self_us / 1e6:>9.3f}  {'  ' * line.depth}{line.module}")
    print(
        f"\nall imports: {top_level_us / 1e6:.2f} s of a {elapsed:.2f} s run under -X importtime "
        f"({100 * top_level_us / 1e6 / elapsed:.0f}%; importtime itself adds some overhead)"
    )
    by_package: dict[str, int] = defaultdict(int)
    modules: dict[str, int] = defaultdict(int)
    for line in lines:
        by_package[line.module.split(".")[0]] += line.self_us
        modules[line.module.split(".")[0]] += 1
    print(f"\n{'self s':>9}{'modules':>9}  top-level package (own time of its modules, wherever imported from)")
    ranked = sorted(by_package.items(), key=lambda item: item[1], reverse=True)
    for package, us in ranked[: args.top]:
        print(f"{us / 1e6:>9.3f}{modules[package]:>9}  {package}")
    # The pulumi SDKs load their service modules lazily, on first attribute access (aws.ec2, k8s.core.v1): a bare
    # `import pulumi_aws` is cheap, and the cost lands wherever a module is first touched. Show where.
    for package, _ in ranked[:2]:
        by_sub: dict[str, int] = defaultdict(int)
        for line in lines:
            if line.module.split(".")[0] == package:
                by_sub[".".join(line.module.split(".")[:2])] += line.self_us
        heaviest = sorted(by_sub.items(), key=lambda item: item[1], reverse=True)[:5]
        print(f"{'':>18}  {package}: " + ", ".join(f"{name.split('.', 1)[-1]} {us / 1e6:.3f}" for name, us in heaviest))

    _header("3. Importing each SDK in a fresh interpreter (median cumulative seconds)")
    print("(a bare import only: the SDKs' service modules load later, on first use; section 2 has their cost)")
    print(f"{'module':<22}{'alone':>8}{'after pulumi':>14}")
    for module in SDKS:
        alone = import_cost(module, runs)
        after = import_cost(module, runs, after="pulumi") if module.startswith("pulumi_") else None
        print(f"{module:<22}{alone:>8.3f}{(f'{after:.3f}' if after is not None else '-'):>14}")

    if args.suite:
        _header("4. Test suite, one run (python -m pytest -q)")
        elapsed, process = _run([sys.executable, "-m", "pytest", "-q"])
        tail = [line for line in process.stdout.splitlines() if line.strip()][-1:] or ["(no output)"]
        print(f"{elapsed:.1f} s, exit {process.returncode}: {tail[0]}")
        if "CHECKOV" not in os.environ:
            print("(CHECKOV is not set: the checkov judge used .venv-checkov/bin/checkov if present)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
