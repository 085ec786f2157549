"""What the EKS cluster component sends to AWS, as plain data: node role policies, access entry names, and the
CoreDNS add-on's configuration. Pure functions, loaded without the cloud SDKs, tested directly."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any, Optional

from components.placement import NODE_GROUP_LABEL
from components.settings import NodeGroupSettings

#: AWS managed policies a node's IAM role needs: join the cluster, run the VPC CNI, pull images from ECR. They are
#: named in the provider's own partition (aws, aws-cn, aws-us-gov, ...), as pulumi-eks names its default instance
#: role's (pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts, createCore: `arn:${partition}:iam::aws:policy/...` with
#: the partition from aws.getPartitionOutput).
NODE_POLICY_NAMES = {
    "worker": "AmazonEKSWorkerNodePolicy",
    "cni": "AmazonEKS_CNI_Policy",
    "ecr": "AmazonEC2ContainerRegistryReadOnly",
}


def managed_policy_arn(partition: str, name: str) -> str:
    """An AWS managed IAM policy's ARN in ``partition``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def cluster_admin_policy_arn(principal_arn: str) -> str:
    """The EKS access policy that makes ``principal_arn`` cluster admin, in the principal's own partition.

    Access-policy associations take EKS *access policy* ARNs (``arn:<partition>:eks::aws:cluster-access-policy/...``),
    not IAM policy ARNs: EKS refuses ``arn:aws:iam::aws:policy/AmazonEKSClusterAdminPolicy``. The partition
    (``aws``, ``aws-cn``, ``aws-us-gov``) is the principal's, which is the cluster's.
    """
    partition = principal_arn.split(":")[1]
    return f"arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


_NOT_NAME = re.compile(r"[^A-Za-z0-9-]+")


def admin_entry_name(principal_arn: str) -> str:
    """The resource name of a principal's access entry: the same whatever its place in ``adminPrincipalArns``.

    EKS takes one access entry per principal (CreateAccessEntry: 409 ResourceInUseException for a second) and the
    principal of an entry can't change (``principal_arn`` forces a replacement). Named by position, removing the
    first of two principals would hand the first name to the second principal: a replacement whose create meets the
    entry that still exists, and whose delete would then remove that principal's only entry. Named by the ARN, every
    surviving entry keeps its name. The role or user name keeps it readable; a digest of the whole ARN (account,
    path, partition) keeps two roles of one name apart.
    """
    readable = _NOT_NAME.sub("-", principal_arn.rsplit("/", 1)[-1]).strip("-")[:40] or "principal"
    digest = hashlib.sha256(principal_arn.encode()).hexdigest()[:8]
    return f"admin-{readable}-{digest}"


def addon_node_group(groups: Sequence[NodeGroupSettings]) -> Optional[NodeGroupSettings]:
    """The node group the stack marks for the cluster's add-ons (``clusterAddons: true``), if any."""
    return next((group for group in groups if group.cluster_addons), None)


#: The CoreDNS add-on's own default tolerations (its configuration schema's ``tolerations.default``, as
#: `aws eks describe-addon-configuration --addon-name coredns --addon-version v1.10.1-eksbuild.11` prints it, recorded
#: in cloudbees/terraform-aws-cloudbees-ci-eks-addon blueprints/03-windows-builds/README.md): setting ``tolerations``
#: replaces them, so they are kept beside the marked group's.
COREDNS_DEFAULT_TOLERATIONS = (
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
)


def coredns_configuration(group: Optional[NodeGroupSettings]) -> Optional[str]:
    """The CoreDNS add-on's ``configurationValues``: its pods on ``group``'s nodes only, tolerating its taints.

    ``nodeSelector`` (a map of strings) and ``tolerations`` (a list of objects) are keys of the CoreDNS add-on's
    configuration schema, which allows no others (``additionalProperties: false``). The selector is our own node
    group label, whose value is the name in the stack file; EKS's ``eks.amazonaws.com/nodegroup`` carries the name
    the provider generates. None without a marked group: CoreDNS keeps its own placement.
    """
    if group is None:
        return None
    tolerations: list[dict[str, Any]] = [dict(t) for t in COREDNS_DEFAULT_TOLERATIONS]
    for taint in sorted(group.taints, key=lambda t: (t.key, t.effect, t.value)):
        if any(_covers(toleration, taint.key, taint.effect) for toleration in tolerations):
            continue
        toleration = {"key": taint.key, "effect": taint.effect}
        toleration.update({"operator": "Equal", "value": taint.value} if taint.value else {"operator": "Exists"})
        tolerations.append(toleration)
    return json.dumps({"nodeSelector": {NODE_GROUP_LABEL: group.name}, "tolerations": tolerations}, sort_keys=True)


def _covers(toleration: dict[str, Any], key: str, effect: str) -> bool:
    """An ``Exists`` toleration of ``key`` with no effect, or with ``effect``, tolerates any value of the taint."""
    return (
        toleration.get("key") == key
        and toleration.get("operator") == "Exists"
        and toleration.get("effect") in (None, effect)
    )
