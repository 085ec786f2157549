"""The kubelet probes of the agents' containers: HTTP and TCP checks with the period, timeout and thresholds they
share."""

from __future__ import annotations

from typing import Any


def http_probe(path: str, port: int | str, *, host: str | None = None, failures: int) -> dict[str, Any]:
    """An HTTP probe; ``host`` only for host-network pods whose listener is on the loopback."""
    get: dict[str, Any] = {"path": path, "port": port, "scheme": "HTTP"}
    if host:
        get["host"] = host
    return {"httpGet": get, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": failures}


def http_probes(path: str, port: int | str) -> dict[str, Any]:
    """Startup, liveness and readiness probes on one HTTP endpoint.

    The startup probe allows five minutes (rules to load, a buffer to replay) before liveness may restart the pod;
    readiness drops the pod from its Service on the first failure.
    """
    return {
        "startupProbe": http_probe(path, port, failures=30),
        "livenessProbe": http_probe(path, port, failures=3),
        "readinessProbe": http_probe(path, port, failures=1),
    }


def tcp_probe(port: int | str, *, failures: int) -> dict[str, Any]:
    return {"tcpSocket": {"port": port}, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": failures}


__all__ = ["http_probe", "http_probes", "tcp_probe"]
