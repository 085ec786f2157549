"""node-exporter behind kube-rbac-proxy as local processes, run with the arguments the rendered DaemonSet gives them.

    manifests = render_manifests(PROJECT_DIR / "Pulumi.dev.yaml", out)
    apply_node_exporter_objects(cluster, manifests)                 # namespace, ServiceAccount, RBAC, ...
    proxy_kubeconfig = service_account_kubeconfig(cluster, "node-exporter", "node-exporter", path)
    with NodeExporterPod(find_object(manifests, "DaemonSet", "node-exporter"), kubeconfig=proxy_kubeconfig,
                         workdir=out / "pod") as pod:
        pod.metrics_url                                              # https://127.0.0.1:9100/metrics

The two containers' arguments are read from the rendered DaemonSet, never restated. What a kubelet would do to them
on a node is done here to the same strings, and nothing else:

- ``$(IP)`` is expanded from the container's env, as the kubelet expands it; ``status.podIP`` of a hostNetwork pod is
  the node's IP, here 127.0.0.1.
- A path under a hostPath volume's mountPath becomes the host path (``/host/root/proc`` -> ``/proc``,
  ``/host/sys`` -> ``/sys``): the volumes say where each mount comes from.
- A port the manifest uses that is taken on this machine is replaced by a free one, in every argument that names it.
- kube-rbac-proxy gets ``--kubeconfig``: in the pod it uses the in-cluster config from its projected
  ServiceAccount token; here the same ServiceAccount's token sits in a kubeconfig for the local control plane.

Each process runs as its container's ``runAsUser``/``runAsGroup`` when this process is root (root's capabilities go
with the user switch), and is stopped by the object that started it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Optional

import yaml

from local.tools.build import BIN_DIR
from local.cluster import LocalCluster
from local.processes import free_port, port_owner, stop_process

PROJECT_DIR = Path(__file__).resolve().parent.parent
NODE_EXPORTER = "node-exporter"
KUBE_RBAC_PROXY = "kube-rbac-proxy"
BINARIES = {NODE_EXPORTER: "node_exporter", KUBE_RBAC_PROXY: "kube-rbac-proxy"}
# status.podIP of a hostNetwork pod is the node's address; the local "node" is this machine's loopback.
NODE_IP = "127.0.0.1"


class MetricsPathError(Exception):
    """A process of the metrics path didn't start, or a manifest lacks what the local run needs."""


# -- the rendered manifests ---------------------------------------------------------------------------------------
def render_manifests(stack_file: Path, out: Path) -> list[dict[str, Any]]:
    """Render ``stack_file`` offline (``python -m offline.render``, in its own interpreter) and load every object."""
    subprocess.run(
        [sys.executable, "-m", "offline.render", "--config", str(stack_file), "--out", str(out)],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    return [yaml.safe_load(path.read_text()) for path in sorted((out / "manifests").rglob("*.yaml"))]


def find_object(manifests: Iterable[Mapping[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for manifest in manifests:
        if manifest["kind"] == kind and manifest["metadata"]["name"] == name:
            return dict(manifest)
    raise MetricsPathError(f"no {kind} {name} in the render")


def container(daemonset: Mapping[str, Any], name: str) -> dict[str, Any]:
    for candidate in daemonset["spec"]["template"]["spec"]["containers"]:
        if candidate["name"] == name:
            return candidate
    raise MetricsPathError(f"DaemonSet {daemonset['metadata']['name']} has no container {name}")


# -- what the kubelet does to a container's arguments ---------------------------------------------------------------
_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(value: str, env: Mapping[str, str]) -> str:
    """The kubelet's ``$(VAR)`` expansion: a defined variable is replaced, ``$$`` is a literal ``$``, the rest stays."""

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        return env.get(match[1], match[0])

    return _REFERENCE.sub(replace, value)


def container_env(spec: Mapping[str, Any], *, node_ip: str = NODE_IP) -> dict[str, str]:
    """The container's environment as the kubelet would set it on a node whose IP is ``node_ip``."""
    env: dict[str, str] = {}
    for variable in spec.get("env", []):
        if "value" in variable:
            env[variable["name"]] = expand(variable["value"], env)
            continue
        field = variable.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        if field in ("status.podIP", "status.hostIP"):  # the same address under hostNetwork
            env[variable["name"]] = node_ip
        else:
            raise MetricsPathError(f"env {variable['name']}: the local run can't provide {variable.get('valueFrom')}")
    return env


def host_mounts(pod_spec: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, str]:
    """mountPath -> host path, for the container's mounts of hostPath volumes."""
    host_paths = {v["name"]: v["hostPath"]["path"] for v in pod_spec.get("volumes", []) if "hostPath" in v}
    return {m["mountPath"]: host_paths[m["name"]] for m in spec.get("volumeMounts", []) if m["name"] in host_paths}


def to_host_path(path: str, mounts: Mapping[str, str]) -> str:
    """``path`` inside the container -> the host path behind it (the deepest mount wins); other paths unchanged."""
    for mount_path in sorted(mounts, key=len, reverse=True):
        if path == mount_path or path.startswith(mount_path.rstrip("/") + "/"):
            return mounts[mount_path].rstrip("/") + path[len(mount_path):] or "/"
    return path


_TRAILING_PORT = re.compile(r"(?<=:)(\d+)(?=/?$)")


def local_args(
    pod_spec: Mapping[str, Any], spec: Mapping[str, Any], *, ports: Mapping[int, int], node_ip: str = NODE_IP
) -> list[str]:
    """The container's rendered args as a kubelet on this machine would run them (see the module docstring)."""
    env = container_env(spec, node_ip=node_ip)
    mounts = host_mounts(pod_spec, spec)
    args = []
    for arg in spec.get("args", []):
        flag, equals, value = expand(arg, env).partition("=")
        if equals and value.startswith("/"):
            value = to_host_path(value, mounts)
        if equals:
            value = _TRAILING_PORT.sub(lambda m: str(ports.get(int(m[1]), m[1])), value)
        args.append(f"{flag}{equals}{value}")
    return args


def run_as(pod_spec: Mapping[str, Any], spec: Mapping[str, Any]) -> tuple[Optional[int], Optional[int]]:
    """The container's (runAsUser, runAsGroup), the container's securityContext over the pod's."""
    pod, own = pod_spec.get("securityContext", {}), spec.get("securityContext", {})
    return own.get("runAsUser", pod.get("runAsUser")), own.get("runAsGroup", pod.get("runAsGroup"))


# -- the cluster side ---------------------------------------------------------------------------------------------
def node_exporter_objects(manifests: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rendered objects of the node-exporter agent: its Namespace, ServiceAccount, RBAC, Service, DaemonSet."""
    chosen = []
    for manifest in manifests:
        metadata = manifest["metadata"]
        if metadata.get("labels", {}).get("app.kubernetes.io/name") == NODE_EXPORTER or (
            manifest["kind"] == "Namespace" and metadata["name"] == NODE_EXPORTER
        ):
            chosen.append(dict(manifest))
    # The Namespace first, so that the namespaced objects of the same List find it.
    return sorted(chosen, key=lambda m: m["kind"] != "Namespace")


def service_account_kubeconfig(
    cluster: LocalCluster, namespace: str, name: str, path: Path, *, duration: str = "2h", owner: Optional[int] = None
) -> Path:
    """A kubeconfig for ``cluster`` that authenticates as ServiceAccount ``namespace/name`` (a token from
    ``kubectl create token``), as the in-cluster config of a pod of that ServiceAccount would."""
    admin = json.loads(cluster.kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json"))
    server = admin["clusters"][0]["cluster"]
    token = cluster.kubectl("create", "token", name, "--namespace", namespace, "--duration", duration).strip()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": {k: server[k] for k in ("server", "certificate-authority-data")}}],
        "users": [{"name": f"{namespace}-{name}", "user": {"token": token}}],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": f"{namespace}-{name}"}}],
        "current-context": "local",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=True))
    path.chmod(0o600)
    if owner is not None and os.geteuid() == 0:
        os.chown(path, owner, -1)
    return path


def bind_scraper(cluster: LocalCluster, namespace: str, name: str, *, cluster_role: Optional[str]) -> str:
    """A ServiceAccount ``namespace/name``, bound to ``cluster_role`` when one is given; returns a token of it."""
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}},
    ]
    if cluster_role:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": f"{namespace}-{name}-{cluster_role}"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
            }
        )
    cluster.apply(objects)
    return cluster.kubectl("create", "token", name, "--namespace", namespace, "--duration", "2h").strip()


# -- the pod, as two local processes ------------------------------------------------------------------------------
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


# -- footprint ----------------------------------------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def memory_status(pid: int) -> dict[str, int]:
    """The memory lines of /proc/<pid>/status in bytes: VmRSS (resident), VmHWM (its peak), RssAnon (heap and stacks,
    which only a kill frees) and RssFile (the binary's pages, which the kernel can drop and read again)."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            figures[key] = int(value.split()[0]) * 1024
    return figures


def rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of ``pid``."""
    return memory_status(pid)["VmRSS"]


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` so far: the on-CPU nanoseconds of each of its threads (/proc/<pid>/task/*/schedstat).

    utime + stime of /proc/<pid>/stat say the same in clock ticks (10 ms): a proxy that spends 3 ms a scrape would
    show a handful of ticks in five minutes. Go keeps its threads for the life of the process, so the live threads'
    sum loses nothing.
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def cpu_ticks_seconds(pid: int) -> float:
    """utime + stime of /proc/<pid>/stat, in seconds (10 ms resolution): a cross-check of cpu_seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


__all__ = [
    "KUBE_RBAC_PROXY",
    "NODE_EXPORTER",
    "MetricsPathError",
    "NodeExporterPod",
    "bind_scraper",
    "container",
    "cpu_seconds",
    "cpu_ticks_seconds",
    "find_object",
    "local_args",
    "memory_status",
    "node_exporter_objects",
    "render_manifests",
    "rss_bytes",
    "run_as",
    "service_account_kubeconfig",
]
