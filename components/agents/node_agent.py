"""NodeAgent: the one base every node agent stands on.

An agent declares only what is its own: image, containers, volumes, config files, RBAC rules and the privileges it
needs with a reason for each. The base turns that into a namespace with Pod Security Admission labels, a
ServiceAccount, least-privilege RBAC, ConfigMaps whose content hash rolls the pods, and a hardened DaemonSet aimed by
a :class:`~components.targeting.NodeTargeting`.

Adding a fourth agent is one small file::

    class NodeProblemDetector(NodeAgent):
        TYPE = "eks-daemonsets:index:NodeProblemDetector"
        NAME = "node-problem-detector"
        DEFAULT_IMAGE = "registry.k8s.io/node-problem-detector/node-problem-detector:v0.8.20"
        DEFAULT_RESOURCES = {"requests": {"cpu": "20m", "memory": "40Mi"}, "limits": {"cpu": "200m", "memory": "100Mi"}}
        API_CONTAINERS = ("node-problem-detector",)  # it posts node conditions: only it gets an API token
        RBAC_RULES = ({"apiGroups": [""], "resources": ["nodes/status"], "verbs": ["patch"]},)
        PRIVILEGES = {"hostPath /dev/kmsg": "reads kernel messages to spot OOM kills and hung tasks"}

        def containers(self, image, resources):
            return [{"name": self.NAME, "image": image, "resources": resources,
                     "volumeMounts": [{"name": "kmsg", "mountPath": "/dev/kmsg", "readOnly": True}],
                     "livenessProbe": {...}, "readinessProbe": {...}}]

        def volumes(self):
            return [{"name": "kmsg", "hostPath": {"path": "/dev/kmsg", "type": "CharDevice"}}]

The pure parts (:func:`harden_container`, :func:`daemonset_spec`, :func:`config_hash`) are plain functions over
plain data, tested without Pulumi.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.agents.coverage_alerts import alert_rules_object, watched_agent
from components.monitoring import RulesDelivery
from components.settings import Agent, Resources, image_digest
from components.targeting import NodeTargeting

LABEL_PREFIX = "eks-daemonsets.io"
MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "eks-daemonsets"}
CONFIG_HASH_ANNOTATION = f"{LABEL_PREFIX}/config-hash"
PRIVILEGES_ANNOTATION = f"{LABEL_PREFIX}/privileges"
PRIVILEGED_REASON_ANNOTATION = f"{LABEL_PREFIX}/privileged-reason"
COVERAGE_LABEL = f"{LABEL_PREFIX}/coverage"
EMPTY: Mapping[str, Any] = MappingProxyType({})

# Where in-cluster clients (client-go, kubeclient, kube-rbac-proxy) look for their API credentials.
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
API_TOKEN_VOLUME = "kube-api-access"

# The securityContext every container starts from: the Pod Security "restricted" profile. An agent loosens only
# the fields it must, and says why in PRIVILEGES.
RESTRICTED_CONTAINER_SECURITY: Mapping[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def config_hash(files: Mapping[str, str]) -> str:
    """A stable digest of an agent's config files; as a pod-template annotation it rolls the pods on change."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(files[name].encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def pull_policy(image: str) -> str:
    """``IfNotPresent`` for an image pinned by digest, ``Always`` for one pinned by tag only.

    A digest names content that cannot be re-pushed, so once the node has it there is nothing to check: with
    IfNotPresent a pod starts from the node's copy while the registry is slow, down or rate-limiting. A tag can be
    re-pushed, and Always makes the kubelet resolve it to a digest at the registry at every container start
    (unchanged layers stay cached), which is the only way a node notices; the price is that every start needs the
    registry.
    """
    return "IfNotPresent" if image_digest(image) else "Always"


def harden_container(container: Mapping[str, Any]) -> dict[str, Any]:
    """The container with the restricted securityContext under whatever its agent loosened on purpose."""
    hardened = dict(container)
    hardened["securityContext"] = _merge(RESTRICTED_CONTAINER_SECURITY, container.get("securityContext", {}))
    hardened.setdefault("imagePullPolicy", pull_policy(container.get("image", "")))
    hardened.setdefault("terminationMessagePolicy", "FallbackToLogsOnError")
    return hardened


def api_token_volume() -> dict[str, Any]:
    """A projected, expiring ServiceAccount token, mounted only into the containers that call the API.

    The pod keeps ``automountServiceAccountToken: false``: a compromised container that never needed the API
    finds no credentials.
    """
    return {
        "name": API_TOKEN_VOLUME,
        "projected": {
            "defaultMode": 0o444,
            "sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
            ],
        },
    }


def resources_dict(resources: Resources) -> dict[str, Any]:
    return resources.model_dump(exclude_none=True)


def daemonset_spec(
    *,
    labels: Mapping[str, str],
    containers: Sequence[Mapping[str, Any]],
    volumes: Sequence[Mapping[str, Any]],
    targeting: NodeTargeting,
    max_unavailable: int | str,
    service_account: str,
    api_token_containers: Sequence[str] = (),
    pod_annotations: Mapping[str, str] = EMPTY,
    pod_fields: Mapping[str, Any] = EMPTY,
    pod_overrides: Mapping[str, Any] = EMPTY,
    termination_grace_period_seconds: int = 30,
    init_containers: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The DaemonSet ``spec``: hardened pod template, scheduling from ``targeting``, a slow and safe rollout."""
    hardened = [harden_container(c) for c in containers]
    all_volumes = list(volumes)
    if api_token_containers:
        all_volumes.append(api_token_volume())
        for container in hardened:
            if container["name"] in api_token_containers:
                container["volumeMounts"] = [
                    *container.get("volumeMounts", []),
                    {"name": API_TOKEN_VOLUME, "mountPath": SERVICE_ACCOUNT_DIR, "readOnly": True},
                ]
    pod_spec: dict[str, Any] = {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,
        # Node agents are part of the node: evicting them to make room for workloads would blind us.
        "priorityClassName": "system-node-critical",
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "terminationGracePeriodSeconds": termination_grace_period_seconds,
        "enableServiceLinks": False,
        **({"initContainers": [harden_container(c) for c in init_containers]} if init_containers else {}),
        "containers": hardened,
        "volumes": sorted(all_volumes, key=lambda v: v["name"]),
        **targeting.pod_scheduling(),
    }
    # The agent's own pod fields (host namespaces, user), then the user's escape hatch, each over the last.
    pod_spec = _merge(_merge(pod_spec, pod_fields), pod_overrides)
    return {
        "selector": {"matchLabels": dict(labels)},
        # Each new pod must stay ready this long before the rollout moves on: a crash-looping release stops
        # after the first batch instead of sweeping a 1,000-node cluster.
        "minReadySeconds": 10,
        "revisionHistoryLimit": 10,
        "updateStrategy": {
            "type": "RollingUpdate",
            # A node must never run two copies (two log tailers would ship every line twice): no surge.
            "rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": 0},
        },
        "template": {
            "metadata": {"labels": dict(labels), "annotations": dict(sorted(pod_annotations.items()))},
            "spec": pod_spec,
        },
    }


@dataclass(frozen=True)
class NodeAgentArgs:
    """What every agent is built from.

    Attributes:
        agent: the agent's validated settings and targeting.
        pod_overrides: the escape hatch: a partial pod spec merged over the rendered one, for what the settings
            don't reach (say, ``dnsPolicy``). Use sparingly; the result is still what the DaemonSet gets.
        alert_rules: ship the agent's coverage alert rules this way (:mod:`components.monitoring`); None: don't.
    """

    agent: Agent
    pod_overrides: Mapping[str, Any] = field(default_factory=dict)
    alert_rules: Optional[RulesDelivery] = None


class NodeAgent(pulumi.ComponentResource):
    """Base for node agents. Subclasses set the class attributes and implement :meth:`containers`.

    Attributes:
        namespace: the agent's Namespace.
        service_account: its ServiceAccount.
        daemonset: its DaemonSet.
        alert_rules: its coverage alert rules (a PrometheusRule or a ConfigMap), when ``args.alert_rules`` asks.
    """

    TYPE: ClassVar[str]
    NAME: ClassVar[str]
    DEFAULT_IMAGE: ClassVar[str]
    DEFAULT_RESOURCES: ClassVar[Mapping[str, Any]]
    #: Pod Security Admission level the namespace enforces: the lowest the agent's pods pass.
    POD_SECURITY: ClassVar[str] = "restricted"
    #: Containers that get an API token (empty: no container can reach the API as the agent).
    API_CONTAINERS: ClassVar[tuple[str, ...]] = ()
    #: ClusterRole rules: only the verbs the agent uses.
    RBAC_RULES: ClassVar[tuple[Mapping[str, Any], ...]] = ()
    #: Every privilege beyond the restricted profile, with the reason. Rendered as a pod annotation for reviewers.
    PRIVILEGES: ClassVar[Mapping[str, str]] = {}
    TERMINATION_GRACE_PERIOD_SECONDS: ClassVar[int] = 30

    def __init__(self, name: str, args: NodeAgentArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self.args = args
        self.settings = args.agent.settings
        child = pulumi.ResourceOptions(parent=self)
        labels = {"app.kubernetes.io/name": self.NAME, "app.kubernetes.io/component": "node-agent"}
        self.labels = labels
        self.namespace_name = self.NAME

        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": self.namespace_name, "labels": {**MANAGED_BY, **self.pod_security_labels()}},
            opts=child,
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])
        # Cloud resources and Services first: the ServiceAccount may carry an IAM role's ARN.
        ready: list[pulumi.Resource] = list(self.extra_resources(name))
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=self.metadata(annotations=self.service_account_annotations()),
            automount_service_account_token=False,
            opts=in_namespace,
        )
        ready.append(self.service_account)
        if self.RBAC_RULES:
            role = k8s.rbac.v1.ClusterRole(
                f"{name}-cluster-role",
                metadata={"name": self.NAME, "labels": self.object_labels()},
                rules=[dict(rule) for rule in self.RBAC_RULES],
                opts=child,
            )
            ready.append(
                k8s.rbac.v1.ClusterRoleBinding(
                    f"{name}-cluster-role-binding",
                    metadata={"name": self.NAME, "labels": self.object_labels()},
                    role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": self.NAME},
                    subjects=[{"kind": "ServiceAccount", "name": self.NAME, "namespace": self.namespace_name}],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[role, self.service_account]),
                )
            )
        files = self.config_files()
        if files:
            ready.append(
                k8s.core.v1.ConfigMap(
                    f"{name}-config",
                    metadata=self.metadata(),
                    data=dict(sorted(files.items())),
                    opts=in_namespace,
                )
            )

        image = self.settings.image or self.DEFAULT_IMAGE
        resources = resources_dict(self.settings.resources) if self.settings.resources else dict(self.DEFAULT_RESOURCES)
        annotations = {CONFIG_HASH_ANNOTATION: config_hash(files)} if files else {}
        if self.PRIVILEGES:
            annotations[PRIVILEGES_ANNOTATION] = json.dumps(dict(sorted(self.PRIVILEGES.items())), sort_keys=True)
        annotations.update(self.pod_annotations())
        spec = daemonset_spec(
            labels=labels,
            containers=self.containers(image, resources),
            volumes=self.volumes(),
            targeting=args.agent.targeting,
            max_unavailable=self.settings.max_unavailable,
            service_account=self.NAME,
            api_token_containers=self.API_CONTAINERS,
            pod_annotations=annotations,
            pod_fields=self.pod_fields(),
            pod_overrides=dict(args.pod_overrides),
            termination_grace_period_seconds=self.termination_grace_period_seconds(),
            init_containers=self.init_containers(image),
        )
        self.daemonset_spec = spec  # plain data: what a node gives up to this agent is read from it (pod_requests)
        self.daemonset = k8s.apps.v1.DaemonSet(
            f"{name}-daemonset", metadata=self.metadata(), spec=spec, opts=pulumi.ResourceOptions(parent=self, depends_on=ready)
        )
        if args.alert_rules is not None:
            watched = watched_agent(args.agent, name=self.NAME, namespace=self.namespace_name, daemonset_spec=spec)
            self.alert_rules = alert_rules_object(
                f"{name}-alert-rules", watched, args.alert_rules, metadata=self.metadata(name=f"{self.NAME}-alert-rules"),
                opts=in_namespace,
            )
        self.register_outputs(
            {"namespace": self.namespace_name, "serviceAccount": self.NAME, "daemonSet": self.NAME}
        )

    # ------------------------------------------------------------------ helpers for subclasses

    def object_labels(self) -> dict[str, str]:
        """Labels of every object the agent owns: who manages it, which agent, and its coverage rule."""
        return {**MANAGED_BY, **self.labels, COVERAGE_LABEL: str(self.settings.coverage)}

    def metadata(self, *, name: Optional[str] = None, annotations: Optional[Mapping[str, Any]] = None) -> dict:
        meta: dict[str, Any] = {
            "name": name or self.NAME,
            "namespace": self.namespace_name,
            "labels": self.object_labels(),
        }
        if annotations:
            meta["annotations"] = dict(annotations)
        return meta

    def pod_security_labels(self) -> dict[str, str]:
        """Enforce the agent's level; warn and audit at it too, so a drift shows up in the API server's answers."""
        return {
            f"pod-security.kubernetes.io/{mode}": self.POD_SECURITY for mode in ("enforce", "audit", "warn")
        } | {"pod-security.kubernetes.io/enforce-version": "latest"}

    # ------------------------------------------------------------------ hooks

    def containers(self, image: str, resources: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The pod's containers (securityContext defaults are added by the base)."""
        raise NotImplementedError

    def init_containers(self, image: str) -> list[dict[str, Any]]:
        """Containers that run to completion before the pod's containers start (hardened like them)."""
        return []

    def volumes(self) -> list[dict[str, Any]]:
        return []

    def config_files(self) -> dict[str, str]:
        """Files for the agent's ConfigMap (named like the agent); their hash rolls the pods."""
        return {}

    def service_account_annotations(self) -> dict[str, str]:
        return {}

    def pod_annotations(self) -> dict[str, str]:
        return {}

    def pod_fields(self) -> dict[str, Any]:
        """Pod-level fields beyond the hardened defaults (``hostPID``, ``securityContext.runAsUser``, ...)."""
        return {}

    def termination_grace_period_seconds(self) -> int:
        return self.TERMINATION_GRACE_PERIOD_SECONDS

    def network_policy(
        self, name: str, *, ingress_ports: Sequence[int], egress: Sequence[Mapping[str, Any]]
    ) -> k8s.networking.v1.NetworkPolicy:
        """Default-deny for the agent's pods but for ``ingress_ports`` in and the ``egress`` rules out.

        Enforced by the VPC CNI's network policy agent, which the cluster turns on.
        """
        return k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=self.metadata(),
            spec={
                "podSelector": {"matchLabels": dict(self.labels)},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"ports": [{"port": port, "protocol": "TCP"} for port in ingress_ports]}],
                "egress": [dict(rule) for rule in egress],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespace]),
        )

    def extra_resources(self, name: str) -> list[pulumi.Resource]:
        """Anything else the agent needs before its pods start (Services, IAM, ...); children of ``self``.

        Called after the namespace exists (``self.namespace``) and before the ServiceAccount.
        """
        return []
