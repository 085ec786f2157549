"""checkov: where to find it, how to run it on a render or on files, its findings, and the figures to beat."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from tests.judges.paths import ROOT

#: The release the anchors' figures were measured with (requirements-checkov.txt pins it).
CHECKOV_VERSION = "3.3.30"

#: Failed checks on each agent's DaemonSet (the DaemonSet resource itself, as the anchors are counted).
DAEMONSET_TARGETS: Mapping[str, int] = {"node-exporter": 3, "fluentd": 4, "falco": 6}

#: The anchors' figures, measured with checkov 3.3.30 on each manifest as its project ships it (the sources are in
#: benchmarks/scale_bench/anchors.yaml): (anchor file, DaemonSet name) -> failed checks on that DaemonSet.
ANCHOR_FIGURES: Mapping[tuple[str, str], int] = {
    ("kube-prometheus-node-exporter.yaml", "node-exporter"): 10,
    ("fluentd-kubernetes-daemonset-cloudwatch-rbac.yaml", "fluentd"): 15,
    ("cloudwatch-container-insights-fluentd.yaml", "fluentd-cloudwatch"): 19,
    ("cloudwatch-container-insights-fluent-bit.yaml", "fluent-bit"): 15,
    ("falco-deploy-kubernetes.yaml", "falco"): 21,
}

#: The anchor each of our DaemonSets is measured against.
ANCHOR_OF: Mapping[str, tuple[str, str]] = {
    "node-exporter": ("kube-prometheus-node-exporter.yaml", "node-exporter"),
    "fluentd": ("fluentd-kubernetes-daemonset-cloudwatch-rbac.yaml", "fluentd"),
    "falco": ("falco-deploy-kubernetes.yaml", "falco"),
}


class CheckovUnavailable(RuntimeError):
    """checkov can't be found or can't run: the suite must fail, never skip, since CI has to run it."""


def checkov_executable() -> Path:
    """``$CHECKOV`` if set, else ``<repo>/.venv-checkov/bin/checkov``.

    Raises:
        CheckovUnavailable: neither is an executable file.
    """
    configured = os.environ.get("CHECKOV")
    candidate = Path(configured) if configured else ROOT / ".venv-checkov" / "bin" / "checkov"
    if not (candidate.is_file() and os.access(candidate, os.X_OK)):
        source = f"$CHECKOV={configured}" if configured else f"{candidate} ($CHECKOV is not set)"
        raise CheckovUnavailable(
            f"checkov not found at {source}. Install it in its own virtualenv (it pins packaging<24): "
            f"python3 -m venv .venv-checkov && .venv-checkov/bin/pip install -r requirements-checkov.txt, "
            f"or run `make test`, which does that and sets CHECKOV."
        )
    return candidate


@dataclass(frozen=True)
class Finding:
    """One checkov result: a check on one resource.

    ``resource`` is checkov's ``Kind.namespace.name`` (for the Pod it derives from a DaemonSet's template, the name
    is followed by the template's labels); ``file`` is the path checkov prints, relative to the scanned directory.
    """

    check_id: str
    check_name: str
    result: str
    resource: str
    file: str

    @property
    def kind(self) -> str:
        return self.resource.split(".", 1)[0]

    @property
    def relative_file(self) -> str:
        return self.file.lstrip("/")


@dataclass(frozen=True)
class CheckovReport:
    command: tuple[str, ...]
    version: str
    findings: tuple[Finding, ...]
    summary: Mapping[str, Any]

    def with_result(self, result: str) -> list[Finding]:
        return [f for f in self.findings if f.result == result]

    def on_daemonset(self, name: str, *, namespace: Optional[str] = None, result: str = "FAILED") -> list[Finding]:
        """Findings on the DaemonSet resource itself (not the Pod checkov derives from it), as the anchors count."""
        return [
            f
            for f in self.findings
            if f.result == result
            and f.kind == "DaemonSet"
            and f.resource.split(".", 2)[2:] == [name]
            and (namespace is None or f.resource.split(".", 2)[1] == namespace)
        ]


def _findings(document: Any) -> tuple[list[Finding], dict[str, Any]]:
    """checkov 3.3.30's JSON, in the shapes it has: one report per framework (a dict, or a list of them when several
    frameworks ran), or, when nothing was scanned, just the summary dict."""
    reports = document if isinstance(document, list) else [document]
    findings: list[Finding] = []
    summary: dict[str, Any] = {}
    for report in reports:
        if "results" not in report:  # nothing scanned: {"passed": 0, "failed": 0, ..., "checkov_version": ...}
            summary = dict(report)
            continue
        if report.get("check_type") != "kubernetes":
            continue
        summary = dict(report.get("summary", {}))
        for key, result in (("passed_checks", "PASSED"), ("failed_checks", "FAILED"), ("skipped_checks", "SKIPPED")):
            for item in report["results"].get(key, []):
                findings.append(
                    Finding(
                        check_id=item["check_id"],
                        check_name=item.get("check_name", ""),
                        result=result,
                        resource=item["resource"],
                        file=item["file_path"],
                    )
                )
    findings.sort(key=lambda f: (f.file, f.resource, f.check_id, f.result))
    return findings, summary


def run_checkov(*, directory: Optional[Path] = None, files: Sequence[Path] = ()) -> CheckovReport:
    """Run checkov's Kubernetes checks on a directory or on files, and parse its JSON report.

    ``--skip-download`` keeps it offline (otherwise it tries to fetch Prisma Cloud guidelines and logs a traceback);
    no ``--quiet``, so passed checks are reported too and a resource checkov never looked at can be told apart from
    one that passed everything.

    Raises:
        CheckovUnavailable: checkov is missing, or exited with something other than 0 (all passed) / 1 (some failed).
    """
    executable = checkov_executable()
    command = [str(executable)]
    # Absolute paths: with a relative directory, checkov 3.3.30 reports the Pods it derives from DaemonSets under a
    # doubled path (dir/dir/file), and file_path is no longer relative to the scanned directory.
    if directory is not None:
        command += ["-d", str(directory.resolve())]
    for path in files:
        command += ["-f", str(path.resolve())]
    command += ["--framework", "kubernetes", "-o", "json", "--skip-download"]
    process = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if process.returncode not in (0, 1):
        raise CheckovUnavailable(f"{' '.join(command)} exited {process.returncode}: {process.stderr.strip()[-2000:]}")
    try:
        document = json.loads(process.stdout)
    except json.JSONDecodeError as error:
        raise CheckovUnavailable(f"{' '.join(command)} did not print JSON ({error}): {process.stdout[:500]}") from None
    findings, summary = _findings(document)
    return CheckovReport(
        command=tuple(command),
        version=str(summary.get("checkov_version", "")),
        findings=tuple(findings),
        summary=summary,
    )
