"""The whole stack file: the model it is validated with, and the frozen :class:`Settings` the program uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from pydantic import Field, ValidationInfo, field_validator

from components.monitoring import RulesDelivery
from components.settings.agents import AgentSettings, AgentsSettings
from components.settings.cluster import ClusterSettings
from components.settings.model_base import _Model
from components.settings.node_groups import NodeGroupSettings
from components.settings.node_pools import AUTO_MODE_NODE_CLASS, AUTO_MODE_SYSTEM_POOL, NodeClassRef, NodePoolSettings
from components.targeting import NodeTargeting


class MonitoringSettings(_Model):
    """``eks-daemonsets:monitoring``: what else runs in the cluster that the agents can plug into."""

    prometheus_operator: bool = False
    #: Ship the agents' coverage alert rules; unset means "when the Prometheus Operator is there".
    alert_rules: Optional[bool] = None

    def alert_rules_delivery(self) -> Optional[RulesDelivery]:
        """How the alert rules ship: a PrometheusRule where the operator's CRD exists, else a ConfigMap; or not at all."""
        ships = self.prometheus_operator if self.alert_rules is None else self.alert_rules
        if not ships:
            return None
        return RulesDelivery.PROMETHEUS_RULE if self.prometheus_operator else RulesDelivery.CONFIG_MAP


class _StackModel(_Model):
    cluster: ClusterSettings
    # Either or both: managed node groups (EKS's default quota: 30 per cluster), Karpenter NodePools.
    node_groups: tuple[NodeGroupSettings, ...] = Field(default=(), max_length=30)
    node_pools: tuple[NodePoolSettings, ...] = Field(default=(), max_length=50)
    agents: AgentsSettings = AgentsSettings()
    monitoring: MonitoringSettings = MonitoringSettings()

    @field_validator("node_pools")
    @classmethod
    def _unique_pools(cls, pools: tuple[NodePoolSettings, ...], info: ValidationInfo) -> tuple[NodePoolSettings, ...]:
        groups = {group.name for group in info.data.get("node_groups") or ()}
        cluster = info.data.get("cluster")
        seen: set[str] = set()
        for pool in pools:
            if cluster is not None and cluster.auto_mode and cluster.existing is None and pool.name == AUTO_MODE_SYSTEM_POOL.name:
                raise ValueError(
                    f"{pool.name!r} is the name of EKS Auto Mode's built-in pool, which the cluster keeps; allowed: "
                    "another name"
                )
            if pool.name in seen:
                raise ValueError(f"node pool name {pool.name!r} is used twice; allowed: each name once")
            if pool.name in groups:
                raise ValueError(
                    f"{pool.name!r} names a node group too; allowed: a name no node group has (the placement table "
                    "has a row per group and pool)"
                )
            seen.add(pool.name)
        return pools


    @field_validator("node_groups")
    @classmethod
    def _unique_names(cls, groups: tuple[NodeGroupSettings, ...]) -> tuple[NodeGroupSettings, ...]:
        seen: set[str] = set()
        for group in groups:
            if group.name in seen:
                raise ValueError(f"node group name {group.name!r} is used twice; allowed: each name once")
            seen.add(group.name)
        marked = [group.name for group in groups if group.cluster_addons]
        if len(marked) > 1:
            raise ValueError(
                f"node groups {marked} all have clusterAddons: true; allowed: at most one group runs the cluster's "
                "add-ons (CoreDNS is aimed at one group's label)"
            )
        return groups


#: The stack file's top-level keys (under the namespace), each with its field of :class:`_StackModel`.
_TOP_LEVEL = {
    "cluster": "cluster", "nodeGroups": "node_groups", "nodePools": "node_pools", "agents": "agents",
    "monitoring": "monitoring",
}


@dataclass(frozen=True)
class Agent:
    """One agent's settings with its targeting built: what a NodeAgent component consumes."""

    key: str
    settings: AgentSettings
    targeting: NodeTargeting

    @property
    def enabled(self) -> bool:
        return self.settings.enabled


@dataclass(frozen=True)
class Settings:
    """The whole stack file, validated."""

    project: str
    stack: str
    region: Optional[str]
    cluster_name: str
    cluster: ClusterSettings
    node_groups: tuple[NodeGroupSettings, ...]
    agents: Mapping[str, Agent]
    monitoring: MonitoringSettings
    #: Things the program decided for the user that they should hear about (``pulumi.log.warn`` at preview).
    notes: tuple[str, ...] = ()
    #: Karpenter NodePools, beside or instead of node groups.
    node_pools: tuple[NodePoolSettings, ...] = ()

    @property
    def auto_mode(self) -> bool:
        return self.cluster.auto_mode

    @property
    def all_node_pools(self) -> tuple[NodePoolSettings, ...]:
        """The pools whose nodes the agents land on: on a new Auto Mode cluster, its built-in ``system`` pool too."""
        built_in = (AUTO_MODE_SYSTEM_POOL,) if self.cluster.auto_mode and self.cluster.existing is None else ()
        return built_in + self.node_pools

    def pool_node_class(self, pool: NodePoolSettings) -> NodeClassRef:
        """The NodeClass a pool's nodes come from: its own, or Auto Mode's built-in one."""
        return pool.node_class or AUTO_MODE_NODE_CLASS

    def enabled_agents(self) -> dict[str, Agent]:
        return {key: agent for key, agent in self.agents.items() if agent.enabled}
