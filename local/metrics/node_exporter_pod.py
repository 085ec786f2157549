"""node-exporter behind kube-rbac-proxy as local processes, run with the arguments the rendered DaemonSet gives them.

The two containers' arguments are read from the rendered DaemonSet, never restated, and mapped to this machine as a
kubelet would map them (``container_args.py``). Each process runs as its container's ``runAsUser``/``runAsGroup``
when this process is root (root's capabilities go with the user switch), and is stopped by the object that started
it.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.metrics.container_args import NODE_IP, local_args, run_as
from local.metrics.manifests import KUBE_RBAC_PROXY, NODE_EXPORTER, MetricsPathError, container
from local.processes import free_port, port_owner, stop_process
from local.tools.build import BIN_DIR

BINARIES = {NODE_EXPORTER: "node_exporter", KUBE_RBAC_PROXY: "kube-rbac-proxy"}


def _http_ok(host: str, port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=2)
        connection.request("GET", path)
        return 200 <= connection.getresponse().status < 400
    except OSError:
        return False
    finally:
        connection.close()


def _tcp_ok(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


class NodeExporterPod:
    """The node-exporter DaemonSet's two containers as local processes: a context manager that stops both.

    Args:
        daemonset: the rendered node-exporter DaemonSet.
        kubeconfig: what kube-rbac-proxy authenticates to the API server with (its TokenReviews and
            SubjectAccessReviews go there).
        workdir: where the processes' logs go.
        node_ip: the node's IP, which ``$(IP)`` expands to.
    """

    def __init__(self, daemonset: Mapping[str, Any], *, kubeconfig: Path, workdir: Path, node_ip: str = NODE_IP):
        self.pod_spec = daemonset["spec"]["template"]["spec"]
        self.exporter = container(daemonset, NODE_EXPORTER)
        self.proxy = container(daemonset, KUBE_RBAC_PROXY)
        self.kubeconfig = kubeconfig
        self.workdir = workdir
        self.node_ip = node_ip
        self.processes: dict[str, subprocess.Popen] = {}
        probe = self.exporter["readinessProbe"]["httpGet"]
        self.exporter_probe = (probe.get("host", node_ip), int(probe["port"]), probe["path"])
        (https,) = [p["containerPort"] for p in self.proxy["ports"] if p["name"] == "https"]
        # The manifest's ports, kept where free on this machine; a taken one gets a free high port instead.
        self.ports = {
            port: port if port_owner(port) is None else free_port() for port in (https, self.exporter_probe[1])
        }
        self.https_port = self.ports[https]
        self.exporter_port = self.ports[self.exporter_probe[1]]

    @property
    def metrics_url(self) -> str:
        return f"https://{self.node_ip}:{self.https_port}/metrics"

    def moved_ports(self) -> dict[int, int]:
        """The manifest's ports that were taken here, and the free ones used instead."""
        return {rendered: used for rendered, used in self.ports.items() if rendered != used}

    def _as_user(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        user, group = run_as(self.pod_spec, spec)
        if os.geteuid() != 0 or user is None:
            return {}
        return {"user": user, "group": group if group is not None else user, "extra_groups": []}

    def binary(self, name: str) -> Path:
        built = (BIN_DIR / BINARIES[name]).resolve()
        if not self._as_user(self.exporter if name == NODE_EXPORTER else self.proxy):
            return built
        # The tools cache sits under root's home (0700 on Debian): a copy the container's user can execute.
        copy = self.workdir / "bin" / BINARIES[name]
        if not copy.exists() or copy.stat().st_size != built.stat().st_size or copy.stat().st_mtime < built.stat().st_mtime:
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, copy)
            copy.chmod(0o755)
        return copy

    def command(self, name: str) -> list[str]:
        spec = self.exporter if name == NODE_EXPORTER else self.proxy
        args = local_args(self.pod_spec, spec, ports=self.ports, node_ip=self.node_ip)
        if name == KUBE_RBAC_PROXY:
            args.append(f"--kubeconfig={self.kubeconfig}")
        return [str(self.binary(name)), *args]

    def _start(self, name: str) -> subprocess.Popen:
        as_user = self._as_user(self.exporter if name == NODE_EXPORTER else self.proxy)
        log = (self.workdir / f"{name}.log").open("wb")
        try:
            process = subprocess.Popen(
                self.command(name),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd="/",
                env={"PATH": "/usr/bin:/bin", "HOME": "/"},
                start_new_session=True,
                **as_user,
            )
        finally:
            log.close()
        self.processes[name] = process
        return process

    def _wait(self, name: str, ready, *, timeout_seconds: float = 30) -> None:
        process = self.processes[name]
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise MetricsPathError(f"{name} exited with {process.returncode}:\n{self.log(name)[-3000:]}")
            if ready():
                return
            time.sleep(0.2)
        raise MetricsPathError(f"{name} not ready after {timeout_seconds:.0f} s:\n{self.log(name)[-3000:]}")

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> "NodeExporterPod":
        for binary in BINARIES.values():
            if not (BIN_DIR / binary).exists():
                raise MetricsPathError(f"{BIN_DIR / binary} is missing: python -m local.tools.build node-exporter kube-rbac-proxy")
        for rendered, used in self.ports.items():
            owner = port_owner(used)
            if owner:
                raise MetricsPathError(f"port 127.0.0.1:{used} (the manifest's {rendered}) is taken by {owner}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._start(NODE_EXPORTER)
            host, _, path = self.exporter_probe
            # The container's own readinessProbe, as the kubelet would run it.
            self._wait(NODE_EXPORTER, lambda: _http_ok(host, self.exporter_port, path))
            self._start(KUBE_RBAC_PROXY)
            self._wait(KUBE_RBAC_PROXY, lambda: _tcp_ok(self.node_ip, self.https_port))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the processes this object started, the proxy first; nothing else."""
        for name in (KUBE_RBAC_PROXY, NODE_EXPORTER):
            stop_process(self.processes.pop(name, None), timeout_seconds=10)

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def __enter__(self) -> "NodeExporterPod":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
