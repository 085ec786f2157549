"""Run Debian's promtool (prometheus 2.42) on rules files and rule unit tests; build kube-state-metrics series.

``promtool check rules`` parses and lints rules files as Prometheus loads them; ``promtool test rules`` evaluates
rules over synthetic series minute by minute and compares the firing alerts, labels and annotations exactly. A
machine without promtool skips these tests with the reason; ``make e2e-deps`` (which ``.ci/run`` runs first)
installs it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from components.monitoring import node_label

INSTALL_HINT = "promtool is missing: run `make e2e-deps` (installs Debian's prometheus package) to run these tests"


def promtool() -> str:
    """The promtool executable, or a skip that says how to get it."""
    found = shutil.which("promtool")
    if found is None:
        pytest.skip(INSTALL_HINT)
    return found


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str


def run(*args: str, cwd: Path) -> Outcome:
    done = subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    return Outcome(done.returncode, done.stdout + done.stderr)


def check_rules(*files: Path) -> Outcome:
    """``promtool check rules --lint=all --lint-fatal``: a parse error or a duplicate rule fails."""
    return run("check", "rules", "--lint=all", "--lint-fatal", *(str(f) for f in files), cwd=files[0].parent)


def unit_test_rules(directory: Path, rules_text: str, tests: Sequence[Mapping[str, Any]]) -> Outcome:
    """Write ``rules_text`` and a unit-test file of ``tests`` (promtool's ``tests:`` entries) and run them."""
    (directory / "rules.yaml").write_text(rules_text)
    document = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": list(tests)}
    (directory / "tests.yaml").write_text(yaml.safe_dump(document, sort_keys=False, width=1000))
    return run("test", "rules", "tests.yaml", cwd=directory)


# ------------------------------------------------------------------------------- synthetic kube-state-metrics series

#: Minutes of synthetic history every scenario runs over, one sample a minute.
MINUTES = 60


def present(start: int, end: Optional[int] = None, value: float = 1) -> str:
    """A sample a minute from ``start`` until ``end`` (exclusive), missing before, a staleness marker at ``end``.

    kube-state-metrics drops an object's series when it is deleted, and Prometheus marks them stale at the next
    scrape: the ``stale`` marker, not a 5-minute lookback, is what a real deletion looks like.
    """
    stop = MINUTES if end is None else end
    samples = ["_"] * start + [f"{value:g}"] * (stop - start)
    if end is not None:
        samples.append("stale")
    return " ".join(samples)


def samples(values: Sequence[float | None]) -> str:
    """One sample a minute from the list (``None``: no sample)."""
    return " ".join("_" if v is None else f"{v:g}" for v in values)


def _series(metric: str, labels: Mapping[str, str], values: str) -> dict[str, str]:
    inside = ",".join(f'{k}="{v}"' for k, v in labels.items() if v != "")
    return {"series": f"{metric}{{{inside}}}", "values": values}


@dataclass
class Cluster:
    """kube-state-metrics' view of a small cluster, written as promtool input series."""

    series: list[dict[str, str]] = field(default_factory=list)

    def node(
        self,
        name: str,
        *,
        start: int = 0,
        end: Optional[int] = None,
        labels: Optional[Mapping[str, str]] = None,
        taints: Iterable[tuple[str, str, str]] = (),
        labels_exported: bool = True,
    ) -> Cluster:
        """A node: ``kube_node_info``, ``kube_node_labels`` (the allowlisted labels) and a taint series each."""
        when = present(start, end)
        self.series.append(_series("kube_node_info", {"node": name, "kernel_version": "6.12"}, when))
        if labels_exported:
            node_labels = {"kubernetes.io/os": "linux", **(labels or {})}
            exported = {node_label(k): v for k, v in sorted(node_labels.items())}
            self.series.append(_series("kube_node_labels", {"node": name, **exported}, when))
        for key, value, effect in taints:
            self.series.append(_series("kube_node_spec_taint", {"node": name, "key": key, "value": value, "effect": effect}, when))
        return self

    def pod(
        self, agent: str, name: str, node: str, *, running: int, pending: Optional[int] = None, end: Optional[int] = None
    ) -> Cluster:
        """A pod of the DaemonSet ``agent`` (namespace and name alike): Pending from ``pending``, Running from ``running``."""
        created = running if pending is None else pending
        identity = {"namespace": agent, "pod": name, "uid": f"uid-{name}"}
        info = {**identity, "node": node, "created_by_kind": "DaemonSet", "created_by_name": agent}
        self.series.append(_series("kube_pod_info", info, present(created, end)))
        stop = MINUTES if end is None else end
        running_values = [None] * created + [0.0] * (running - created) + [1.0] * (stop - running)
        pending_values = [None] * created + [1.0] * (running - created) + [0.0] * (stop - running)
        for phase, values in (("Running", running_values), ("Pending", pending_values)):
            text = samples(values) + (" stale" if end is not None else "")
            self.series.append(_series("kube_pod_status_phase", {**identity, "phase": phase}, text))
        return self

    def daemonset(self, agent: str, *, desired: Sequence[float], unavailable: Sequence[float]) -> Cluster:
        """The DaemonSet's ``desiredNumberScheduled`` and ``numberUnavailable``, a value a minute."""
        labels = {"namespace": agent, "daemonset": agent}
        self.series.append(_series("kube_daemonset_status_desired_number_scheduled", labels, samples(desired)))
        self.series.append(_series("kube_daemonset_status_number_unavailable", labels, samples(unavailable)))
        return self


def alerts_at(minute: int, alertname: str, expected: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One ``alert_rule_test`` entry: exactly these alerts of ``alertname`` fire at ``minute``."""
    return {"eval_time": f"{minute}m", "alertname": alertname, "exp_alerts": list(expected)}


def scenario(cluster: Cluster, checks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A promtool test: ``cluster``'s series, one a minute, and the alert checks."""
    return {"interval": "1m", "input_series": cluster.series, "alert_rule_test": list(checks)}
