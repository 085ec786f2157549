"""EksCluster: an EKS control plane, its managed node groups, and a Kubernetes provider for what runs on it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from components.placement import node_group_labels
from components.settings import ClusterSettings, NodeGroupSettings

# What a node's IAM role needs: join the cluster, run the VPC CNI, pull images from ECR.
NODE_POLICIES = {
    "worker": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "cni": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "ecr": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
}


def cluster_admin_policy_arn(principal_arn: str) -> str:
    """The EKS access policy that makes ``principal_arn`` cluster admin, in the principal's own partition.

    Access-policy associations take EKS *access policy* ARNs (``arn:<partition>:eks::aws:cluster-access-policy/...``),
    not IAM policy ARNs: EKS refuses ``arn:aws:iam::aws:policy/AmazonEKSClusterAdminPolicy``. The partition
    (``aws``, ``aws-cn``, ``aws-us-gov``) is the principal's, which is the cluster's.
    """
    partition = principal_arn.split(":")[1]
    return f"arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

# The EKS node group API spells taint effects in its own way.
EKS_TAINT_EFFECT = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}


@dataclass(frozen=True)
class EksClusterArgs:
    """Everything the cluster is built from: the validated ``cluster`` and ``nodeGroups`` settings."""

    cluster_name: str
    cluster: ClusterSettings
    node_groups: Sequence[NodeGroupSettings]


def node_group_taints(group: NodeGroupSettings) -> list[aws.eks.NodeGroupTaintArgs]:
    """A node group's taints in the EKS API's form, sorted so previews never show a reordering."""
    return [
        aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=EKS_TAINT_EFFECT[t.effect])
        for t in sorted(group.taints, key=lambda t: (t.key, t.effect, t.value))
    ]


class EksCluster(pulumi.ComponentResource):
    """An EKS cluster with API access entries, OIDC, control plane logs and one managed node group per setting.

    Attributes:
        cluster: the pulumi-eks ``Cluster``.
        provider: a Kubernetes provider for the cluster, built from its kubeconfig (pulumi-eks's Python ``Cluster``
            has no usable provider output).
        node_groups: the ``ManagedNodeGroup`` of each configured group, by name.
        oidc_provider_arn / oidc_provider_url: for IAM roles for service accounts.
    """

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    node_group_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: EksClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("eks-daemonsets:index:EksCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.cluster

        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                sort_keys=True,
            ),
            tags=settings.tags or None,
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-node-{short}", role=node_role.name, policy_arn=arn, opts=child)
            for short, arn in NODE_POLICIES.items()
        ]

        vpc = settings.given_vpc
        self.cluster = eks.Cluster(
            name,
            name=args.cluster_name,
            version=settings.kubernetes_version,
            # Access entries, not the aws-auth ConfigMap: IAM access is managed through the EKS API and is
            # visible in CloudTrail; a typo in a ConfigMap can lock everyone out.
            authentication_mode=eks.AuthenticationMode.API,
            access_entries={
                f"admin-{index}": eks.AccessEntryArgs(
                    principal_arn=arn,
                    access_policies={
                        "cluster-admin": eks.AccessPolicyAssociationArgs(
                            policy_arn=cluster_admin_policy_arn(arn),
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                        )
                    },
                )
                for index, arn in enumerate(settings.admin_principal_arns)
            }
            or None,
            # The nodes' role gets an EC2_LINUX access entry so they can join.
            instance_roles=[node_role],
            skip_default_node_group=True,
            # The agents ship NetworkPolicies; the VPC CNI enforces them only with its network policy agent on.
            use_default_vpc_cni=False,
            vpc_cni_options=eks.VpcCniOptionsArgs(enable_network_policy=True),
            # The Fluentd role assumes a web identity from the cluster's OIDC provider (IRSA).
            create_oidc_provider=True,
            enabled_cluster_log_types=list(settings.control_plane_logging),
            endpoint_public_access=settings.endpoint_public_access,
            endpoint_private_access=True,
            public_access_cidrs=list(settings.public_access_cidrs) if settings.endpoint_public_access else None,
            vpc_id=vpc.id if vpc else None,
            private_subnet_ids=list(vpc.private_subnet_ids) if vpc else None,
            public_subnet_ids=list(vpc.public_subnet_ids) if vpc and vpc.public_subnet_ids else None,
            tags=settings.tags or None,
            opts=child,
        )

        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.cluster.kubeconfig_json,
            opts=child,
        )

        self.node_groups = {
            group.name: eks.ManagedNodeGroup(
                f"{name}-{group.name}",
                cluster=self.cluster,
                # A name prefix, not a pinned name: a change EKS can only make by replacing the group (instance
                # types, capacity or AMI type, disk size, subnets) then creates the new group before deleting the
                # old one, instead of taking every node of the group, and its agents, away at once. Nodes are
                # aimed at through our own eks-daemonsets.io/node-group label, which carries the stack file's name.
                node_group_name_prefix=f"{group.name}-",
                node_role=node_role,
                # Without subnet_ids a managed node group takes the cluster's subnets, public ones included: nodes
                # would land in public subnets, or never join where those don't assign public IPs.
                subnet_ids=list(vpc.private_subnet_ids) if vpc else None,
                instance_types=list(group.instance_types),
                capacity_type=group.capacity_type,
                ami_type=group.ami_type,
                disk_size=group.disk_size_gib,
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=group.scaling.min, desired_size=group.scaling.desired, max_size=group.scaling.max
                ),
                labels=node_group_labels(group),
                taints=node_group_taints(group) or None,
                tags=settings.tags or None,
                opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
            )
            for group in args.node_groups
        }

        self.oidc_provider_arn = self.cluster.oidc_provider_arn
        self.oidc_provider_url = self.cluster.oidc_provider_url
        self.cluster_name = self.cluster.kubeconfig_json.apply(lambda _: args.cluster_name)
        self.kubeconfig = pulumi.Output.secret(self.cluster.kubeconfig_json)
        self.node_group_names = pulumi.Output.from_input([g.name for g in args.node_groups])
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "nodeGroupNames": self.node_group_names,
            }
        )
