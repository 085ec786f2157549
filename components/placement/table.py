"""The placement table: every agent's targeting evaluated against every node group and NodePool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components.placement.node_groups import NodeGroupView
from components.placement.node_pools import NodePoolView
from components.placement.pool_cells import pool_verdict
from components.targeting import NodeTargeting, TargetingError, Verdict


def placement(
    agents: Mapping[str, NodeTargeting], groups: Sequence[NodeGroupView], pools: Sequence[NodePoolView] = ()
) -> dict[str, dict[str, Verdict]]:
    """Evaluate every agent against every node group, then every NodePool.

    Args:
        agents: Agent name to its targeting.
        groups: The node groups.
        pools: The NodePools; a pool's verdict may be "runs on some" (:func:`pool_verdict`).

    Returns:
        ``{agent: {group or pool name: verdict}}``, in the order given (groups first).

    Raises:
        TargetingError: If two node groups or pools share a name.
    """
    seen: set[str] = set()
    for index, name in enumerate([g.name for g in groups] + [p.name for p in pools]):
        if name in seen:
            raise TargetingError("node group or pool name appears twice", path=("groups", index), value=name, allowed="unique names")
        seen.add(name)
    return {
        agent: {
            **{group.name: targeting.evaluate(group.label_map(), group.taints) for group in groups},
            **{pool.name: pool_verdict(targeting, pool) for pool in pools},
        }
        for agent, targeting in agents.items()
    }
