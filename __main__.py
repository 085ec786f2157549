"""eks-daemonsets: wiring only. Every decision lives in components/."""

import pulumi

from components.cluster import EksCluster, EksClusterArgs
from components.settings import load_settings

# Settings first: a mistake in the stack file stops the program before any resource is registered.
settings = load_settings()

cluster = EksCluster(
    "cluster",
    EksClusterArgs(cluster_name=settings.cluster_name, cluster=settings.cluster, node_groups=settings.node_groups),
)

pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("nodeGroupNames", cluster.node_group_names)
