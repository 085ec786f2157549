"""Hand-made resources every policy accepts: the starting points each failing case breaks one way."""

from __future__ import annotations

from typing import Any

from must_cover_policy import COVERAGE_LABEL


def container(name: str, image: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }


def good_daemonset() -> dict[str, Any]:
    """A must-cover DaemonSet every policy accepts: the starting point each failing case breaks one way."""
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "agents", "labels": {COVERAGE_LABEL: "all"}},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent", COVERAGE_LABEL: "all"}},
                "spec": {
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "initContainers": [container("setup", "docker.io/library/busybox:1.37.0")],
                    "containers": [
                        container("agent", "quay.io/example/agent:v1.19.3-debian-cloudwatch-1.1"),
                        container("sidecar", "quay.io/example/sidecar@sha256:" + "a" * 64),
                    ],
                    "tolerations": [{"operator": "Exists"}],
                },
            },
        },
    }


def pod_spec(daemonset: dict[str, Any]) -> dict[str, Any]:
    return daemonset["spec"]["template"]["spec"]


def good_namespace(level: str = "privileged") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "agents", "labels": {"pod-security.kubernetes.io/enforce": level}},
    }
