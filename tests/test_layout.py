"""The layout holds: small modules, a library that knows nothing of the wings around it, and pure packages that load
without the cloud SDKs (``__main__.py`` checks the stack file before those load, which is most of a run's start-up)."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pytest

from tests.source_imports import imported_modules

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400

# What the library users import may itself import, by top-level name, of this repository.
LIBRARY = "components"
WINGS = ("offline", "local", "e2e", "benchmarks", "tests", "mutation", "policy")
PURE_PACKAGES = (
    "components/settings",
    "components/targeting",
    "components/placement",
    "components/input",
    "components/monitoring",
)
CLOUD_SDKS = ("pulumi_aws", "pulumi_eks", "pulumi_kubernetes")


@functools.cache
def _python_files() -> tuple[str, ...]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return tuple(sorted(listed.stdout.split()))


def _under(prefixes: tuple[str, ...]) -> list[str]:
    return [f for f in _python_files() if f.startswith(tuple(p + "/" for p in prefixes))]


def test_the_tree_has_python_files() -> None:
    assert len(_python_files()) > 100 and _under((LIBRARY,)), "git ls-files found the sources"


@pytest.mark.parametrize("path", _python_files())
def test_no_module_is_over_the_ceiling(path: str) -> None:
    lines = len((ROOT / path).read_text().splitlines())
    assert lines <= MAX_LINES, f"{path} has {lines} lines; split it by job (the ceiling is {MAX_LINES})"


@pytest.mark.parametrize("path", _under((LIBRARY,)))
def test_the_library_imports_nothing_from_the_wings(path: str) -> None:
    wrong = sorted(m for m in imported_modules(ROOT / path) if m.split(".")[0] in WINGS)
    assert not wrong, f"{path} imports {wrong}: the library users import must not need the wings"


@pytest.mark.parametrize("path", _under(("offline",)))
def test_the_offline_render_needs_only_the_library(path: str) -> None:
    wrong = sorted(m for m in imported_modules(ROOT / path) if m.split(".")[0] in WINGS and m.split(".")[0] != "offline")
    assert not wrong, f"{path} imports {wrong}"


@pytest.mark.parametrize("path", _under(PURE_PACKAGES))
def test_the_pure_packages_load_without_the_cloud_sdks(path: str) -> None:
    wrong = sorted(m for m in imported_modules(ROOT / path, on_load=True) if m.split(".")[0] in CLOUD_SDKS)
    assert not wrong, f"{path} imports {wrong}: settings, targeting, placement, input and monitoring must load without them"
