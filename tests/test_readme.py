"""The README keeps up with the code: the paths it names exist, its imports import, its commands name real modules
and Makefile targets; and the files the render generates name only paths that exist. A module that moves without the
README (or a generated header) moving with it fails here, not in a user's terminal."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

# A path in backticks that starts at a top-level directory of the repo (`components/...`, `.github/...`); label keys
# and module paths (`kubernetes.io/os`, `k8s.io/kubernetes`) don't.
_PATH = re.compile(r"`((\.?[\w-]+)/[\w./-]*)`")
# Made by a tool at run time, not kept in the repo: the Pulumi CLI's virtualenv for the policy pack.
_CREATED_AT_RUN_TIME = {"policy/venv"}
_IMPORT = re.compile(r"^from ([\w.]+) import ([\w, ]+)$", re.MULTILINE)
_MODULE_RUN = re.compile(r"python -m ([\w.]+)")
# `make x` in backticks, or a command line of a shell block.
_MAKE = re.compile(r"(?:`|^)make (?:-C \S+ )?([a-z][\w-]*)", re.MULTILINE)


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def _layout_entries() -> list[str]:
    """The first column of the Layout section's block: one repo path per line."""
    section = README.split("## Layout", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert block, "the Layout section has no block"
    entries = []
    for line in block.group(1).splitlines():
        if line and not line.startswith(" "):
            entries.extend(part.strip() for part in line.split("  ", 1)[0].split(","))
    return entries


def _named_paths() -> list[str]:
    top = {p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in {"build", ".git"}}
    named = {path.rstrip("/.") for path, first in _PATH.findall(README) if first in top}
    return sorted(named - _CREATED_AT_RUN_TIME)


# A repository path inside generated text: a top-level package or folder, then a file with an extension.
_GENERATED_PATH = re.compile(r"(?<![\w/.-])((?:components|offline|local|policy|tests|benchmarks|e2e|mutation)/[\w./-]+\.\w+)")


def _paths_in_the_dev_render() -> list[tuple[str, str]]:
    from tests.judges import rendered

    render = rendered(ROOT / "Pulumi.dev.yaml")
    assert render.error is None, render.error
    found = set()
    for file in sorted(p for p in render.out.rglob("*") if p.is_file()):
        for path in _GENERATED_PATH.findall(file.read_text()):
            found.add((file.relative_to(render.out).as_posix(), path))
    return sorted(found)


def test_every_path_a_generated_file_names_exists() -> None:
    named = _paths_in_the_dev_render()
    # The fluent.conf header names its builder, in the ConfigMap and in resources.json at least.
    assert any(path == "components/agents/fluentd_conf.py" for _, path in named), named
    missing = [f"{file} names {path}" for file, path in named if not (ROOT / path).exists()]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("path", _named_paths())
def test_every_path_the_readme_names_exists(path: str) -> None:
    assert (ROOT / path).exists(), f"README names `{path}`, which is not in the repo"


@pytest.mark.parametrize("entry", _layout_entries())
def test_the_layout_lists_what_is_there(entry: str) -> None:
    assert (ROOT / entry).exists(), f"the Layout section lists {entry}, which is not in the repo"


def test_the_layout_lists_every_top_level_package() -> None:
    packages = {p.name + "/" for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(_layout_entries()), f"missing from the Layout section: {sorted(packages - set(_layout_entries()))}"


def test_the_readme_imports_import() -> None:
    imports = [m for block in _python_blocks() for m in _IMPORT.finditer(block)]
    assert imports, "the README shows no imports"
    for match in imports:
        module = importlib.import_module(match.group(1))
        for name in (n.strip() for n in match.group(2).split(",")):
            assert hasattr(module, name), f"README: `from {match.group(1)} import {name}`: no such name"


@pytest.mark.parametrize("module", sorted(set(_MODULE_RUN.findall(README))))
def test_every_python_dash_m_the_readme_shows_runs_a_module(module: str) -> None:
    if module in {"venv", "pip", "pytest"}:
        return
    assert importlib.util.find_spec(module) is not None, f"README runs `python -m {module}`: no such module"


@pytest.mark.parametrize("target", sorted(set(_MAKE.findall(README))))
def test_every_make_target_the_readme_shows_exists(target: str) -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE), f"README runs `make {target}`: no such target"
