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

from components.cluster.eks_inputs import (
    NODE_POLICY_NAMES,
    addon_node_group,
    admin_entry_name,
    cluster_admin_policy_arn,
    coredns_configuration,
    managed_policy_arn,
)
from components.cluster.node_pools import create_node_pools, network_policy_controller
from components.placement import node_group_labels
from components.settings import ClusterSettings, NodeGroupSettings, NodePoolSettings

# The EKS node group API spells taint effects in its own way.
EKS_TAINT_EFFECT = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}


@dataclass(frozen=True)
class EksClusterArgs:
    """Everything the cluster is built from: the validated ``cluster`` and ``nodeGroups`` settings."""

    cluster_name: str
    cluster: ClusterSettings
    node_groups: Sequence[NodeGroupSettings]
    #: Karpenter NodePools to create (on an Auto Mode cluster).
    node_pools: Sequence[NodePoolSettings] = ()


#: The built-in Auto Mode pools a new cluster keeps: ``system`` only. The stack's own pools take general-purpose's
#: place; a built-in pool must stay on for the built-in NodeClass they use to exist (EKS user guide, "Create a Node
#: Pool for EKS Auto Mode"), and with it the node role EKS gives access to.
AUTO_MODE_BUILT_IN_POOLS = ("system",)


def _networking_arguments(settings: ClusterSettings, pins, *, managed_nodes: bool) -> dict:
    """The add-on arguments of ``eks.Cluster``: managed nodes need the VPC CNI and kube-proxy add-ons; Auto Mode
    nodes run pod networking themselves.

    Pinned add-on versions: without one, pulumi-eks takes the most recent vpc-cni and kube-proxy on every run
    (getAddonVersionOutput({mostRecent: true})), upgrading every node on an unrelated ``pulumi up``.
    """
    arguments: dict = {}
    if settings.auto_mode:
        arguments["auto_mode"] = eks.AutoModeOptionsArgs(
            enabled=True,
            create_node_role=True,
            compute_config=eks.ClusterComputeConfigArgs(node_pools=list(AUTO_MODE_BUILT_IN_POOLS)),
        )
    if managed_nodes:
        # The agents ship NetworkPolicies; the VPC CNI enforces them only with its network policy agent on. With Auto
        # Mode on, pulumi-eks makes the VPC CNI and kube-proxy add-ons only when asked outright (cluster.ts:
        # useDefaultVpcCni false, kubeProxyAddonOptions.enabled true).
        arguments["use_default_vpc_cni"] = False
        arguments["vpc_cni_options"] = eks.VpcCniOptionsArgs(enable_network_policy=True, addon_version=pins.vpc_cni)
        arguments["kube_proxy_addon_options"] = eks.KubeProxyAddonOptionsArgs(
            version=pins.kube_proxy, **({"enabled": True} if settings.auto_mode else {})
        )
    return arguments


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

        node_role = self._node_role(name, settings) if args.node_groups else None
        attachments = self._node_role_policies(name, node_role) if node_role else []
        pins = settings.addon_pins

        vpc = settings.given_vpc
        self.cluster = eks.Cluster(
            name,
            name=args.cluster_name,
            version=settings.kubernetes_version,
            # Access entries, not the aws-auth ConfigMap: IAM access is managed through the EKS API and is
            # visible in CloudTrail; a typo in a ConfigMap can lock everyone out. Auto Mode requires them too.
            authentication_mode=eks.AuthenticationMode.API,
            # No instance_roles: in API mode pulumi-eks refuses a non-empty list (its authenticationMode.ts,
            # validateAuthenticationMode), and none is needed: EKS itself creates the EC2_LINUX access entry of a
            # managed node group's node role when the group is created (EKS user guide, "Create access entries").
            # Administrators' entries are made below, each named by its principal.
            skip_default_node_group=True,
            # CoreDNS is managed below, once the node group it is aimed at exists. pulumi-eks would make its own add-on
            # if asked (corednsExplicitlyEnabled), before any node group, where it could not become ready; and with
            # Auto Mode by default (cluster.ts; pulumi/pulumi-eks#1726), though Auto Mode runs DNS on its nodes itself.
            coredns_addon_options=eks.CoreDnsAddonOptionsArgs(enabled=False),
            **_networking_arguments(settings, pins, managed_nodes=bool(args.node_groups)),
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

        # The stack's NodePools, on Auto Mode's built-in NodeClass; and the network policy controller Auto Mode
        # needs before it enforces the agents' NetworkPolicies.
        on_cluster = pulumi.ResourceOptions(parent=self, provider=self.provider, depends_on=[self.cluster])
        self.node_pools = create_node_pools(name, args.node_pools, on_cluster) if settings.auto_mode else []
        if settings.auto_mode:
            network_policy_controller(name, on_cluster)

        self.node_groups = {
            group.name: eks.ManagedNodeGroup(
                f"{name}-{group.name}",
                cluster=self.cluster,
                # A name prefix, not a pinned name: a change EKS can only make by replacing the group (instance
                # types, capacity or AMI type, disk size, subnets) then creates the new group before deleting the
                # old one, instead of taking every node of the group, and its agents, away at once. The provider
                # (the Terraform AWS provider under pulumi-aws), not EKS, appends a 26-character unique suffix to the
                # prefix. Nodes are aimed at through our own eks-daemonsets.io/node-group label, which carries the
                # stack file's name.
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

        self.access_entries = self._admin_access_entries(name, args)
        # Only where managed nodes run it: Auto Mode nodes resolve names without the add-on.
        self.coredns = self._coredns(name, args, pins.core_dns) if args.node_groups else None

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

    def _node_role(self, name: str, settings: ClusterSettings) -> aws.iam.Role:
        """The managed node groups' IAM role, which EC2 instances assume."""
        return aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                },
                sort_keys=True,
            ),
            tags=settings.tags or None,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _node_role_policies(self, name: str, node_role: aws.iam.Role) -> list[aws.iam.RolePolicyAttachment]:
        # The provider's partition, not the principal's or a literal "aws": aws-cn and aws-us-gov regions name AWS's
        # managed policies arn:aws-cn:... and arn:aws-us-gov:... (pulumi-eks does the same for its own roles).
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self)).partition
        return [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{short}",
                role=node_role.name,
                policy_arn=partition.apply(lambda p, policy=policy: managed_policy_arn(p, policy)),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for short, policy in NODE_POLICY_NAMES.items()
        ]

    def _admin_access_entries(self, name: str, args: EksClusterArgs) -> list[aws.eks.AccessEntry]:
        """One STANDARD access entry per administrator, with the cluster-admin access policy, named by its ARN.

        Earlier releases let pulumi-eks make these as ``<name>-admin-<index>`` under the cluster component; the alias
        adopts such an entry where the list is unchanged, instead of creating a second entry for the principal (a 409
        from EKS) and deleting the first.
        """
        entries = []
        for index, arn in enumerate(args.cluster.admin_principal_arns):
            entry_name = f"{name}-{admin_entry_name(arn)}"
            entry = aws.eks.AccessEntry(
                entry_name,
                cluster_name=args.cluster_name,
                principal_arn=arn,
                type="STANDARD",
                tags=args.cluster.tags or None,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[self.cluster],
                    aliases=[pulumi.Alias(name=f"{name}-admin-{index}", parent=self.cluster)],
                ),
            )
            aws.eks.AccessPolicyAssociation(
                f"{entry_name}-cluster-admin",
                cluster_name=args.cluster_name,
                principal_arn=arn,
                policy_arn=cluster_admin_policy_arn(arn),
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=entry, depends_on=[entry]),
            )
            entries.append(entry)
        return entries

    def _coredns(self, name: str, args: EksClusterArgs, version: str) -> aws.eks.Addon:
        """The CoreDNS add-on at a pinned version, aimed at the node group marked ``clusterAddons``.

        With ``skip_default_node_group`` pulumi-eks manages no CoreDNS add-on (cluster.ts, createCore), which would
        leave the self-managed CoreDNS EKS bootstraps, at whatever version, on any node. Created after the node
        groups, so that its pods have nodes to become ready on; OVERWRITE adopts the bootstrapped Deployment, and
        ``preserve`` keeps CoreDNS running if this resource is ever deleted, as pulumi-eks does for its add-ons.
        """
        group = addon_node_group(args.node_groups)
        return aws.eks.Addon(
            f"{name}-coredns",
            cluster_name=args.cluster_name,
            addon_name="coredns",
            addon_version=version,
            configuration_values=coredns_configuration(group),
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            preserve=True,
            tags=args.cluster.tags or None,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.cluster, *([self.node_groups[group.name]] if group else self.node_groups.values())],
            ),
        )
