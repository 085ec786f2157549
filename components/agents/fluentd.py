"""Fluentd: every container's log lines to CloudWatch Logs (and/or stdout), none lost on a restart.

Positions and the file buffer live on the host, so a restarted pod carries on where the last one stopped; the buffer
is bounded and blocks the tail instead of dropping when full; the pod flushes at shutdown and is given the time to.
CloudWatch access goes through an IAM role for the service account (IRSA) that may write only to its own log group.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.agents.fluentd_conf import (
    DEFAULT_METRICS_PORT,
    FLUENTD_IMAGE,
    METRICS_PATH,
    BufferSettings,
    CloudWatchOutput,
    FluentdOutputs,
    StdoutOutput,
    build_fluent_conf,
)
from components.agents.node_agent import NodeAgent, NodeAgentArgs
from components.agents.probes import http_probes
from components.settings import FluentdSettings, parse_quantity

POS_DIR = "/var/log/fluentd-pos"
BUFFER_DIR = "/var/log/fluentd-buffers"
# Ruby's Dir.tmpdir (lib/tmpdir.rb) takes TMPDIR, then /tmp, then the working directory, and skips a directory that is
# world-writable without the sticky bit. An emptyDir is created 0777 with no sticky bit (kubernetes#110835), and the
# working directory /home/fluent is on the read-only root: Fluentd's supervisor calls Dir.mktmpdir before it reads its
# config and dies with "could not find a temporary directory" (fluentd-kubernetes-daemonset#1393, #1453). TMPDIR is a
# directory the init container creates 0700 in the emptyDir: writable by its owner (Fluentd's UID 0), not by others.
TMP_MOUNT = "/tmp"
TMPDIR = f"{TMP_MOUNT}/fluentd"


@dataclass(frozen=True)
class ClusterIdentity:
    """What Fluentd needs to know of its cluster: where to write, and whose OIDC provider to trust."""

    name: str
    region: Optional[str]
    oidc_provider_arn: Optional[pulumi.Input[str]]
    oidc_provider_url: Optional[pulumi.Input[str]]


@dataclass(frozen=True)
class FluentdArgs(NodeAgentArgs):
    """Fluentd's arguments: the agent, and its cluster."""

    cluster: Optional[ClusterIdentity] = None


def fluentd_size(quantity: str) -> str:
    """A Kubernetes quantity (``2Gi``) in Fluentd's size syntax (``2g``), exact to the byte."""
    size = int(parse_quantity(quantity))
    for suffix, unit in (("t", 1024**4), ("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def log_group_name(settings: FluentdSettings, cluster_name: str) -> str:
    return settings.outputs.cloudwatch.log_group_name or f"/aws/eks/{cluster_name}/containers"


def fluent_conf(settings: FluentdSettings, *, cluster_name: str, region: str, namespace: str) -> str:
    """The agent's fluent.conf, from its settings."""
    outputs = settings.outputs
    return build_fluent_conf(
        outputs=FluentdOutputs(
            cloudwatch=CloudWatchOutput(log_group_name=log_group_name(settings, cluster_name), region=region)
            if outputs.cloudwatch.enabled
            else None,
            stdout=StdoutOutput() if outputs.stdout.enabled else None,
        ),
        buffer=BufferSettings(
            total_limit_size=fluentd_size(settings.buffer.total_limit_size),
            flush_interval=f"{settings.buffer.flush_interval_seconds}s",
        ),
        namespace=namespace,
        pos_dir=POS_DIR,
        buffer_dir=BUFFER_DIR,
        daemonset_name=Fluentd.NAME,
    )


def log_writer_policy(log_group_arn: str) -> str:
    """IAM policy: write streams and events to one log group, and nothing else.

    No ``logs:CreateLogGroup``: Pulumi owns the group (and its retention); if it were deleted, writes fail and are
    retried from the buffer instead of silently landing in a new group with no retention.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteOwnLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    # The log group as the CloudWatch Logs guide's policies write it, ...:log-group:NAME:*, which also
                    # covers its streams (...:log-group:NAME:log-stream:S); the provider's arn has the ":*" trimmed.
                    "Resource": [log_group_arn, f"{log_group_arn}:*"],
                },
                {
                    # fluent-plugin-cloudwatch-logs looks its group up before writing; Describe* can't be scoped
                    # to one group.
                    "Sid": "FindLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:DescribeLogGroups"],
                    "Resource": "*",
                },
            ],
        },
        sort_keys=True,
    )


def irsa_trust_policy(oidc_provider_arn: str, oidc_provider_url: str, namespace: str, service_account: str) -> str:
    """Trust policy: only this ServiceAccount's projected token, issued for STS, may assume the role."""
    issuer = oidc_provider_url.removeprefix("https://")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": oidc_provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:aud": "sts.amazonaws.com",
                            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )


class Fluentd(NodeAgent):
    """Fluentd tailing /var/log/containers on every node it targets."""

    TYPE = "eks-daemonsets:index:Fluentd"
    NAME = "fluentd"
    DEFAULT_IMAGE = FLUENTD_IMAGE
    DEFAULT_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}
    # hostPath volumes are beyond the baseline profile.
    POD_SECURITY = "privileged"
    API_CONTAINERS = ("fluentd",)
    # The kubernetes_metadata filter watches pods and namespaces to label every line.
    RBAC_RULES = ({"apiGroups": [""], "resources": ["namespaces", "pods"], "verbs": ["get", "list", "watch"]},)
    PRIVILEGES = {
        "runAsUser 0": "containerd writes container logs as root:root 0640; root, with every capability dropped, "
        "reads them as their owner and nothing more",
        "hostPath /var/log/containers, /var/log/pods": "the container logs it ships, read-only",
        f"hostPath {POS_DIR}, {BUFFER_DIR}": "positions and buffer outlive the pod, so a restart loses no line",
    }

    def __init__(self, name: str, args: FluentdArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        if args.cluster is None:
            raise ValueError("Fluentd needs FluentdArgs.cluster")
        self.cluster = args.cluster
        self.fluentd_settings: FluentdSettings = args.agent.settings  # type: ignore[assignment]
        super().__init__(name, args, opts)

    def config_files(self) -> dict[str, str]:
        return {
            "fluent.conf": fluent_conf(
                self.fluentd_settings,
                cluster_name=self.cluster.name,
                region=self.cluster.region,
                namespace=self.namespace_name,
            )
        }

    def termination_grace_period_seconds(self) -> int:
        # flush_at_shutdown writes the buffer out on SIGTERM; the kubelet must wait for it.
        return self.fluentd_settings.termination_grace_period_seconds

    def containers(self, image: str, resources: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": "fluentd",
                "image": image,
                "env": [
                    {"name": "K8S_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                    *(
                        [
                            {"name": "AWS_REGION", "value": self.cluster.region},
                            {"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
                        ]
                        if self.cluster.region
                        else []
                    ),
                    {"name": "FLUENTD_CONF", "value": "fluent.conf"},
                    # Ruby and its gems write caches under HOME; the root filesystem is read-only.
                    {"name": "HOME", "value": TMP_MOUNT},
                    {"name": "TMPDIR", "value": TMPDIR},
                ],
                "ports": [{"name": "metrics", "containerPort": DEFAULT_METRICS_PORT, "protocol": "TCP"}],
                "resources": dict(resources),
                "securityContext": {"runAsUser": 0, "runAsGroup": 0, "runAsNonRoot": False},
                "volumeMounts": [
                    {"name": "config", "mountPath": "/fluentd/etc", "readOnly": True},
                    {"name": "varlogcontainers", "mountPath": "/var/log/containers", "readOnly": True},
                    {"name": "varlogpods", "mountPath": "/var/log/pods", "readOnly": True},
                    {"name": "positions", "mountPath": POS_DIR},
                    {"name": "buffers", "mountPath": BUFFER_DIR},
                    {"name": "tmp", "mountPath": TMP_MOUNT},
                ],
                **http_probes(METRICS_PATH, "metrics"),
            }
        ]

    def init_containers(self, image: str) -> list[dict[str, Any]]:
        # Fluentd's own image (already pulled, already pinned) has mkdir; -m sets the mode whatever the umask.
        return [
            {
                "name": "tmpdir",
                "image": image,
                "command": ["mkdir", "-p", "-m", "0700", TMPDIR],
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "16Mi"}},
                # The same user as the fluentd container, so that it owns the directory.
                "securityContext": {"runAsUser": 0, "runAsGroup": 0, "runAsNonRoot": False},
                "volumeMounts": [{"name": "tmp", "mountPath": TMP_MOUNT}],
            }
        ]

    def volumes(self) -> list[dict[str, Any]]:
        return [
            {"name": "config", "configMap": {"name": self.NAME, "defaultMode": 0o444}},
            {"name": "varlogcontainers", "hostPath": {"path": "/var/log/containers", "type": "Directory"}},
            {"name": "varlogpods", "hostPath": {"path": "/var/log/pods", "type": "Directory"}},
            {"name": "positions", "hostPath": {"path": POS_DIR, "type": "DirectoryOrCreate"}},
            {"name": "buffers", "hostPath": {"path": BUFFER_DIR, "type": "DirectoryOrCreate"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        ]

    def pod_fields(self) -> dict[str, Any]:
        return {"securityContext": {"runAsUser": 0, "runAsGroup": 0}}

    def service_account_annotations(self) -> dict[str, Any]:
        if self.role is None:
            return {}
        # The EKS pod identity webhook mounts a web-identity token for this role into the pods.
        return {"eks.amazonaws.com/role-arn": self.role.arn}

    def extra_resources(self, name: str) -> list[pulumi.Resource]:
        child = pulumi.ResourceOptions(parent=self)
        # Metrics scrapes in; DNS and HTTPS (API server, STS, CloudWatch Logs) out.
        created: list[pulumi.Resource] = [
            self.network_policy(
                name,
                ingress_ports=[DEFAULT_METRICS_PORT],
                egress=[
                    {
                        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                    },
                    {"ports": [{"port": 443, "protocol": "TCP"}]},
                ],
            )
        ]
        self.role: Optional[aws.iam.Role] = None
        cloudwatch = self.fluentd_settings.outputs.cloudwatch
        if not cloudwatch.enabled:
            return created
        group = aws.cloudwatch.LogGroup(
            f"{name}-log-group",
            name=log_group_name(self.fluentd_settings, self.cluster.name),
            retention_in_days=cloudwatch.retention_days,
            kms_key_id=cloudwatch.kms_key_arn,
            opts=child,
        )
        cluster = self.cluster
        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"Fluentd on EKS cluster {cluster.name}: writes container logs to its log group",
            assume_role_policy=pulumi.Output.all(cluster.oidc_provider_arn, cluster.oidc_provider_url).apply(
                lambda v: irsa_trust_policy(v[0], v[1], self.namespace_name, self.NAME)
            ),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-log-writer",
            role=self.role.id,
            policy=group.arn.apply(log_writer_policy),
            opts=child,
        )
        return [*created, group, self.role, policy]

