"""The end-to-end suite's fixtures: the tools, one local cluster for the session, and a table of timings.

Every server the suite needs is started here and stopped here: the cluster is a context manager held by a session
fixture, so no test can leave a process running.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from local.tools.build import build
from local.cluster import LocalCluster

TIMINGS: dict[str, float] = {}


def record(name: str, seconds: float) -> None:
    TIMINGS[name] = seconds


@pytest.fixture(scope="session")
def tools() -> dict[str, float]:
    """Build what is missing (seconds per family, 0 where cached); then the cached build, timed."""
    first = build()
    record("tools build (this run)", sum(first.values()))
    started = time.monotonic()
    build()
    record("tools build (cached)", time.monotonic() - started)
    return first


@pytest.fixture(scope="session")
def cluster(tools: dict[str, float]) -> Iterator[LocalCluster]:
    local = LocalCluster("eks-daemonsets-e2e", port=16444)
    started = time.monotonic()
    with local:
        record("cluster start", time.monotonic() - started)
        yield local


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001 (pytest's signature)
    if not TIMINGS:
        return
    terminalreporter.section("end-to-end timings")
    for name, seconds in TIMINGS.items():
        terminalreporter.write_line(f"{name:<40} {seconds:8.1f} s")
