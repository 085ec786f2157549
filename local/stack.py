"""The real Pulumi engine on this project, offline: the CLI built by ``local/tools/build.py``, a file backend under
``build/local``, the Kubernetes provider from PATH, and nothing fetched.

The program runs through Pulumi's Automation API as an inline program: the API serves the language runtime from
this Python process (``pulumi up --client``), and the program is the project's own ``__main__.py``, run as the
Python language host would run it. (The Python language host itself can't be built here: the module proxy serves no
version of ``github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3``.) The engine, the state, the
provider and its await logic are the real ones.
"""

from __future__ import annotations

import os
import runpy
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional

import yaml
from pulumi import automation as auto

from local.tools.build import BIN_DIR, FAMILIES, build

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = PROJECT_DIR / "build" / "local"
PROJECT_NAME = "eks-daemonsets"
# The file backend encrypts stack secrets with this passphrase. The local state holds nothing but a kubeconfig
# for a throwaway cluster on loopback.
LOCAL_PASSPHRASE = "eks-daemonsets-local"


def offline_env(home: Path) -> dict[str, str]:
    """What the CLI needs to run with no network: its home and backend under build/, plugins from PATH only."""
    return {
        "PULUMI_HOME": str(home / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{home / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        # The provider is found on PATH; the engine warns that it is "from $PATH" on every run, which is the point.
        "PATH": f"{BIN_DIR}:{os.environ.get('PATH', '')}",
    }


def _program() -> None:
    """The project's ``__main__.py``, run as the language host runs it: as __main__, from the project directory."""
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")


class LocalStack:
    """One stack of this project on the local backend, configured from a stack file.

    Args:
        stack_file: a ``Pulumi.<stack>.yaml``; its ``config`` is copied as is (the file is not changed).
        name: the stack name on the local backend.
        home: where the backend, PULUMI_HOME and the workspace live (default ``build/local/<name>``).
        extra_config: ``key -> value`` set with ``pulumi config set --path`` after the file's own config, e.g. the
            existing-cluster keys that point the program at the local cluster.
    """

    def __init__(
        self,
        stack_file: Path,
        name: str,
        *,
        home: Optional[Path] = None,
        extra_config: Mapping[str, str] = {},
        secret_config: Mapping[str, str] = {},
    ) -> None:
        self.stack_file = stack_file
        self.name = name
        self.home = home or LOCAL_DIR / name
        self.extra_config = dict(extra_config)
        self.secret_config = dict(secret_config)
        self._stack: Optional[auto.Stack] = None

    def _workspace_dir(self) -> Path:
        work = self.home / "workspace"
        work.mkdir(parents=True, exist_ok=True)
        return work

    def stack(self) -> auto.Stack:
        if self._stack is not None:
            return self._stack
        build([f for f in FAMILIES if f.name in ("pulumi", "pulumi-kubernetes")], out=sys.stderr)
        work = self._workspace_dir()
        (self.home / "state").mkdir(parents=True, exist_ok=True)
        document = yaml.safe_load(self.stack_file.read_text()) or {}
        # The workspace's copy of the stack file: the same config, our own secrets provider.
        (work / f"Pulumi.{self.name}.yaml").write_text(yaml.safe_dump({"config": document.get("config") or {}}))
        options = auto.LocalWorkspaceOptions(
            work_dir=str(work),
            pulumi_home=str(self.home / "pulumi-home"),
            env_vars=offline_env(self.home),
            project_settings=auto.ProjectSettings(name=PROJECT_NAME, runtime="python"),
            secrets_provider="passphrase",
            pulumi_command=auto.PulumiCommand(root=str(BIN_DIR.parent)),
        )
        self._stack = auto.create_or_select_stack(self.name, PROJECT_NAME, _program, opts=options)
        for key, value in self.extra_config.items():
            self._stack.set_config(key, auto.ConfigValue(value), path=True)
        for key, value in self.secret_config.items():
            self._stack.set_config(key, auto.ConfigValue(value, secret=True), path=True)
        return self._stack

    def set_config_path(self, key: str, value: str) -> None:
        """``pulumi config set --path key value``: what the README tells users to run."""
        self.stack().set_config(key, auto.ConfigValue(value), path=True)

    def preview(self, on_output: Optional[Callable[[str], Any]] = None) -> auto.PreviewResult:
        return self.stack().preview(on_output=on_output, color="never")

    def up(self, on_output: Optional[Callable[[str], Any]] = None) -> auto.UpResult:
        return self.stack().up(on_output=on_output, color="never")

    def destroy(self, on_output: Optional[Callable[[str], Any]] = None) -> auto.DestroyResult:
        return self.stack().destroy(on_output=on_output, color="never")

    def outputs(self) -> dict[str, Any]:
        return {key: value.value for key, value in self.stack().outputs().items()}

    def remove(self) -> None:
        """Forget the stack and its workspace (after a destroy)."""
        try:
            self.stack().workspace.remove_stack(self.name)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)
            self._stack = None
