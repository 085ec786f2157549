"""ExistingCluster: the agents on a cluster you already have, through a kubeconfig; no EKS or AWS resource."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.settings import ExistingClusterSettings, NodeGroupSettings


@dataclass(frozen=True)
class ExistingClusterArgs:
    """The ``cluster.existing`` settings, and the node groups the cluster already has."""

    cluster_name: str
    existing: ExistingClusterSettings
    node_groups: Sequence[NodeGroupSettings]


class ExistingCluster(pulumi.ComponentResource):
    """A Kubernetes provider for a cluster that is not ours to create: the same outputs as :class:`EksCluster`.

    Attributes:
        provider: the Kubernetes provider, from the kubeconfig (a secret) or the kubeconfig file and context.
        node_groups: empty: the groups exist already, nothing here waits on them.
        oidc_provider_arn / oidc_provider_url: from ``cluster.existing.oidcProviderArn``, or None.
    """

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    node_group_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: ExistingClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("eks-daemonsets:index:ExistingCluster", name, None, opts)
        existing = args.existing
        if existing.kubeconfig is not None:
            kubeconfig = pulumi.Output.secret(existing.kubeconfig)
        else:
            # The provider reads the file at every run; the state keeps only its path.
            kubeconfig = pulumi.Output.from_input(str(Path(existing.kubeconfig_path).expanduser()))
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            context=existing.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.node_groups: dict[str, pulumi.Resource] = {}
        self.oidc_provider_arn = existing.oidc_provider_arn
        self.oidc_provider_url = existing.oidc_provider_url
        self.cluster_name = pulumi.Output.from_input(args.cluster_name)
        self.kubeconfig = pulumi.Output.secret(kubeconfig)
        self.node_group_names = pulumi.Output.from_input([g.name for g in args.node_groups])
        self.register_outputs(
            {"clusterName": self.cluster_name, "kubeconfig": self.kubeconfig, "nodeGroupNames": self.node_group_names}
        )
