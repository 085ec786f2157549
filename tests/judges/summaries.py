"""The per-DaemonSet checkov figures, beside their targets and anchors, written under build/judges/."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.judges.checkov import ANCHOR_FIGURES, ANCHOR_OF, DAEMONSET_TARGETS, CheckovReport
from tests.judges.paths import JUDGES_BUILD_DIR
from tests.judges.renders import Render
from tests.judges.skips import Skip, skip_matches


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
