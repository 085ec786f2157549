"""Plumbing for the outside judges (kubernetes-validate, checkov, the bad-stack corpus), shared by their tests.

Also a small command line, for looking at checkov's verdicts by hand:

    .venv/bin/python -m tests.judges checkov               # failing check ids per DaemonSet on the dev render
    .venv/bin/python -m tests.judges checkov --config tests/stacks/Pulumi.large.yaml
    .venv/bin/python -m tests.judges checkov --manifests build/dev/manifests
    .venv/bin/python -m tests.judges anchors               # reproduce the anchors' figures (shared/anchors/README.md)

checkov is found through ``$CHECKOV`` (what ``make test`` sets), else ``.venv-checkov/bin/checkov``.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = ROOT / "tests" / "stacks"
BAD_STACKS_DIR = ROOT / "tests" / "bad_stacks"
SKIPS_FILE = ROOT / "tests" / "judges" / "checkov_skips.yaml"
ANCHORS_DIR = ROOT.parent / "shared" / "anchors"
JUDGES_BUILD_DIR = ROOT / "build" / "judges"
NAMESPACE = "eks-daemonsets"

# --------------------------------------------------------------------------------------------- stack files


def valid_stack_files() -> list[Path]:
    """Every valid stack file in the repo: ``Pulumi.<stack>.yaml`` at the root, then ``tests/stacks/``."""
    return sorted(ROOT.glob("Pulumi.*.yaml")) + sorted(STACKS_DIR.glob("Pulumi.*.yaml"))


def stack_label(path: Path) -> str:
    """A short, stable name for a stack file in test ids: its path from the repo root."""
    return path.resolve().relative_to(ROOT).as_posix()


def kubernetes_version(path: Path) -> str:
    """The stack's ``eks-daemonsets:cluster.kubernetesVersion``, or the settings' default."""
    from components.settings import ClusterSettings

    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    cluster = config.get(f"{NAMESPACE}:cluster") or {}
    default = ClusterSettings.model_fields["kubernetes_version"].default
    return str(cluster.get("kubernetesVersion", default))


# --------------------------------------------------------------------------------------------- renders


@dataclass
class Render:
    """One stack file rendered by ``offline.render.render`` into a temporary directory.

    Attributes:
        manifests: every Kubernetes object as read back from the written file, by its path under ``manifests/``.
        documents: the number of YAML documents in each file (one object per file is the render's promise).
        error: what the render raised, if it failed (then nothing else is set).
    """

    stack_file: Path
    out: Path
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)
    error: Optional[str] = None

    @property
    def manifests_dir(self) -> Path:
        return self.out / "manifests"

    def daemonsets(self) -> dict[str, dict[str, Any]]:
        """The DaemonSets by name."""
        return {m["metadata"]["name"]: m for m in self.manifests.values() if m.get("kind") == "DaemonSet"}


@functools.cache
def _render_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="eks-daemonsets-judges-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


@functools.cache
def rendered(stack_file: Path) -> Render:
    """Render ``stack_file`` once per process (in-process, through ``offline.render.render``)."""
    from offline.render import render

    stack_file = stack_file.resolve()
    out = _render_root() / stack_label(stack_file).replace("/", "__")
    result = Render(stack_file=stack_file, out=out)
    try:
        render(stack_file, out)
    except Exception as error:  # noqa: BLE001 - reported by the tests that need the render
        result.error = f"{type(error).__name__}: {error}"
        return result
    manifests_dir = out / "manifests"
    for path in sorted(manifests_dir.rglob("*.yaml")) if manifests_dir.exists() else ():
        relative = path.relative_to(manifests_dir).as_posix()
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        result.documents[relative] = len(documents)
        if documents:
            result.manifests[relative] = documents[0]
    return result


# --------------------------------------------------------------------------------------------- checkov

#: The release the anchors' figures were measured with (requirements-checkov.txt pins it).
CHECKOV_VERSION = "3.3.30"

#: Failed checks on each agent's DaemonSet (the DaemonSet resource itself, as the anchors are counted).
DAEMONSET_TARGETS: Mapping[str, int] = {"node-exporter": 3, "fluentd": 4, "falco": 6}

#: The anchors' figures (shared/anchors/README.md): (anchor file, DaemonSet name) -> failed checks on that DaemonSet.
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


# --------------------------------------------------------------------------------------------- skip list


@dataclass(frozen=True)
class Skip:
    """One accepted checkov finding (an entry of tests/judges/checkov_skips.yaml)."""

    daemonset: str
    check: str
    reason: str
    resource: Optional[str] = None  # "Kind/name" of another object of the agent; None: the DaemonSet itself

    def label(self) -> str:
        return f"{self.daemonset} {self.check}" + (f" on {self.resource}" if self.resource else "")


_CHECK_ID = re.compile(r"^CKV2?_K8S_\d+$")
_RESOURCE_REF = re.compile(r"^[A-Z][A-Za-z]*/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_MIN_REASON = 30


def load_skips(path: Path = SKIPS_FILE) -> list[Skip]:
    """Read and check the skip list.

    Raises:
        ValueError: the file breaks the format; the message names the entry and the field.
    """
    document = yaml.safe_load(path.read_text()) or {}
    if not isinstance(document, dict) or set(document) != {"skips"}:
        raise ValueError(f"{path.name}: a map with one key, 'skips' (a list, possibly empty)")
    entries = document["skips"] or []
    if not isinstance(entries, list):
        raise ValueError(f"{path.name}: skips: a list of entries")
    skips: list[Skip] = []
    seen: set[tuple[str, str, Optional[str]]] = set()
    for index, entry in enumerate(entries):
        where = f"{path.name}: skips[{index}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: a map with daemonset, check, reason and optionally resource")
        unknown = set(entry) - {"daemonset", "check", "reason", "resource"}
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: daemonset, check, reason, resource")
        daemonset, check, reason = entry.get("daemonset"), entry.get("check"), entry.get("reason")
        resource = entry.get("resource")
        if not isinstance(daemonset, str) or not daemonset:
            raise ValueError(f"{where}.daemonset: the agent's DaemonSet name, e.g. node-exporter")
        if not isinstance(check, str) or not _CHECK_ID.match(check):
            raise ValueError(f"{where}.check: {check!r} is not a checkov Kubernetes check id such as CKV_K8S_17")
        if not isinstance(reason, str) or len(reason.strip()) < _MIN_REASON:
            raise ValueError(f"{where}.reason: say why the agent needs this, in at least {_MIN_REASON} characters")
        if resource is not None and (not isinstance(resource, str) or not _RESOURCE_REF.match(resource)):
            raise ValueError(f"{where}.resource: {resource!r} is not Kind/name, e.g. ConfigMap/fluentd")
        key = (daemonset, check, resource)
        if key in seen:
            raise ValueError(f"{where}: {daemonset} {check} is listed twice")
        seen.add(key)
        skips.append(Skip(daemonset=daemonset, check=check, reason=" ".join(reason.split()), resource=resource))
    return skips


def subject_of(finding: Finding, manifests: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """The rendered object a finding is about, as ``(kind, name)``.

    The render writes one object per file, so the file says which object it is; the Pod checkov derives from a
    DaemonSet's template lives in the DaemonSet's file, and so counts as the DaemonSet.
    """
    manifest = manifests.get(finding.relative_file)
    if manifest is None:
        return finding.kind, finding.resource
    return str(manifest.get("kind")), str(manifest.get("metadata", {}).get("name"))


def skip_matches(skip: Skip, finding: Finding, manifests: Mapping[str, Mapping[str, Any]]) -> bool:
    if finding.check_id != skip.check:
        return False
    kind, name = subject_of(finding, manifests)
    if skip.resource is None:
        return (kind, name) == ("DaemonSet", skip.daemonset)
    return f"{kind}/{name}" == skip.resource


def judge(report: CheckovReport, manifests: Mapping[str, Mapping[str, Any]], skips: Iterable[Skip]) -> dict[str, Any]:
    """Failed checks split into accepted (by a skip) and unjustified, and the skips no failure needs any more."""
    skips = list(skips)
    failed = report.with_result("FAILED")
    unjustified = [f for f in failed if not any(skip_matches(s, f, manifests) for s in skips)]
    stale = [s for s in skips if not any(skip_matches(s, f, manifests) for f in failed)]
    return {"failed": failed, "unjustified": unjustified, "stale": stale}


def daemonset_summary(report: CheckovReport, render: Render, skips: Iterable[Skip]) -> dict[str, Any]:
    """Per-DaemonSet figures: failed checks on the DaemonSet (the anchors' yardstick) and those on its derived Pod."""
    skips = list(skips)
    summary: dict[str, Any] = {}
    for name, manifest in sorted(render.daemonsets().items()):
        namespace = manifest["metadata"].get("namespace")
        on_daemonset = report.on_daemonset(name, namespace=namespace)
        path = next(p for p, m in render.manifests.items() if m is manifest)
        derived = [f for f in report.with_result("FAILED") if f.relative_file == path and f.kind == "Pod"]
        anchor = ANCHOR_OF.get(name)
        summary[name] = {
            "failed": len(on_daemonset),
            "target": DAEMONSET_TARGETS.get(name),
            "anchor": ANCHOR_FIGURES[anchor] if anchor else None,
            "failed_checks": [f.check_id for f in on_daemonset],
            "derived_pod_failed_checks": [f.check_id for f in derived],
            "skipped_by_list": sorted(
                {f.check_id for f in on_daemonset + derived if any(skip_matches(s, f, render.manifests) for s in skips)}
            ),
            "passed": len(report.on_daemonset(name, namespace=namespace, result="PASSED")),
        }
    return summary


def write_summary(name: str, document: Any) -> Path:
    """Write a judge's figures under build/judges/ (pytest -s is not needed to see them)."""
    JUDGES_BUILD_DIR.mkdir(parents=True, exist_ok=True)
    path = JUDGES_BUILD_DIR / name
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return path


# --------------------------------------------------------------------------------------------- command line


def _print_render_report(render: Render, report: CheckovReport, skips: list[Skip]) -> int:
    verdict = judge(report, render.manifests, skips)
    print(f"{' '.join(report.command)}\ncheckov {report.version}: {report.summary}\n")
    summary = daemonset_summary(report, render, skips)
    print(f"{'DaemonSet':<16}{'failed':>7}{'target':>8}{'anchor':>8}  failed check ids (* = in the skip list)")
    for name, row in summary.items():
        ids = " ".join(f"{c}{'*' if c in row['skipped_by_list'] else ''}" for c in row["failed_checks"])
        derived = " ".join(row["derived_pod_failed_checks"])
        print(f"{name:<16}{row['failed']:>7}{row['target'] or '-':>8}{row['anchor'] or '-':>8}  {ids}")
        if derived:
            print(f"{'':<39}derived Pod: {derived}")
    missing = sorted(set(DAEMONSET_TARGETS) - set(summary))
    if missing:
        print(f"\nnot rendered: {', '.join(missing)}")
    for finding in verdict["unjustified"]:
        if finding.kind != "DaemonSet":
            print(f"unjustified: {finding.check_id} {finding.check_name} on {finding.resource} ({finding.file})")
    for skip in verdict["stale"]:
        print(f"stale skip: {skip.label()}")
    if not verdict["unjustified"] and not verdict["stale"]:
        print("\nno unjustified failure, no stale skip")
    return 1 if verdict["unjustified"] or verdict["stale"] or missing else 0


def _anchors(directory: Path) -> int:
    files = sorted({directory / f for f, _ in ANCHOR_FIGURES})
    report = run_checkov(files=files)
    print(f"{' '.join(report.command)}\ncheckov {report.version}\n")
    print(f"{'anchor':<52}{'DaemonSet':<20}{'failed':>7}{'README':>8}")
    status = 0
    for (file, name), expected in sorted(ANCHOR_FIGURES.items()):
        failed = [
            f for f in report.findings
            if f.result == "FAILED" and f.kind == "DaemonSet" and f.resource.split(".", 2)[2:] == [name]
            and Path(f.file).name == file
        ]
        mark = "" if len(failed) == expected else "  <- differs"
        status |= bool(mark)
        print(f"{file:<52}{name:<20}{len(failed):>7}{expected:>8}{mark}")
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.judges", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    checkov = commands.add_parser("checkov", help="failing checkov check ids per DaemonSet of a render")
    source = checkov.add_mutually_exclusive_group()
    source.add_argument("--config", type=Path, help="a stack file to render (default: Pulumi.dev.yaml)")
    source.add_argument("--manifests", type=Path, help="an existing render's manifests/ directory")
    anchors = commands.add_parser("anchors", help="checkov on the anchors, against the README's figures")
    anchors.add_argument("--dir", type=Path, default=ANCHORS_DIR)
    args = parser.parse_args(argv)
    try:
        if args.command == "anchors":
            return _anchors(args.dir)
        if args.manifests:
            render = Render(stack_file=Path("-"), out=args.manifests.parent)
            for path in sorted(args.manifests.rglob("*.yaml")):
                render.manifests[path.relative_to(args.manifests).as_posix()] = yaml.safe_load(path.read_text())
        else:
            render = rendered(args.config or ROOT / "Pulumi.dev.yaml")
            if render.error:
                print(f"render failed: {render.error}", file=sys.stderr)
                return 2
        return _print_render_report(render, run_checkov(directory=render.manifests_dir), load_skips())
    except CheckovUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
