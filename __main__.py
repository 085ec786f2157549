"""eks-daemonsets: wiring only. Every decision lives in components/."""

import pulumi

from components.placement.plan import plan
from components.settings import load_settings

# Settings and placement first: a mistake in the stack file, or an agent that would miss the nodes it must cover,
# stops the program before any resource is registered, and before the cloud SDKs (most of the start-up time) load.
settings = load_settings()
placement = plan(settings)

from components.agents.fluentd import ClusterIdentity, Fluentd, FluentdArgs  # noqa: E402
from components.agents.node_agent import NodeAgentArgs  # noqa: E402
from components.agents.node_exporter import NodeExporter, NodeExporterArgs  # noqa: E402
from components.agents.falco import SecurityAgent  # noqa: E402
from components.agents.pod_requests import pod_requests  # noqa: E402

for note in settings.notes:
    pulumi.log.warn(note)

if settings.cluster.existing is not None:
    # A cluster the user already has: no EKS or AWS resource, and (without CloudWatch) no AWS plugin either.
    from components.cluster.existing import ExistingCluster, ExistingClusterArgs

    cluster = ExistingCluster(
        "cluster",
        ExistingClusterArgs(
            cluster_name=settings.cluster_name, existing=settings.cluster.existing, node_groups=settings.node_groups
        ),
    )
else:
    from components.cluster.eks import EksCluster, EksClusterArgs

    cluster = EksCluster(
        "cluster",
        EksClusterArgs(
            cluster_name=settings.cluster_name,
            cluster=settings.cluster,
            node_groups=settings.node_groups,
            node_pools=settings.node_pools,
        ),
    )
# The agents' pods land on the node groups: create those first so a DaemonSet never waits on an empty cluster.
on_cluster = pulumi.ResourceOptions(providers=[cluster.provider], depends_on=list(cluster.node_groups.values()))
agents = settings.enabled_agents()
alert_rules = settings.monitoring.alert_rules_delivery()
built = {}

if "nodeExporter" in agents:
    built["nodeExporter"] = NodeExporter(
        "node-exporter",
        NodeExporterArgs(
            agent=agents["nodeExporter"],
            prometheus_operator=settings.monitoring.prometheus_operator,
            alert_rules=alert_rules,
        ),
        on_cluster,
    )
if "fluentd" in agents:
    built["fluentd"] = Fluentd(
        "fluentd",
        FluentdArgs(
            agent=agents["fluentd"],
            alert_rules=alert_rules,
            cluster=ClusterIdentity(
                name=settings.cluster_name,
                region=settings.region,
                oidc_provider_arn=cluster.oidc_provider_arn,
                oidc_provider_url=cluster.oidc_provider_url,
            ),
        ),
        on_cluster,
    )
if "securityAgent" in agents:
    built["securityAgent"] = SecurityAgent(
        "falco", NodeAgentArgs(agent=agents["securityAgent"], alert_rules=alert_rules), on_cluster
    )

pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("nodeGroupNames", cluster.node_group_names)
pulumi.export("placement", placement.output())
pulumi.export("nodePoolNames", [pool.name for pool in settings.all_node_pools])
# What each new node gives up to the agents, per node group and pool (as Karpenter reserves it on a pool's nodes).
pulumi.export(
    "agentRequestsPerNode",
    placement.node_overhead({key: pod_requests(agent.daemonset_spec["template"]["spec"]) for key, agent in built.items()}),
)
