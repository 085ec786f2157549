"""Shared fixtures: run the real program under the recording mocks, from a stack file or a config map."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

# Hypothesis's per-example deadline is a timing assertion: on a loaded machine it fails tests that are right
# (test_every_priority_round_trips took 319 ms against 200 ms while the e2e suite ran). Speed is for the benchmarks.
settings.register_profile("eks-daemonsets", deadline=None)
settings.load_profile("eks-daemonsets")

from offline import mocks
from offline.mocks import RunResult

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "eks-daemonsets"


def dev_config() -> dict[str, Any]:
    """The dev stack's ``config`` map, as a fresh copy a test may change."""
    return copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"])


def run_config(config: Mapping[str, Any], *, stack: str = "test") -> RunResult:
    """Run ``__main__.py`` under the recording mocks with ``config`` (a stack file's ``config`` map)."""
    return mocks.run_config(config, stack=stack, project=PROJECT)


@pytest.fixture(scope="session")
def dev() -> RunResult:
    """One run of the dev stack, shared by the tests that only read it."""
    return run_config(dev_config(), stack="dev")


@pytest.fixture
def run() -> Callable[[Mapping[str, Any]], RunResult]:
    """:func:`run_config`, for a test that runs the program with a config of its own."""
    return run_config


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The stack fuzzer's figures (cases, time, slowest case), when it ran: printed, never asserted."""
    fuzz = sys.modules.get("tests.input.test_stack_fuzz")
    if fuzz is not None and fuzz.FIGURES.cases:
        terminalreporter.write_line(fuzz.FIGURES.line())
