"""NodeExporter: Prometheus node metrics from every node, behind kube-rbac-proxy.

node-exporter listens on the node's loopback only; kube-rbac-proxy serves it over TLS on the node IP and lets a
request through only when its bearer token passes a TokenReview and a SubjectAccessReview for ``get /metrics``
(the kube-prometheus design). Nothing in the VPC can read a node's metrics without a Kubernetes identity allowed to.

Unlike kube-prometheus, the pod does not share the node's PID namespace: node-exporter reads the node's procfs
through the read-only host root, which gives the same process statistics without the power to signal or trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.agents.node_agent import NodeAgent, NodeAgentArgs
from components.agents.node_exporter_args import (
    HTTPS_PORT,
    KUBE_RBAC_PROXY_IMAGE,
    NODE_EXPORTER_IMAGE,
    NODE_EXPORTER_LOCAL_PORT,
    kube_rbac_proxy_args,
    node_exporter_args,
)
from components.agents.probes import http_probe, tcp_probe

#: Users bind their Prometheus's ServiceAccount to this ClusterRole to be allowed to scrape.
METRICS_READER_ROLE = "node-exporter-metrics-reader"

# nobody:nogroup in the node-exporter image, and the nonroot user of kube-rbac-proxy's distroless image.
NODE_EXPORTER_UID = 65534
RBAC_PROXY_UID = 65532


@dataclass(frozen=True)
class NodeExporterArgs(NodeAgentArgs):
    """NodeExporter's arguments: the agent, and whether the Prometheus Operator's CRDs are installed."""

    prometheus_operator: bool = False


class NodeExporter(NodeAgent):
    """node-exporter on every node (it tolerates every taint by default), with an authenticated metrics endpoint."""

    TYPE = "eks-daemonsets:index:NodeExporter"
    NAME = "node-exporter"
    DEFAULT_IMAGE = NODE_EXPORTER_IMAGE
    # Measured (make bench-metrics, README "Metrics footprint"): about 21 MiB resident and 13 ms of CPU a scrape.
    # The memory request leaves room for nodes with more CPUs, disks and interfaces than the 2-CPU measuring machine;
    # the CPU request is what lets a scrape finish within Prometheus's timeout on a saturated node, not the average.
    DEFAULT_RESOURCES = {"requests": {"cpu": "50m", "memory": "48Mi"}, "limits": {"cpu": "250m", "memory": "180Mi"}}
    # Host namespaces and host paths put the pods beyond the baseline profile.
    POD_SECURITY = "privileged"
    API_CONTAINERS = ("kube-rbac-proxy",)
    # kube-rbac-proxy asks the API server who the caller is and whether it may read /metrics.
    RBAC_RULES = (
        {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
        {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
    )
    PRIVILEGES = {
        "hostNetwork": "network metrics (netdev, netstat, sockstat) must be the node's, not a pod's",
        "hostPath /": "filesystem metrics read the node's mounts, read-only",
        "hostPath /sys": "hardware, thermal and network-class metrics, read-only",
    }

    def __init__(self, name: str, args: NodeExporterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        self.exporter_args = args
        super().__init__(name, args, opts)

    def containers(self, image: str, resources: Mapping[str, Any]) -> list[dict[str, Any]]:
        rbac_proxy_image = getattr(self.settings, "rbac_proxy_image", None) or KUBE_RBAC_PROXY_IMAGE
        return [
            {
                "name": "node-exporter",
                "image": image,
                "args": node_exporter_args(),
                "resources": dict(resources),
                "securityContext": {"runAsUser": NODE_EXPORTER_UID, "runAsGroup": NODE_EXPORTER_UID},
                "volumeMounts": [
                    {"name": "root", "mountPath": "/host/root", "readOnly": True, "mountPropagation": "HostToContainer"},
                    {"name": "sys", "mountPath": "/host/sys", "readOnly": True, "mountPropagation": "HostToContainer"},
                ],
                # The pod shares the node's network, so the kubelet reaches the loopback listener directly.
                "livenessProbe": http_probe("/", NODE_EXPORTER_LOCAL_PORT, host="127.0.0.1", failures=3),
                "readinessProbe": http_probe("/", NODE_EXPORTER_LOCAL_PORT, host="127.0.0.1", failures=1),
            },
            {
                "name": "kube-rbac-proxy",
                "image": rbac_proxy_image,
                "args": kube_rbac_proxy_args(),
                "env": [{"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                "ports": [{"name": "https", "containerPort": HTTPS_PORT, "protocol": "TCP"}],
                # Measured: about 44 MiB resident (35 MiB of it the binary's own pages, which a 40Mi limit would keep
                # evicting) and 2-3 ms of CPU a scrape, its TokenReviews and SubjectAccessReviews cached for minutes.
                "resources": {"requests": {"cpu": "10m", "memory": "48Mi"}, "limits": {"cpu": "50m", "memory": "96Mi"}},
                "securityContext": {"runAsUser": RBAC_PROXY_UID, "runAsGroup": RBAC_PROXY_UID},
                "livenessProbe": tcp_probe("https", failures=3),
                "readinessProbe": tcp_probe("https", failures=1),
            },
        ]

    def volumes(self) -> list[dict[str, Any]]:
        return [
            {"name": "root", "hostPath": {"path": "/", "type": "Directory"}},
            {"name": "sys", "hostPath": {"path": "/sys", "type": "Directory"}},
        ]

    def pod_fields(self) -> dict[str, Any]:
        return {
            "hostNetwork": True,
            # No hostPID: --path.procfs points at the node's own /proc (under the read-only host root), a procfs of
            # the node's PID namespace, so process statistics already cover every process. Sharing the PID
            # namespace would add only the power to signal and trace the node's processes.
            # With the node's network, cluster DNS must still answer (the proxy resolves the API server).
            "dnsPolicy": "ClusterFirstWithHostNet",
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": NODE_EXPORTER_UID,
                "runAsGroup": NODE_EXPORTER_UID,
            },
        }

    def pod_annotations(self) -> dict[str, str]:
        return {"kubectl.kubernetes.io/default-container": "node-exporter"}

    def extra_resources(self, name: str) -> list[pulumi.Resource]:
        opts = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])
        created: list[pulumi.Resource] = [
            # The role a Prometheus needs to pass kube-rbac-proxy's SubjectAccessReview.
            k8s.rbac.v1.ClusterRole(
                f"{name}-metrics-reader",
                metadata={"name": METRICS_READER_ROLE, "labels": self.object_labels()},
                rules=[{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}],
                opts=pulumi.ResourceOptions(parent=self),
            ),
            k8s.core.v1.Service(
                f"{name}-service",
                metadata=self.metadata(
                    annotations={
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(HTTPS_PORT),
                        "prometheus.io/scheme": "https",
                        "prometheus.io/path": "/metrics",
                    }
                ),
                spec={
                    # Headless: Prometheus discovers one endpoint per node, never a load-balanced average.
                    "clusterIP": "None",
                    "selector": dict(self.labels),
                    "ports": [{"name": "https", "port": HTTPS_PORT, "targetPort": "https", "protocol": "TCP"}],
                },
                opts=opts,
            ),
        ]
        if self.exporter_args.prometheus_operator:
            created.append(
                k8s.apiextensions.CustomResource(
                    f"{name}-service-monitor",
                    api_version="monitoring.coreos.com/v1",
                    kind="ServiceMonitor",
                    metadata=self.metadata(),
                    spec={
                        "jobLabel": "app.kubernetes.io/name",
                        "selector": {"matchLabels": dict(self.labels)},
                        "endpoints": [
                            {
                                "port": "https",
                                "scheme": "https",
                                "interval": "30s",
                                "bearerTokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token",
                                # kube-rbac-proxy serves a self-signed certificate; the bearer token, not TLS,
                                # is what authenticates (as in kube-prometheus).
                                "tlsConfig": {"insecureSkipVerify": True},
                                "relabelings": [
                                    {
                                        "action": "replace",
                                        "regex": "(.*)",
                                        "replacement": "$1",
                                        "sourceLabels": ["__meta_kubernetes_pod_node_name"],
                                        "targetLabel": "instance",
                                    }
                                ],
                            }
                        ],
                    },
                    opts=opts,
                )
            )
        return created

