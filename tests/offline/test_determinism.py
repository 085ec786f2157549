"""The same stack file renders byte-identical files, whatever the process.

Two renders of the dev stack, each in a fresh interpreter (state inside one process, such as a warm cache or an
import order, could hide nondeterminism), with different hash seeds (set iteration order), time zones, working
directories and output paths. Every file must be there in both trees, with the same bytes.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.judges import ROOT
from tests.offline.render_corpus import files_under

RUNS = (
    {"PYTHONHASHSEED": "1", "TZ": "UTC", "cwd": "project"},
    {"PYTHONHASHSEED": "2718281", "TZ": "Pacific/Auckland", "cwd": "elsewhere"},
)


def _render(out: Path, run: dict[str, str], elsewhere: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": run["PYTHONHASHSEED"], "TZ": run["TZ"], "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "offline.render", "--stack", "dev", "--out", str(out)],
        cwd=ROOT if run["cwd"] == "project" else elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    base = tmp_path_factory.mktemp("determinism")
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    outs = (base / "first" / "render", base / "second-with-a-longer-path" / "render")
    with ThreadPoolExecutor(max_workers=2) as pool:
        processes = list(pool.map(lambda i: _render(outs[i], RUNS[i], elsewhere), range(2)))
    for run, process in zip(RUNS, processes):
        assert process.returncode == 0, f"render with {run} failed:\n{process.stderr}"
    return files_under(outs[0]), files_under(outs[1])


def test_both_renders_write_the_same_files(trees: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    first, second = trees
    assert first, "the render wrote nothing"
    assert sorted(first) == sorted(second), (
        f"only in the first: {sorted(set(first) - set(second))}; only in the second: {sorted(set(second) - set(first))}"
    )


def test_every_file_is_byte_identical(trees: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    first, second = trees
    differing = sorted(name for name in set(first) & set(second) if first[name] != second[name])
    if differing:
        name = differing[0]
        diff = difflib.unified_diff(
            first[name].decode(errors="replace").splitlines(),
            second[name].decode(errors="replace").splitlines(),
            f"first/{name}",
            f"second/{name}",
            lineterm="",
            n=2,
        )
        pytest.fail(f"{len(differing)} file(s) differ: {differing}\n" + "\n".join(list(diff)[:60]), pytrace=False)
