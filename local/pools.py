"""A stack's NodePools made real on the local cluster by Karpenter, and the cells of its placement table judged by
what the DaemonSet controller then did on the nodes Karpenter launched (``make local-up`` and ``make e2e``).

The local cluster is an existing one: the pools are applied as the stack would create them
(``components.cluster.node_pools.node_pool_manifest``) but on kwok's NodeClass, and on a new EKS Auto Mode cluster
its built-in ``system`` pool is described beside them. For every pool, pods that only its nodes can take force
Karpenter to launch one node of each shape the agents' targeting tells apart: each value (or the absence) of each
label an agent reads, where the pool allows it and an instance type of the local catalogue
(``local/karpenter_instances.py``) can give it. Each pod asks for a node of its own.

A cell is judged on the nodes of its pool: ``runs``, every node has the agent's ready pod; ``does not run``, none
has; ``runs on some``, each node has it exactly where the agent's targeting passes on that node's labels and taints.
And every node's labels must be ones the pool's :class:`~components.placement.node_pools.NodePoolView` allows: the
model of what Karpenter puts on a node, judged by what it did.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from components.cluster.node_pools import node_pool_manifest
from components.placement.node_pools import NodePoolView, instance_label_prefixes
from components.placement.pool_cells import candidates_for, keys_read, rules_on
from components.settings import NAMESPACE, NodeClassRef, Settings
from components.settings.node_pools import AUTO_MODE_SYSTEM_POOL
from components.placement.plan import Plan
from components.targeting import NodeTargeting, Taint
from local.cluster import ClusterError
from local.karpenter import NODE_CLASS, KarpenterNode, LocalKarpenter
from local.karpenter_instances import (
    AUTO_MODE_LABEL_PREFIX,
    AWS_LABEL_PREFIX,
    CAPACITY_TYPE,
    EKS_INSTANCE_TYPES,
    ZONE,
    ZONE_SUFFIXES,
)
from local.nodes import agent_pods_per_node

KWOK_NODE_CLASS = NodeClassRef(**NODE_CLASS)
#: The capacity types the local catalogue offers.
LAUNCHABLE_CAPACITY = ("on-demand", "spot")


def local_pools_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """A stack's ``config`` as the local cluster runs its pools: each on kwok's NodeClass, and on a new Auto Mode
    cluster its built-in ``system`` pool described too (the local cluster is an existing one, which has no such pool
    of its own)."""
    local = copy.deepcopy(dict(config))
    pools = local.get(f"{NAMESPACE}:nodePools") or []
    cluster = local.get(f"{NAMESPACE}:cluster") or {}
    if cluster.get("autoMode") and "existing" not in cluster:
        pools = [AUTO_MODE_SYSTEM_POOL.model_dump(by_alias=True, exclude_none=True, exclude={"node_class"}), *pools]
    for pool in pools:
        pool["nodeClass"] = KWOK_NODE_CLASS.model_dump()
    if pools:
        local[f"{NAMESPACE}:nodePools"] = pools
    return local


def pool_manifests(settings: Settings) -> list[dict[str, Any]]:
    return [node_pool_manifest(pool, settings.pool_node_class(pool)) for pool in settings.all_node_pools]


def _catalogue(auto_mode: bool) -> list[dict[str, str]]:
    """The labels each instance type of the local catalogue gives its nodes (those that come from the type)."""
    prefix = AUTO_MODE_LABEL_PREFIX if auto_mode else AWS_LABEL_PREFIX
    return [
        {"kubernetes.io/arch": t.architecture, "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": t.name,
         **t.aws_labels(prefix)}
        for t in EKS_INSTANCE_TYPES
    ]


def launchable(pool: NodePoolView, key: str, value: Optional[str], region: str) -> bool:
    """Whether Karpenter can launch a node of ``pool`` with ``key`` set to ``value`` (None: without it) here."""
    prefixes = instance_label_prefixes(pool.node_class_group, pool.auto_mode)
    types = [
        labels for labels in _catalogue(pool.auto_mode)
        if all(pool.domain(k).allows(v) for k, v in labels.items() if k in dict(pool.domains) or k.startswith(prefixes))
    ]
    if not types:
        return False
    if key in types[0] or key.startswith(prefixes):
        return any(labels.get(key) == value for labels in types)
    if key == CAPACITY_TYPE:
        return value in LAUNCHABLE_CAPACITY
    if key == ZONE:
        return value in {f"{region}{s}" for s in ZONE_SUFFIXES}
    return True


def shapes(pool: NodePoolView, targetings: Mapping[str, NodeTargeting], region: str) -> list[tuple[str, Optional[str]]]:
    """The (label, value) pairs to launch a node of each: every value the agents' rules can tell apart, where the pool
    and the catalogue allow it; ``("", None)`` for one node with no further constraint."""
    wanted: list[tuple[str, Optional[str]]] = [("", None)] if launchable(pool, "", None, region) else []
    for key in sorted({k for t in targetings.values() for k in keys_read(t)}):
        candidates = candidates_for(pool.domain(key), [r for t in targetings.values() for r in rules_on(t, key)])
        if len(candidates) < 2:
            continue
        wanted += [(key, value) for value in candidates if launchable(pool, key, value, region)]
    return wanted


def launch(karpenter: LocalKarpenter, manifest: Mapping[str, Any], pool: NodePoolView,
           targetings: Mapping[str, NodeTargeting], region: str) -> int:
    """Pods that make Karpenter launch a node of ``pool`` per shape; returns how many nodes that asks for."""
    wanted = shapes(pool, targetings, region)
    for index, (key, value) in enumerate(wanted):
        selector = {key: value} if key and value is not None else {}
        requirements = [{"key": key, "operator": "DoesNotExist"}] if key and value is None else []
        karpenter.launch(manifest, f"{pool.name}-{index}", node_selector=selector, requirements=requirements, alone=True)
    return len(wanted)


def launched_nodes(karpenter: LocalKarpenter, pools: Sequence[Mapping[str, Any]], wanted: int,
                   timeout_seconds: float = 180) -> list[KarpenterNode]:
    """Wait until Karpenter has launched at least ``wanted`` nodes and every claim it made has a registered,
    initialized node (startup taints removed, as the agent that owns them would), nothing still in flight."""
    karpenter.wait_for_nodes(wanted, timeout_seconds=timeout_seconds)
    deadline = time.monotonic() + timeout_seconds
    while True:
        karpenter.remove_startup_taints(pools)
        nodes = karpenter.nodes()
        claims = karpenter.cluster.get("nodeclaims")["items"]
        if len(nodes) == len(claims) and all(n.ready and n.registered and n.initialized for n in nodes):
            return nodes
        if time.monotonic() > deadline:
            raise ClusterError(f"{len(claims)} node claims, {len(nodes)} nodes, not all initialized after "
                               f"{timeout_seconds:.0f} s (log {karpenter.log_file})")
        time.sleep(1)


def launch_pools(karpenter: LocalKarpenter, settings: Settings, placement: Plan) -> list[KarpenterNode]:
    """The stack's NodePools on the cluster, a node launched of every shape the agents tell apart, and those nodes
    once all are up (:func:`launched_nodes`)."""
    manifests = pool_manifests(settings)
    karpenter.apply_node_pools(manifests)
    region = settings.region or "us-west-2"
    wanted = sum(launch(karpenter, m, view, placement.targetings, region) for m, view in zip(manifests, placement.pools))
    return launched_nodes(karpenter, manifests, wanted)


@dataclass(frozen=True)
class PoolJudgement:
    """What the cluster showed for one stack's pools: cells and nodes compared, and what differed."""

    pools: int
    nodes: int
    cells: int
    mismatches: tuple[str, ...]
    #: per agent and pool: the pool's nodes and how many have a ready pod of the agent
    observed: Mapping[str, Mapping[str, Mapping[str, int]]] = field(default_factory=dict)


def _taints(node: KarpenterNode) -> list[Taint]:
    return [Taint.from_k8s(t) for t in node.taints]


def judge(placement: Plan, nodes: Sequence[KarpenterNode], pods: Sequence[Mapping[str, Any]]) -> PoolJudgement:
    """Every pool cell of the plan's table against the agents' pods on Karpenter's ``nodes``, and each node's labels
    against its pool's view."""
    table, views, targetings = placement.table, placement.pools, placement.targetings
    mismatches: list[str] = []
    by_pool = {view.name: [n for n in nodes if n.pool == view.name] for view in views}
    for view in views:
        for node in by_pool[view.name]:
            keys = set(dict(view.domains)) | {k for t in targetings.values() for k in keys_read(t)}
            for key in sorted(keys):
                if not view.domain(key).allows(node.labels.get(key)):
                    mismatches.append(f"pool {view.name}: node {node.name} has {key}={node.labels.get(key)!r}, "
                                      f"which the pool's view does not allow ({view.domain(key)})")
    cells = 0
    observed: dict[str, dict[str, dict[str, int]]] = {}
    for agent, targeting in targetings.items():
        _, ready = agent_pods_per_node(pods, agent)
        for view in views:
            cell = table[agent][view.name]
            cells += 1
            observed.setdefault(agent, {})[view.name] = {
                "nodes": len(by_pool[view.name]),
                "withPod": sum(ready.get(n.name, 0) == 1 for n in by_pool[view.name]),
            }
            for node in by_pool[view.name]:
                has = ready.get(node.name, 0) == 1
                here = targeting.evaluate(node.labels, _taints(node))
                expected = cell.runs or (cell.some and here.runs)
                if has != expected or (cell.some and has != here.runs):
                    mismatches.append(
                        f"{agent} on pool {view.name}, node {node.name}: the table says "
                        f"{'runs' if cell.runs else cell.split or cell.reason}; the node {'has' if has else 'lacks'} "
                        f"a ready pod (on its labels the targeting says {here.runs}: {here.reason or 'runs'})"
                    )
    return PoolJudgement(len(views), len(nodes), cells, tuple(mismatches), observed)
