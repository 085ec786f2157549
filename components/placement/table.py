"""The placement table: every agent's targeting evaluated against every node group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components.placement.node_groups import NodeGroupView
from components.targeting import NodeTargeting, TargetingError, Verdict


def placement(
    agents: Mapping[str, NodeTargeting], groups: Sequence[NodeGroupView]
) -> dict[str, dict[str, Verdict]]:
    """Evaluate every agent against every node group.

    Args:
        agents: Agent name to its targeting.
        groups: The node groups.

    Returns:
        ``{agent: {group name: verdict}}``, both in the order given.

    Raises:
        TargetingError: If two node groups share a name.
    """
    seen: set[str] = set()
    for index, group in enumerate(groups):
        if group.name in seen:
            raise TargetingError("node group name appears twice", path=("groups", index), value=group.name, allowed="unique names")
        seen.add(group.name)
    return {
        agent: {group.name: targeting.evaluate(group.label_map(), group.taints) for group in groups}
        for agent, targeting in agents.items()
    }
