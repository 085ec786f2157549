"""The placement plan: node groups × agents from the validated settings, checked against each agent's coverage.

Runs before any resource is registered. The node groups are seen as EKS will label and taint their nodes, and the
agents through the same :class:`~components.targeting.NodeTargeting` objects their DaemonSets render, so the table
cannot disagree with the manifests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from components.placement import NodeGroupView, coverage_violations, node_group_view, placement, to_markdown, to_output
from components.placement.coverage import Coverage
from components.placement.node_pools import NodePoolView, node_pool_view
from components.placement.overhead import group_overhead, pool_overheads
from components.placement.overhead import to_output as overhead_output
from components.settings import NAMESPACE, Settings, SettingsError, config_key
from components.settings.node_pools import PoolTaint
from components.targeting import NodeTargeting, Taint, TaintEffect, Verdict


@dataclass(frozen=True)
class Plan:
    """Where each enabled agent runs, and why not where it doesn't."""

    table: Mapping[str, Mapping[str, Verdict]]
    groups: tuple[str, ...] = ()
    pools: tuple[NodePoolView, ...] = ()
    targetings: Mapping[str, NodeTargeting] = field(default_factory=dict)

    def output(self) -> dict:
        """The ``placement`` stack output; the offline render turns it into ``placement.md``."""
        return to_output(self.table)

    def node_overhead(self, requests: Mapping[str, Mapping[str, Decimal]]) -> dict[str, list[dict[str, object]]]:
        """The ``agentRequestsPerNode`` stack output: per node group and pool, what one node gives up to the agents
        (``requests``: each enabled agent's pod requests), as Karpenter reserves it on a pool's new node."""
        out: dict[str, list[dict[str, object]]] = {}
        for name in self.groups:
            out[name] = [overhead_output(group_overhead({a: row[name] for a, row in self.table.items()}, requests))]
        for pool in self.pools:
            out[pool.name] = [overhead_output(o) for o in pool_overheads(pool, self.targetings, requests)]
        return out


def _taints(taints: Sequence[PoolTaint]) -> list[Taint]:
    return [Taint(t.key, t.value, TaintEffect(t.effect)) for t in taints]


def node_group_views(settings: Settings) -> tuple[NodeGroupView, ...]:
    return tuple(
        node_group_view(
            name=group.name,
            labels=group.labels,
            taints=_taints(group.taints),
            capacity_type=group.capacity_type,
            ami_type=group.ami_type,
            instance_types=group.instance_types,
        )
        for group in settings.node_groups
    )


def node_pool_views(settings: Settings) -> tuple[NodePoolView, ...]:
    """Each NodePool's nodes as Karpenter (or EKS Auto Mode) makes them.

    Raises:
        SettingsError: a pool's requirements leave a label no value, so it could launch no node.
    """
    views = []
    for pool in settings.all_node_pools:
        try:
            views.append(
                node_pool_view(
                    name=pool.name,
                    labels=pool.labels,
                    taints=_taints(pool.taints),
                    startup_taints=_taints(pool.startup_taints),
                    requirements=[(r.key, r.operator, r.values) for r in pool.requirements],
                    node_class_label=settings.pool_node_class(pool).label,
                    auto_mode=settings.auto_mode,
                    region=settings.region,
                )
            )
        except ValueError as error:
            raise SettingsError(
                f"{config_key(('nodePools', settings.node_pools.index(pool), 'requirements'))}: {error}; allowed: "
                "requirements (and labels) a "
                "node can meet together"
            ) from None
    return tuple(views)


def startup_taint_violations(agents: Mapping[str, tuple[NodeTargeting, str]], pools: tuple[NodePoolView, ...]) -> list[str]:
    """An agent that must cover every node, kept off each new node of a pool until the pool's startup taint goes.

    A startup taint is on every node Karpenter launches until something (usually a DaemonSet) removes it: an agent
    that does not tolerate it arrives late on every new node, and never where nothing removes it.
    """
    messages = []
    for agent, (targeting, coverage) in agents.items():
        if Coverage(coverage) is not Coverage.ALL:
            continue
        for pool in pools:
            for taint in targeting.untolerated(pool.startup_taints):
                messages.append(
                    f"agent {agent} must run on every node (coverage: all) but is kept off each new node of pool "
                    f"{pool.name} until its startup taint {taint.describe()} is removed; allowed: tolerate it"
                )
    return messages


def plan(settings: Settings) -> Plan:
    """The placement plan of the enabled agents.

    Raises:
        SettingsError: an agent breaks its coverage rule; the message names the agent, the node group and the label
            expression or taint that keeps it off.
    """
    groups = node_group_views(settings)
    pools = node_pool_views(settings)
    agents = settings.enabled_agents()
    targetings = {key: agent.targeting for key, agent in agents.items()}
    table = placement(targetings, groups, pools)
    violations = coverage_violations(
        table, {key: agent.settings.coverage for key, agent in agents.items()}, pools=[p.name for p in pools]
    )
    violations += startup_taint_violations(
        {key: (agent.targeting, agent.settings.coverage) for key, agent in agents.items()}, pools
    )
    if violations:
        first_agent = next(key for key in agents if violations[0].startswith(f"agent {key} "))
        raise SettingsError(f"{NAMESPACE}:agents.{first_agent}.coverage: " + "; ".join(violations))
    return Plan(table=table, groups=tuple(g.name for g in groups), pools=pools, targetings=targetings)


def plan_from_output(
    output: Mapping[str, Mapping[str, Mapping[str, object]]], groups: list[str], pools: list[str] = ()
) -> str:
    """``placement.md`` from the ``placement`` stack output (what the offline render writes)."""
    table = {
        agent: {
            group: Verdict(bool(cell["runs"]), str(cell["reason"]), str(cell.get("some", "")))
            for group, cell in row.items()
        }
        for agent, row in output.items()
    }
    return to_markdown(table, groups, list(pools))
