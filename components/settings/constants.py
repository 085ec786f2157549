"""The stack file's fixed facts: its namespace, the Kubernetes versions and control plane log types EKS takes, the
label domains nodes may not be given, the node group name limit, and the agents' keys."""

from __future__ import annotations

NAMESPACE = "eks-daemonsets"

#: Kubernetes minor versions Amazon EKS supports (standard or extended support) as of 2026-11, per the EKS user
#: guide's "Understand the Kubernetes version lifecycle on EKS". Keep in step with the schemas kubernetes-validate
#: ships, since every rendered object is validated against its cluster version.
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.32", "1.33", "1.34", "1.35", "1.36")

#: Control plane log types EKS can send to CloudWatch Logs.
CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")

#: Label key prefixes nodes may not be given through a node group: EKS sets its own ``eks.amazonaws.com/`` labels,
#: the NodeRestriction admission plugin refuses kubelet-set labels under ``kubernetes.io``/``k8s.io``, and this
#: program sets ``eks-daemonsets.io/node-group`` itself.
RESERVED_LABEL_DOMAINS = ("eks.amazonaws.com", "kubernetes.io", "k8s.io", "eks-daemonsets.io")

#: The provider, not EKS, names each node group ``<name>-<26-character unique suffix>`` from the prefix it is given
#: (terraform-plugin-sdk's id.PrefixedUniqueId, UniqueIDSuffixLength = 26, behind pulumi-aws's nodeGroupNamePrefix),
#: so that a replacement is created before the old group is deleted; a node group name has at most 63 characters:
#: 63 - 26 - 1.
NODE_GROUP_NAME_MAX = 36

AGENT_KEYS = ("nodeExporter", "fluentd", "securityAgent")

EKS_NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"
