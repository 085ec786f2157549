"""Run each mutant's tests in a forked child, the mutated module installed under its own dotted name.

The parent imports the heavy third-party libraries once (:data:`WARM`), then forks one child per mutant, at most
``parallel`` at a time. The child puts a finder first on ``sys.meta_path`` that answers for the mutated module
alone, with the mutant's code, and imports it: the packages above it import as usual, and every importer of the
module (its package's ``__init__`` re-exporting its names, its sibling modules, the tests) gets the mutant, never the
file on disk. Then the child runs pytest on the group's tests and exits with its status.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import signal
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

# Third-party modules the parent imports once so that each forked child starts warm.
WARM = ["pytest", "hypothesis", "pydantic", "yaml", "pulumi", "pulumi_kubernetes", "pulumi_aws", "pulumi_eks",
        "kubernetes_validate", "jsonschema", "grpc", "google.protobuf"]


@dataclass(frozen=True)
class Mutant:
    """A mutated file, compiled: the dotted name it is imported as, its path, and its code."""

    module: str
    path: Path
    code: types.CodeType


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the mutated module, and loads it from the mutant's code instead of its file; declines every other."""

    def __init__(self, mutant: Mutant) -> None:
        self.mutant = mutant

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.mutant.module:
            return None
        source = self.mutant.path
        package = [str(source.parent)] if source.name == "__init__.py" else None
        return importlib.util.spec_from_file_location(
            fullname, source, loader=self, submodule_search_locations=package
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        exec(self.mutant.code, module.__dict__)


def _child(mutant: Mutant | None, tests: list[str]) -> None:
    """In the forked child: install the mutant (if any), run pytest, exit with its status."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    if mutant is not None:
        # A module of the package imported before the fork would keep the original: import them all afresh.
        top = mutant.module.partition(".")[0]
        for name in [name for name in sys.modules if name == top or name.startswith(top + ".")]:
            del sys.modules[name]
        sys.meta_path.insert(0, _MutantFinder(mutant))
        try:
            importlib.import_module(mutant.module)
        except BaseException:
            os._exit(3)  # the mutant breaks at import: killed
    import pytest

    status = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
    os._exit(int(status))


def run_mutants(module: str, jobs: list[tuple[str, Mutant | None]], tests: list[str], *, parallel: int,
                timeout: float) -> dict[str, str]:
    """Run each (description, mutant) job in a forked child; returns description -> killed/survived/timeout."""
    results: dict[str, str] = {}
    running: dict[int, tuple[str, float]] = {}
    queue = list(jobs)
    while queue or running:
        while queue and len(running) < parallel:
            description, mutant = queue.pop(0)
            pid = os.fork()
            if pid == 0:
                _child(mutant, tests)
            running[pid] = (description, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for child, (description, started) in list(running.items()):
                if now - started > timeout:
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                    results[description] = "timeout"
                    del running[child]
            time.sleep(0.05)
            continue
        if pid in running:
            description, _ = running.pop(pid)
            code = os.waitstatus_to_exitcode(status)
            results[description] = "survived" if code == 0 else "killed"
            if len(jobs) > 1 and len(results) % 25 == 0:
                print(f"  {module}: {len(results)}/{len(jobs)} mutants run", file=sys.stderr, flush=True)
    return results
