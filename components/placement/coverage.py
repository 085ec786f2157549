"""Coverage rules: an agent must run on every node group, or on at least one; say which agents break theirs."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping

from components.targeting import TargetingError, Verdict


class Coverage(enum.StrEnum):
    """How much of the cluster an agent must reach."""

    ALL = "all"  # every node group (security and log agents)
    ANY = "any"  # at least one node group


def coverage_violations(
    table: Mapping[str, Mapping[str, Verdict]],
    coverage: Mapping[str, Coverage | str],
    pools: Collection[str] = (),
) -> list[str]:
    """One-line messages for every agent whose placement breaks its coverage rule.

    For ``all``, a NodePool on whose nodes the agent runs only in part is a miss, naming the nodes it misses.

    Args:
        table: The output of :func:`placement`.
        coverage: Agent name to its rule; agents not listed are not checked.
        pools: Which of the table's columns are NodePools (the rest are node groups).

    Returns:
        Messages in table order (agents, then node groups); empty when all is well.

    Raises:
        TargetingError: If ``coverage`` names an agent missing from the table,
            or a rule other than ``all``/``any``.
    """
    for agent, rule in coverage.items():
        if agent not in table:
            raise TargetingError(
                "coverage names an agent that is not in the placement table",
                path=(agent,), value=agent, allowed=", ".join(table) or "no agents",
            )
        if rule not in tuple(Coverage):
            raise TargetingError("unknown coverage rule", path=(agent,), value=rule, allowed="all, any")
    messages: list[str] = []
    for agent, row in table.items():
        if agent not in coverage:
            continue
        rule = Coverage(coverage[agent])
        if rule is Coverage.ALL:
            for group, verdict in row.items():
                kind = "node pool" if group in pools else "node group"
                if verdict.some:
                    messages.append(
                        f"agent {agent} must run on every node (coverage: all) but on node pool {group} runs on "
                        f"{verdict.split}: it {verdict.reason}"
                    )
                elif not verdict.runs:
                    scope = "node" if group in pools else "node group"
                    messages.append(
                        f"agent {agent} must run on every {scope} (coverage: all) "
                        f"but does not run on {kind} {group}: {verdict.reason}"
                    )
        elif not any(verdict.runs or verdict.some for verdict in row.values()):
            why = "; ".join(f"{group}: {verdict.reason}" for group, verdict in row.items()) or "there are no node groups"
            messages.append(
                f"agent {agent} must run on at least one node group (coverage: any) but runs on none: {why}"
            )
    return messages
