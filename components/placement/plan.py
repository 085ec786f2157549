"""The placement plan: node groups × agents from the validated settings, checked against each agent's coverage.

Runs before any resource is registered. The node groups are seen as EKS will label and taint their nodes, and the
agents through the same :class:`~components.targeting.NodeTargeting` objects their DaemonSets render, so the table
cannot disagree with the manifests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.placement import NodeGroupView, coverage_violations, node_group_view, placement, to_markdown, to_output
from components.settings import NAMESPACE, Settings, SettingsError
from components.targeting import Taint, TaintEffect, Verdict


@dataclass(frozen=True)
class Plan:
    """Where each enabled agent runs, and why not where it doesn't."""

    table: Mapping[str, Mapping[str, Verdict]]

    def output(self) -> dict:
        """The ``placement`` stack output; the offline render turns it into ``placement.md``."""
        return to_output(self.table)


def node_group_views(settings: Settings) -> tuple[NodeGroupView, ...]:
    return tuple(
        node_group_view(
            name=group.name,
            labels=group.labels,
            taints=[Taint(t.key, t.value, TaintEffect(t.effect)) for t in group.taints],
            capacity_type=group.capacity_type,
            ami_type=group.ami_type,
            instance_types=group.instance_types,
        )
        for group in settings.node_groups
    )


def plan(settings: Settings) -> Plan:
    """The placement plan of the enabled agents.

    Raises:
        SettingsError: an agent breaks its coverage rule; the message names the agent, the node group and the label
            expression or taint that keeps it off.
    """
    groups = node_group_views(settings)
    agents = settings.enabled_agents()
    table = placement({key: agent.targeting for key, agent in agents.items()}, groups)
    violations = coverage_violations(table, {key: agent.settings.coverage for key, agent in agents.items()})
    if violations:
        first_agent = next(key for key in agents if violations[0].startswith(f"agent {key} "))
        raise SettingsError(f"{NAMESPACE}:agents.{first_agent}.coverage: " + "; ".join(violations))
    return Plan(table=table)


def plan_from_output(output: Mapping[str, Mapping[str, Mapping[str, object]]], groups: list[str]) -> str:
    """``placement.md`` from the ``placement`` stack output (what the offline render writes)."""
    table = {
        agent: {group: Verdict(bool(cell["runs"]), str(cell["reason"])) for group, cell in row.items()}
        for agent, row in output.items()
    }
    return to_markdown(table, groups)
