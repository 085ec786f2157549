"""Run a case through the offline render's command line in this process, and record its answer.

The time is CPU time, which other load on the machine barely changes; a wall-clock deadline well above it turns a
hang into a failure that names the case.
"""

from __future__ import annotations

import contextlib
import io
import signal
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from tests.input.stack_fuzz.cases import BASES, Case

#: Wall-clock seconds after which a case counts as hung (far above the CPU budget, for a loaded machine).
HANG_DEADLINE = 20.0
FILE_NAME = "Pulumi.fuzz.yaml"


@dataclass(frozen=True)
class Outcome:
    case: Case
    code: Optional[int]
    stderr: str
    stdout: str
    wrote: tuple[str, ...]
    cpu_seconds: float
    wall_seconds: float
    crash: str = ""


class _Hung(BaseException):
    """Raised by the wall-clock deadline; a BaseException so that no ``except Exception`` swallows it."""


@contextlib.contextmanager
def deadline(seconds: float, error: Callable[[], BaseException] = _Hung) -> Iterator[None]:
    """Raise ``error()`` rather than hang when the block takes longer than ``seconds`` (the regex engine checks
    signals)."""

    def expire(*_: Any) -> None:
        raise error()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: Case, workdir: Path) -> Outcome:
    """Feed ``case`` through ``offline.render.main`` in this process, as the command line would."""
    from offline import render

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / FILE_NAME
    path.write_bytes(case.content)
    out = workdir / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    code: Optional[int] = None
    crash = ""
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        with deadline(HANG_DEADLINE), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = render.main(["--config", str(path), "--out", str(out)])
    except _Hung:
        crash = f"no answer within {HANG_DEADLINE} s"
    except BaseException:  # noqa: BLE001 - a crash of any kind is the finding
        crash = traceback.format_exc(limit=-3)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    wrote = tuple(sorted(str(p.relative_to(out)) for p in out.rglob("*"))) if out.is_dir() else ()
    if out.exists() and not out.is_dir():
        wrote = ("(a file at the output path)",)
    return Outcome(case, code, stderr.getvalue(), stdout.getvalue(), wrote, cpu, wall, crash)


def warm_up(workdir: Path) -> None:
    """Render a base stack once, so that the first case is not charged with importing the cloud SDKs."""
    case = Case("warm-up", "Pulumi.dev.yaml", (), BASES[0].read_bytes())
    outcome = run_case(case, workdir / "warm-up")
    if outcome.code != 0:
        raise RuntimeError(f"the dev stack does not render: {outcome.stderr or outcome.crash}")
