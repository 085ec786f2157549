"""SecurityAgent: Falco with the modern eBPF probe on every node, least privileged unless told otherwise.

The modern eBPF probe is compiled into the Falco binary: no kernel module, no driver download, and it runs on AL2023
and Bottlerocket kernels alike. It needs four capabilities instead of a privileged container. Alerts go to stdout as
JSON, so the log agent ships them with every other line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.agents.falco_conf import (
    CAPABILITY_REASONS,
    CONTAINERD_CRI_SOCKET,
    DEFAULT_WEBSERVER_PORT,
    FALCO_IMAGE,
    HEALTHZ_PATH,
    RULES_DIR,
    build_falco_yaml,
    falco_capabilities,
)
from components.agents.node_agent import PRIVILEGED_REASON_ANNOTATION, NodeAgent
from components.agents.probes import http_probes
from components.settings import SecurityAgentSettings

CUSTOM_RULES_FILE = "custom-rules.yaml"


class SecurityAgent(NodeAgent):
    """Falco on every node: it tolerates every taint by default, since a security agent must cover them all."""

    TYPE = "eks-daemonsets:index:SecurityAgent"
    NAME = "falco"
    DEFAULT_IMAGE = FALCO_IMAGE
    DEFAULT_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    # eBPF capabilities and host paths are beyond the baseline profile.
    POD_SECURITY = "privileged"
    # Container and pod metadata come from containerd's CRI socket, so Falco never needs the Kubernetes API.
    API_CONTAINERS = ()
    RBAC_RULES = ()

    @property
    def falco_settings(self) -> SecurityAgentSettings:
        return self.settings  # type: ignore[return-value]

    @property
    def PRIVILEGES(self) -> Mapping[str, str]:  # noqa: N802 - same name as the class attribute it replaces
        privileges = {
            "runAsUser 0": "loading eBPF programs and reading every process's /proc entries takes root",
            "hostPath /proc, /etc": "process and user details of the node, read-only",
            "hostPath /sys/kernel": "the kernel's BTF type information the modern eBPF probe relocates against, read-only",
            f"hostPath {CONTAINERD_CRI_SOCKET}": "container and pod metadata from containerd's CRI API",
        }
        if self.falco_settings.privileged:
            privileges["privileged"] = self.falco_settings.privileged_reason or ""
        else:
            for capability in falco_capabilities(privileged=False):
                privileges[f"CAP_{capability}"] = CAPABILITY_REASONS[capability]
        return privileges

    def config_files(self) -> dict[str, str]:
        files = {"falco.yaml": build_falco_yaml(priority=self.falco_settings.priority)}
        if self.falco_settings.custom_rules:
            files[CUSTOM_RULES_FILE] = self.falco_settings.custom_rules
        return files

    def pod_annotations(self) -> dict[str, str]:
        if self.falco_settings.privileged:
            return {PRIVILEGED_REASON_ANNOTATION: self.falco_settings.privileged_reason or ""}
        return {}

    def pod_fields(self) -> dict[str, Any]:
        return {"securityContext": {"runAsUser": 0, "runAsGroup": 0}}

    def containers(self, image: str, resources: Mapping[str, Any]) -> list[dict[str, Any]]:
        if self.falco_settings.privileged:
            # A privileged container gets every capability; the API server rejects it beside
            # allowPrivilegeEscalation: false.
            security = {"privileged": True, "allowPrivilegeEscalation": True, "capabilities": {"drop": []}}
        else:
            security = {"capabilities": {"drop": ["ALL"], "add": list(falco_capabilities(privileged=False))}}
        mounts = [
            {"name": "config", "mountPath": "/etc/falco/falco.yaml", "subPath": "falco.yaml", "readOnly": True},
            {"name": "proc", "mountPath": "/host/proc", "readOnly": True},
            {"name": "etc", "mountPath": "/host/etc", "readOnly": True},
            {"name": "sys-kernel", "mountPath": "/sys/kernel", "readOnly": True},
            {"name": "containerd-socket", "mountPath": f"/host{CONTAINERD_CRI_SOCKET}"},
            {"name": "tmp", "mountPath": "/tmp"},
        ]
        if self.falco_settings.custom_rules:
            mounts.append(
                {
                    "name": "config",
                    "mountPath": f"{RULES_DIR}/{CUSTOM_RULES_FILE}",
                    "subPath": CUSTOM_RULES_FILE,
                    "readOnly": True,
                }
            )
        return [
            {
                "name": "falco",
                "image": image,
                "env": [
                    # The container plugin and Falco's /proc scans look under HOST_ROOT.
                    {"name": "HOST_ROOT", "value": "/host"},
                    {"name": "FALCO_HOSTNAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                    {"name": "FALCO_K8S_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                ],
                "ports": [{"name": "http", "containerPort": DEFAULT_WEBSERVER_PORT, "protocol": "TCP"}],
                "resources": dict(resources),
                "securityContext": {"runAsUser": 0, "runAsGroup": 0, "runAsNonRoot": False, **security},
                "volumeMounts": mounts,
                # Loading the rules and attaching the probe can take a minute on a busy node.
                **http_probes(HEALTHZ_PATH, "http"),
            }
        ]

    def volumes(self) -> list[dict[str, Any]]:
        return [
            {"name": "config", "configMap": {"name": self.NAME, "defaultMode": 0o444}},
            {"name": "proc", "hostPath": {"path": "/proc", "type": "Directory"}},
            {"name": "etc", "hostPath": {"path": "/etc", "type": "Directory"}},
            {"name": "sys-kernel", "hostPath": {"path": "/sys/kernel", "type": "Directory"}},
            {"name": "containerd-socket", "hostPath": {"path": CONTAINERD_CRI_SOCKET, "type": "Socket"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        ]

    def extra_resources(self, name: str) -> list[pulumi.Resource]:
        # Falco needs no network but its health and metrics port: no egress at all.
        return [self.network_policy(name, ingress_ports=[DEFAULT_WEBSERVER_PORT], egress=[])]
