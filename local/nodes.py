"""Simulated nodes shaped as EKS shapes each managed node group's nodes, and where the agents actually landed.

The labels come from :func:`components.placement.node_labels` and the taints from
:func:`components.placement.plan.node_group_views`, the same description of a node group the placement table is computed from;
this module only adds what differs from node to node (the host name, the zone, the instance type where a group has
several), the name EKS gives a group made from a prefix, and the annotation kwok needs to take a node over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from components.placement import NODE_GROUP_LABEL, node_labels
from components.placement.plan import node_group_views
from components.settings import Settings

# kwok manages the nodes whose annotations match; kwokctl starts it with --manage-all-nodes, this is belt and braces.
KWOK_ANNOTATION = {"kwok.x-k8s.io/node": "fake"}
ZONE_SUFFIXES = ("a", "b", "c")
# The DaemonSets each agent renders, by the agent's key in the stack file.
AGENT_DAEMONSETS: Mapping[str, tuple[str, str]] = {
    "nodeExporter": ("node-exporter", "node-exporter"),
    "fluentd": ("fluentd", "fluentd"),
    "securityAgent": ("falco", "falco"),
}

def eks_nodegroup_name(group_name: str, group_index: int) -> str:
    """What EKS calls a group created from the prefix ``<name>-``: the prefix and a 26-character unique suffix."""
    return f"{group_name}-2026112800000000000000{group_index:04d}"


def node_name(region: str, group_index: int, node_index: int) -> str:
    """An EKS-style private DNS host name, unique per group and node: ip-10-<group>-<hi>-<lo>.<region>.compute.internal."""
    return f"ip-10-{group_index}-{node_index // 250}-{node_index % 250 + 1}.{region}.compute.internal"


def eks_nodes(settings: Settings, *, counts: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """One Node object per simulated node: ``desired`` per group, or ``counts[group]`` where given.

    Args:
        settings: the validated stack settings.
        counts: node count per group name, to override ``scaling.desired`` (the 1,000-node benchmark).
    """
    nodes = []
    for group_index, (group, view) in enumerate(zip(settings.node_groups, node_group_views(settings))):
        count = group.scaling.desired if counts is None else counts.get(group.name, 0)
        for node_index in range(count):
            name = node_name(settings.region, group_index, node_index)
            zone = f"{settings.region}{ZONE_SUFFIXES[node_index % len(ZONE_SUFFIXES)]}"
            labels = node_labels(group, nodegroup_name=eks_nodegroup_name(group.name, group_index))
            labels.setdefault("kubernetes.io/arch", "amd64")  # a CUSTOM AMI: the table can't tell, the node can
            labels.update(
                {
                    "kubernetes.io/hostname": name,
                    "topology.kubernetes.io/region": settings.region,
                    "topology.kubernetes.io/zone": zone,
                    # Several instance types: EC2 picks one per node.
                    "node.kubernetes.io/instance-type": group.instance_types[node_index % len(group.instance_types)],
                }
            )
            instance_id = "i-0" + hashlib.sha256(name.encode()).hexdigest()[:16]
            nodes.append(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": name, "labels": dict(sorted(labels.items())), "annotations": KWOK_ANNOTATION},
                    "spec": {
                        "providerID": f"aws:///{zone}/{instance_id}",
                        "taints": [
                            {"key": t.key, **({"value": t.value} if t.value else {}), "effect": t.effect.value}
                            for t in view.taints
                        ],
                    },
                }
            )
    return nodes


def agent_pods_per_node(pods: Sequence[Mapping[str, Any]], agent: str) -> tuple[dict[str, int], dict[str, int]]:
    """How many pods of ``agent``'s DaemonSet each node has, and how many of them are ready (pods being deleted
    aside)."""
    namespace, daemonset = AGENT_DAEMONSETS[agent]
    per_node: dict[str, int] = {}
    ready_per_node: dict[str, int] = {}
    for pod in pods:
        meta = pod["metadata"]
        owners = meta.get("ownerReferences") or []
        if meta.get("namespace") != namespace or not any(o.get("kind") == "DaemonSet" and o.get("name") == daemonset for o in owners):
            continue
        node = pod.get("spec", {}).get("nodeName")
        if not node or meta.get("deletionTimestamp"):
            continue
        per_node[node] = per_node.get(node, 0) + 1
        conditions = {c["type"]: c["status"] for c in pod.get("status", {}).get("conditions", [])}
        if conditions.get("Ready") == "True":
            ready_per_node[node] = ready_per_node.get(node, 0) + 1
    return per_node, ready_per_node


def observed_placement(
    nodes: Sequence[Mapping[str, Any]], pods: Sequence[Mapping[str, Any]], groups: Sequence[str], agents: Sequence[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Where each agent's pods actually run, in the ``placement`` output's shape plus a ``pods`` count per cell.

    A cell "runs" when every node of the group has exactly one ready pod of the agent; its reason says otherwise
    how many nodes have none, or more than one.
    """
    group_of = {n["metadata"]["name"]: n["metadata"]["labels"].get(NODE_GROUP_LABEL) for n in nodes}
    nodes_in = {g: sorted(name for name, group in group_of.items() if group == g) for g in groups}
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for agent in agents:
        per_node, ready_per_node = agent_pods_per_node(pods, agent)
        row = {}
        for group in groups:
            members = nodes_in[group]
            pods_here = sum(per_node.get(n, 0) for n in members)
            missing = [n for n in members if ready_per_node.get(n, 0) == 0]
            doubled = [n for n in members if per_node.get(n, 0) > 1]
            if pods_here == 0:
                row[group] = {"runs": False, "reason": f"no pod on any of {len(members)} nodes", "pods": 0}
            elif missing or doubled:
                row[group] = {
                    "runs": False,
                    "reason": f"{len(missing)} of {len(members)} nodes without a ready pod, {len(doubled)} with more than one",
                    "pods": pods_here,
                }
            else:
                row[group] = {"runs": True, "reason": "", "pods": pods_here}
        table[agent] = row
    return table
