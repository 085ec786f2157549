"""The justified skip list (checkov_skips.yaml): read and check it, and judge checkov's failures against it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from tests.judges.checkov import CheckovReport, Finding
from tests.judges.paths import SKIPS_FILE


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
