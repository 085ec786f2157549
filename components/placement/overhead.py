"""What one node gives up to the agents: their pods' requests, per node group, and per NodePool as Karpenter reserves
them when it sizes a new node.

A node group's node carries the agents that run there. For a NodePool, Karpenter adds up the requests of every
DaemonSet it expects on the node before it picks an instance type (sigs.k8s.io/karpenter v1.14.1,
``pkg/controllers/provisioning/scheduling/scheduler.go``: buildDaemonOverheadGroups, isDaemonPodCompatible). A
DaemonSet counts for an instance type of the pool when

- its pod tolerates the pool's ``taints`` (PreferNoSchedule ones aside; ``startupTaints`` are not looked at), and
- its node selector and required affinity are *compatible* with the pool's requirements: for labels that come from
  the instance type (architecture, OS, instance type and the provider's ``instance-*`` labels) the instance type's
  value must pass; for any other label it is enough that some value the pool allows passes.

So Karpenter reserves an agent's requests on exactly the nodes it lands on when a pool's nodes differ by instance
type, and on every node of the pool when they differ by another label (a custom requirement, the capacity type or
the zone), although the agent then lands on some of them only.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from components.placement.node_pools import ARCH_LABEL, OS_LABEL, NodePoolView, instance_label_prefixes
from components.placement.pool_cells import candidates_for, keys_read, named_values, passes, rules_on
from components.targeting import NodeTargeting, Verdict

#: Well-known labels whose value is the instance type's own (the rest of a pool's labels are the NodeClaim's).
INSTANCE_TYPE_LABELS = frozenset({ARCH_LABEL, OS_LABEL, "node.kubernetes.io/instance-type"})


@dataclass(frozen=True)
class Overhead:
    """The agents' requests on one node of a node group or pool (or of the part of a pool ``where`` names).

    Attributes:
        where: ``""`` for every node, or which of a pool's nodes (``kubernetes.io/arch=arm64``).
        cpu: cores.
        memory: bytes.
        agents: the agents counted.
        not_landing: agents counted (Karpenter reserves their requests) whose pod lands on only some of those nodes.
    """

    where: str
    cpu: Decimal
    memory: Decimal
    agents: tuple[str, ...]
    not_landing: tuple[str, ...] = ()


def _total(agents: Sequence[str], requests: Mapping[str, Mapping[str, Decimal]], where: str,
           not_landing: Sequence[str] = ()) -> Overhead:
    return Overhead(
        where=where,
        cpu=sum((requests[a].get("cpu", Decimal(0)) for a in agents), Decimal(0)),
        memory=sum((requests[a].get("memory", Decimal(0)) for a in agents), Decimal(0)),
        agents=tuple(agents),
        not_landing=tuple(not_landing),
    )


def group_overhead(row: Mapping[str, Verdict], requests: Mapping[str, Mapping[str, Decimal]]) -> Overhead:
    """A node group's node: the agents whose verdict there is ``runs``."""
    return _total([agent for agent, verdict in row.items() if verdict.runs], requests, "")


def _instance_type_label(key: str, pool: NodePoolView) -> bool:
    prefixes = instance_label_prefixes(pool.node_class_group, pool.auto_mode)
    return key in INSTANCE_TYPE_LABELS or any(key.startswith(prefix) for prefix in prefixes)


def _candidates(targetings: Mapping[str, NodeTargeting], pool: NodePoolView, key: str) -> list[Optional[str]]:
    return candidates_for(pool.domain(key), [r for t in targetings.values() for r in rules_on(t, key)])


def pool_overheads(
    pool: NodePoolView, targetings: Mapping[str, NodeTargeting], requests: Mapping[str, Mapping[str, Decimal]]
) -> list[Overhead]:
    """What Karpenter reserves for the agents on a new node of ``pool``: one figure, or one per kind of instance
    type where the agents' rules on instance-type labels tell them apart (``where`` names which)."""
    # Instance-type labels that differ between the pool's nodes (a label with one possible value tells none apart).
    keys = sorted(
        k for k in {k for t in targetings.values() for k in keys_read(t) if _instance_type_label(k, pool)}
        if len(_candidates(targetings, pool, k)) > 1
    )
    per_key = [_candidates(targetings, pool, key) for key in keys]
    rows: dict[tuple[str, ...], list[tuple]] = {}
    for combination in itertools.product(*per_key):
        shape = dict(zip(keys, combination))
        counted, partly = [], []
        for agent, targeting in targetings.items():
            if targeting.untolerated(pool.taints):
                continue
            everywhere = True
            fits = True
            for key in keys_read(targeting):
                rules = rules_on(targeting, key)
                if key in shape:
                    fits = fits and passes(rules, key, shape[key])
                    continue
                values = _candidates({agent: targeting}, pool, key)
                passing = [v for v in values if passes(rules, key, v)]
                fits = fits and bool(passing)
                everywhere = everywhere and len(passing) == len(values)
            if fits:
                counted.append(agent)
                if not everywhere:
                    partly.append(agent)
        rows.setdefault((tuple(counted), tuple(partly)), []).append(combination)
    if len(rows) == 1:
        (counted, partly), = rows
        return [_total(counted, requests, "", partly)]
    known = [set(pool.domain(k).values or ()) | set(named_values([r for t in targetings.values() for r in rules_on(t, k)]))
             for k in keys]
    rules = [list(dict.fromkeys(r for t in targetings.values() for r in rules_on(t, k))) for k in keys]
    return [
        _total(counted, requests, _where(keys, known, rules, combinations), partly)
        for (counted, partly), combinations in rows.items()
    ]


def _where(keys: Sequence[str], known: Sequence[set], rules: Sequence[Sequence], combinations: Sequence[tuple]) -> str:
    """Which nodes: ``kubernetes.io/arch=arm64``; a value no rule or requirement names reads as the agents' rules it
    meets and fails (``instance-cpu Gt 8``), since two such values can fall in different rows."""
    def other(key: str, value: str, key_rules: Sequence) -> str:
        text = [r.describe() if r.matches({key: value}) else f"not {r.describe()}" for r in key_rules]
        return " and ".join(text) or f"{key}: another value"

    def one(combination: tuple) -> str:
        return ", ".join(
            f"no {k}" if v is None else f"{k}={v}" if v in names else other(k, v, key_rules)
            for k, names, key_rules, v in zip(keys, known, rules, combination)
        )

    return " or ".join(dict.fromkeys(one(c) for c in combinations))


def format_cpu(cores: Decimal) -> str:
    return f"{int(cores * 1000)}m"


def format_memory(memory: Decimal) -> str:
    return f"{int(memory / (1 << 20))}Mi"


def to_output(overhead: Overhead) -> dict[str, object]:
    """JSON-ready: ``cpu`` in millicores, ``memory`` in MiB, as the requests are written."""
    out: dict[str, object] = {
        "cpu": format_cpu(overhead.cpu), "memory": format_memory(overhead.memory), "agents": list(overhead.agents),
    }
    if overhead.where:
        out["where"] = overhead.where
    if overhead.not_landing:
        out["reservedWhereItDoesNotRun"] = list(overhead.not_landing)
    return out
