"""The bad-stack corpus: every invalid stack file is refused with one line naming the key, and nothing is created.

Each ``tests/bad_stacks/Pulumi.<case>.yaml`` is ``Pulumi.dev.yaml`` with one mistake, and starts with

    # expect: <the config key the message must name>
    # contains: <a fragment the message must hold>      (optional, repeatable)

Two ways in, both required:

- the command line (``python -m offline.render --config F --out D``), as a user runs it: exit code 2, one line
  on stderr starting ``error:`` and naming the key as ``<key>:``, no traceback, nothing written to ``D``. These run
  as subprocesses, all in one batch on two workers, once per session;
- in-process under the recording mocks: the program raises before a single resource is registered.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pytest
import yaml

from offline import mocks
from offline.render import read_project_name, read_stack_file
from tests.judges import BAD_STACKS_DIR, NAMESPACE, ROOT

BAD_STACKS = sorted(BAD_STACKS_DIR.glob("Pulumi.*.yaml"))
MIN_CASES = 30


@dataclass(frozen=True)
class Expectation:
    key: str
    fragments: tuple[str, ...]


def expectation(path: Path) -> Expectation:
    lines = path.read_text().splitlines()
    match = re.fullmatch(r"# expect: (\S.*\S|\S)", lines[0]) if lines else None
    if not match:
        raise ValueError(f"{path.name}: the first line must be '# expect: <config key>'")
    fragments = []
    for line in lines[1:]:
        contains = re.fullmatch(r"# contains: (.+)", line)
        if not contains:
            break
        fragments.append(contains[1])
    return Expectation(key=match[1], fragments=tuple(fragments))


def names_key(message: str, key: str) -> bool:
    """The message names ``key`` as one of its ``<key>: problem`` parts, not merely a key that starts with it."""
    return re.search(r"(?:^|\s)" + re.escape(key) + ":", message) is not None


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    wrote: list[str]


# The AWS provider falls back to these when aws:region is unset, and so does the program: a stack file's verdict must
# not depend on the shell that runs the tests.
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def _run_cli(path: Path, out: Path) -> CliResult:
    process = subprocess.run(
        [sys.executable, "-m", "offline.render", "--config", str(path), "--out", str(out)],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in REGION_VARIABLES},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    wrote = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) if out.exists() else []
    if out.exists() and not wrote:
        wrote = ["(the output directory itself)"]
    return CliResult(process.returncode, process.stdout, process.stderr, wrote)


@pytest.fixture(scope="session")
def cli_results(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, CliResult]:
    """Every bad stack through the command line, in one parallel batch (each run is a fresh interpreter)."""
    base = tmp_path_factory.mktemp("bad-stacks")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {path.name: pool.submit(_run_cli, path, base / path.stem / "out") for path in BAD_STACKS}
        return {name: future.result() for name, future in futures.items()}


# --------------------------------------------------------------------------------------------- the corpus itself


def test_corpus_is_large_enough_and_covers_every_area() -> None:
    assert len(BAD_STACKS) >= MIN_CASES, f"{len(BAD_STACKS)} bad stacks; at least {MIN_CASES} wanted"
    keys = [expectation(path).key for path in BAD_STACKS]
    areas = {
        "cluster": lambda k: k.startswith(f"{NAMESPACE}:cluster"),
        "node groups": lambda k: k.startswith(f"{NAMESPACE}:nodeGroups"),
        "agents": lambda k: k.startswith(f"{NAMESPACE}:agents.") and ".targeting" not in k and ".outputs" not in k,
        "targeting": lambda k: ".targeting" in k,
        "fluentd outputs": lambda k: k.startswith(f"{NAMESPACE}:agents.fluentd.outputs"),
        "coverage": lambda k: k.endswith(".coverage"),
    }
    thin = {area: sum(map(test, keys)) for area, test in areas.items() if sum(map(test, keys)) < 3}
    assert not thin, f"areas with fewer than 3 bad stacks: {thin}"


@pytest.mark.parametrize("path", BAD_STACKS, ids=lambda p: p.name)
def test_bad_stack_is_a_stack_file_with_an_expectation(path: Path) -> None:
    # Not compared with Pulumi.dev.yaml line by line: an edit of the dev stack must not break 58 tests. What keeps
    # each file to its one mistake is the key its message must name.
    assert expectation(path).key.startswith((f"{NAMESPACE}:", "aws:"))
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict) and isinstance(document.get("config"), dict), "not a Pulumi stack file"


# --------------------------------------------------------------------------------------------- the judges


@pytest.mark.parametrize("path", BAD_STACKS, ids=lambda p: p.name)
def test_cli_refuses_with_one_line_naming_the_key(path: Path, cli_results: Mapping[str, CliResult]) -> None:
    expected = expectation(path)
    result = cli_results[path.name]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, f"exit code {result.returncode}; stderr: {result.stderr}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"stderr has {len(lines)} lines, not one:\n{result.stderr}"
    assert lines[0].startswith(f"error: {path.name}: "), lines[0]
    assert names_key(lines[0], expected.key), f"does not name {expected.key}: {lines[0]}"
    for fragment in expected.fragments:
        assert fragment in lines[0], f"does not say {fragment!r}: {lines[0]}"
    assert result.wrote == [], f"wrote {result.wrote} for an invalid stack"
    assert "rendered" not in result.stdout, result.stdout


@pytest.mark.parametrize("path", BAD_STACKS, ids=lambda p: p.name)
def test_program_stops_before_registering_anything(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = expectation(path)
    monitors: list[mocks.RecordingMonitor] = []

    class WatchedMonitor(mocks.RecordingMonitor):
        def __init__(self, recording_mocks: mocks.RecordingMocks) -> None:
            super().__init__(recording_mocks)
            monitors.append(self)

    monkeypatch.setattr(mocks, "RecordingMonitor", WatchedMonitor)
    for variable in REGION_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    stack = read_stack_file(path, project=read_project_name(ROOT))
    with pytest.raises(pulumi.RunError) as caught:
        mocks.run_program(
            mocks.main_program(ROOT),
            config=stack.config,
            project=stack.project,
            stack=stack.stack,
            secret_keys=stack.secret_keys,
        )
    message = str(caught.value)
    assert names_key(message, expected.key), f"does not name {expected.key}: {message}"
    assert len(monitors) == 1, "run_program did not use the watched monitor"
    registered = [f"{r.type} {r.name}" for r in monitors[0].registrations]
    assert registered == [], f"registered before refusing the stack: {registered}"
