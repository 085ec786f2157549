"""The valid stack files, and each one rendered once per process for the judges to read."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from tests.judges.paths import ROOT, STACKS_DIR

# The Pulumi project name, which prefixes every key of a stack file's config (``eks-daemonsets:cluster``).
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
