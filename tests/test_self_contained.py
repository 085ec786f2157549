"""A clone carries everything it needs: no file of the project names a path beside or above the checkout.

A user's clone has nothing next to it. So no tracked file (code, data, Makefile, workflows, README) may climb out of
the repository: a relative ``../`` that leaves it, Python path arithmetic that goes above the root
(``Path(__file__).parents[n]``, ``.parent`` chains, ``ROOT.parent``), or the team's ``shared`` folder by name. Paths
the project owns outside the checkout on purpose (the tools cache under ``~/.cache``, ``/tmp``) are absolute and not
beside it, so they are left alone.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Spelled in two parts, so that this file does not name what it forbids.
SHARED = re.compile(r"\.\./" + "shared|" + "shared" + r"/anchors")
# A relative path that climbs: one or more ../ at the start of a path token.
CLIMB = re.compile(r"""(?:^|(?<=[\s"'(=:,\[`]))((?:\.\./)+)""")
FILE_PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]")
FILE_PARENT_CHAIN = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?((?:\.parent)+)\b")
ROOT_PARENT = re.compile(r"\b(?:ROOT|PROJECT_DIR)\.parent\b")


def project_files() -> list[str]:
    """Tracked files, and new ones git does not ignore (so a file not yet committed is judged too)."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return sorted({line for line in listing.stdout.splitlines() if (ROOT / line).is_file()})


def escapes(file: str, climbs: int) -> bool:
    """Whether climbing ``climbs`` directories from ``file``'s own directory leaves the repository."""
    return climbs > len(PurePosixPath(file).parts) - 1


def outside_references(file: str, text: str) -> list[str]:
    """Each line of ``text`` (the content of ``file``, relative to the root) that names a path outside the checkout."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        reasons = []
        if SHARED.search(line):
            reasons.append("names the shared folder beside the checkout")
        if any(escapes(file, len(m.group(1)) // 3) for m in CLIMB.finditer(line)):
            reasons.append("a relative path climbs out of the repository")
        # parents[0] is the file's directory: parents[n] is n directories above it.
        if any(escapes(file, int(m.group(1))) for m in FILE_PARENTS.finditer(line)):
            reasons.append("Path(__file__).parents[...] goes above the root")
        if any(escapes(file, m.group(1).count(".parent") - 1) for m in FILE_PARENT_CHAIN.finditer(line)):
            reasons.append("Path(__file__).parent... goes above the root")
        if ROOT_PARENT.search(line):
            reasons.append("the parent of the repository root")
        found += [f"{file}:{number}: {reason}: {line.strip()[:120]}" for reason in reasons]
    return found


def test_no_project_file_names_a_path_outside_the_checkout() -> None:
    problems = []
    # This file holds ways out as examples, each judged by the tests below.
    for file in [f for f in project_files() if f != "tests/test_self_contained.py"]:
        try:
            text = (ROOT / file).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text
        problems += outside_references(file, text)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "file, line",
    [
        ("benchmarks/scale_bench/anchors.py", 'ANCHORS_DIR = Path(__file__).resolve().parents[3] / "shared" / "anchors"'),
        ("tests/judges/paths.py", "ANCHORS = ROOT.parent / 'x'"),
        ("README.md", "git worktree add ../base origin/main"),
        ("Makefile", "\tcp ../other/file ."),
        ("tests/agents/test_x.py", "DATA = Path(__file__).parent.parent.parent.parent / 'data'"),
        ("local/tools/build.py", "see " + "../" + "shared/REAL-PARTS.md"),
    ],
)
def test_each_way_out_of_the_checkout_is_caught(file: str, line: str) -> None:
    assert outside_references(file, line)


@pytest.mark.parametrize(
    "file, line",
    [
        ("local/tools/build.py", "PROJECT_DIR = Path(__file__).resolve().parents[2]"),
        ("tests/conftest.py", "ROOT = Path(__file__).resolve().parent.parent"),
        ("local/metrics/install_prometheus.sh", 'cd "$(dirname "$0")/../.."'),
        ("local/metrics/manifests.py", "x = '../../README.md'"),
        ("local/cluster.py", 'KWOK_STAGES = BIN_DIR.parent / "kwok" / "stages"'),
        ("README.md", "binaries cached in `~/.cache/eks-daemonsets/tools`, and /tmp/corpus"),
    ],
)
def test_paths_inside_the_checkout_or_owned_elsewhere_pass(file: str, line: str) -> None:
    assert not outside_references(file, line)
