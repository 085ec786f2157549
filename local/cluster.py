"""A Kubernetes 1.35 control plane on loopback, with kwok's simulated kubelets, started and stopped by kwokctl.

    with LocalCluster() as cluster:          # start, and stop whatever happens
        cluster.apply(nodes_for(settings))
        cluster.kubectl("get", "nodes")

    python -m local.cluster up [--nodes-from Pulumi.dev.yaml]
    python -m local.cluster down

kwokctl's ``binary`` runtime runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the kwok
controller as local processes from the binaries ``local/tools/build.py`` built; it generates the PKI and the
service-account keys under ``build/local/kwok``, and keeps a pid file per process, so ``down`` stops exactly what
``up`` started. Every component binds 127.0.0.1. The API server runs with RBAC and the admission plugins that matter
on EKS (NodeRestriction, PodSecurity, ServiceAccount among the defaults); the scheduler and the DaemonSet
controller are the real ones.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import yaml

from local.processes import port_owner, process_alive
from local.tools.build import BIN_DIR, FAMILIES, build

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = PROJECT_DIR / "build" / "local"
DEFAULT_NAME = "eks-daemonsets"
DEFAULT_PORT = 16443
KWOK_STAGES = BIN_DIR.parent / "kwok" / "stages"
# What EKS runs its API servers with, beside the defaults of kube-apiserver 1.35 (which include PodSecurity,
# ServiceAccount, DefaultTolerationSeconds and the webhooks).
ADMISSION_PLUGINS = "NodeRestriction,PodSecurity,ServiceAccount"


class ClusterError(Exception):
    """The local cluster can't start or be reached; the message says why."""


class LocalCluster:
    """One kwokctl cluster on loopback: a context manager that stops it on exit.

    Args:
        name: the kwokctl cluster name; its files live in ``build/local/kwok/clusters/<name>``.
        port: the API server's port on 127.0.0.1.
        workdir: kwokctl's work directory (KWOK_WORKDIR).
    """

    def __init__(self, name: str = DEFAULT_NAME, *, port: int = DEFAULT_PORT, workdir: Path = LOCAL_DIR / "kwok"):
        self.name = name
        self.port = port
        self.workdir = workdir
        self.kubeconfig = LOCAL_DIR / f"{name}.kubeconfig"

    # -- kwokctl --------------------------------------------------------------------------------------------------
    def _kwokctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "KWOK_WORKDIR": str(self.workdir), "PATH": f"{BIN_DIR}:{os.environ.get('PATH', '')}"}
        return subprocess.run(
            [str(BIN_DIR / "kwokctl"), "--name", self.name, *args], env=env, check=check, capture_output=True, text=True
        )

    @property
    def cluster_dir(self) -> Path:
        return self.workdir / "clusters" / self.name

    def running_pids(self) -> dict[str, int]:
        """The processes of this cluster that are alive, by component, read from kwokctl's pid files."""
        alive = {}
        for pid_file in sorted((self.cluster_dir / "pids").glob("*.pid")):
            try:
                pid = int(pid_file.read_text().strip())
            except (ValueError, OSError):
                continue
            if process_alive(pid):
                alive[pid_file.stem] = pid
        return alive

    def config_documents(self) -> list[dict[str, Any]]:
        """kwokctl's configuration, then the kwok stages copied from kwok's module at build time."""
        options = {
            "runtime": "binary",
            "bindAddress": "127.0.0.1",
            "kubeApiserverPort": self.port,
            "kubeAuthorization": True,
            "kubeAdmission": True,
            "securePort": True,
            # kwok's simulated nodes are many and quick; the client-side rate limits only slow the test down.
            "disableQPSLimits": True,
            "quietPull": True,
        }
        binaries = {
            "kubeApiserverBinary": "kube-apiserver",
            "kubeControllerManagerBinary": "kube-controller-manager",
            "kubeSchedulerBinary": "kube-scheduler",
            "kwokControllerBinary": "kwok",
            "etcdBinary": "etcd",
        }
        options.update({key: str((BIN_DIR / command).resolve()) for key, command in binaries.items()})
        documents: list[dict[str, Any]] = [
            {
                "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
                "kind": "KwokctlConfiguration",
                "options": options,
                "componentsPatches": [
                    {
                        "name": "kube-apiserver",
                        "extraArgs": [{"key": "enable-admission-plugins", "value": ADMISSION_PLUGINS}],
                    }
                ],
            }
        ]
        stages = sorted(KWOK_STAGES.glob("*.yaml"))
        if not stages:
            raise ClusterError(f"no kwok stages in {KWOK_STAGES}: run `python -m local.tools.build kwok` first")
        for stage in stages:
            documents.extend(d for d in yaml.safe_load_all(stage.read_text()) if d)
        return documents

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def check_can_start(self) -> None:
        alive = self.running_pids()
        if alive:
            listed = ", ".join(f"{name} (pid {pid})" for name, pid in alive.items())
            raise ClusterError(
                f"local cluster {self.name!r} is still up: {listed}; stop it first (make local-down)"
            )
        owner = port_owner(self.port)
        if owner:
            raise ClusterError(f"port 127.0.0.1:{self.port} is taken by {owner}; the local cluster needs it")

    def start(self, *, timeout_seconds: int = 180) -> "LocalCluster":
        build([f for f in FAMILIES if f.name in ("kube", "etcd", "kwok")], out=sys.stderr)
        self.check_can_start()
        if self.cluster_dir.exists():
            # A cluster that was not stopped cleanly (its processes are gone): clear its files, keep nothing stale.
            self._kwokctl("delete", "cluster", "--kubeconfig", str(self.kubeconfig), check=False)
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        config = LOCAL_DIR / f"{self.name}.kwokctl.yaml"
        config.write_text(yaml.safe_dump_all(self.config_documents(), sort_keys=True))
        started = time.monotonic()
        created = self._kwokctl(
            "create", "cluster", "--config", str(config), "--kubeconfig", str(self.kubeconfig),
            "--wait", f"{timeout_seconds}s", check=False,
        )
        if created.returncode != 0:
            logs = self.cluster_dir / "logs"
            self.stop()
            raise ClusterError(f"kwokctl create cluster failed:\n{created.stderr.strip()}\n(component logs: {logs})")
        self.start_seconds = time.monotonic() - started
        self.kubectl("wait", "--for=condition=Available", "--timeout=60s", "apiservice/v1.apps")
        return self

    def stop(self) -> None:
        """Stop this cluster's processes (kwokctl's pid files) and remove its files; nothing else is touched."""
        pids = list(self.running_pids().values())
        if self.cluster_dir.exists():
            self._kwokctl("delete", "cluster", "--kubeconfig", str(self.kubeconfig), check=False)
        deadline = time.monotonic() + 30
        while pids and time.monotonic() < deadline:
            pids = [pid for pid in pids if process_alive(pid)]
            time.sleep(0.2)

    def __enter__(self) -> "LocalCluster":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- talking to it ----------------------------------------------------------------------------------------------
    def kubectl(self, *args: str, input: Optional[str] = None, check: bool = True) -> str:
        result = subprocess.run(
            [str(BIN_DIR / "kubectl"), "--kubeconfig", str(self.kubeconfig), *args],
            input=input, capture_output=True, text=True,
        )
        if check and result.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def apply(self, objects: Iterable[Mapping[str, Any]]) -> None:
        """Server-side apply of ``objects`` (a List, so thousands of nodes take one call)."""
        items = list(objects)
        if items:
            document = {"apiVersion": "v1", "kind": "List", "items": items}
            self.kubectl("apply", "--server-side", "--field-manager=eks-daemonsets-local", "-f", "-", input=json.dumps(document))

    def get(self, *args: str) -> dict[str, Any]:
        return json.loads(self.kubectl("get", *args, "-o", "json"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Start or stop the local cluster")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--name", default=DEFAULT_NAME)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    cluster = LocalCluster(args.name, port=args.port)
    try:
        if args.action == "up":
            cluster.start()
            print(f"local cluster {cluster.name} up in {cluster.start_seconds:.1f} s; KUBECONFIG={cluster.kubeconfig}")
        elif args.action == "down":
            cluster.stop()
            print(f"local cluster {cluster.name} stopped")
        else:
            alive = cluster.running_pids()
            print(json.dumps(alive, indent=2, sort_keys=True) if alive else f"local cluster {cluster.name} is not running")
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
