"""The rendered containers' arguments and environment, as a kubelet on this machine would run them.

The two containers' arguments are read from the rendered DaemonSet, never restated. What a kubelet would do to them
on a node is done here to the same strings, and nothing else:

- ``$(IP)`` is expanded from the container's env, as the kubelet expands it; ``status.podIP`` of a hostNetwork pod is
  the node's IP, here 127.0.0.1.
- A path under a hostPath volume's mountPath becomes the host path (``/host/root/proc`` -> ``/proc``,
  ``/host/sys`` -> ``/sys``): the volumes say where each mount comes from.
- A port the manifest uses that is taken on this machine is replaced by a free one, in every argument that names it.
- kube-rbac-proxy gets ``--kubeconfig``: in the pod it uses the in-cluster config from its projected
  ServiceAccount token; here the same ServiceAccount's token sits in a kubeconfig for the local control plane.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from local.metrics.manifests import MetricsPathError

# status.podIP of a hostNetwork pod is the node's address; the local "node" is this machine's loopback.
NODE_IP = "127.0.0.1"

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
