"""How the scale benchmark lays a cluster out: nodes shared among the node groups in proportion to their sizes, and
the DaemonSets in phases, no two in one phase taking the same host port."""

from __future__ import annotations

import math
from collections.abc import Mapping


def proportional_counts(weights: Mapping[str, int], total: int) -> dict[str, int]:
    """``total`` nodes shared among the groups in proportion to ``weights`` (largest remainder; ties to the
    earlier group), so the shares add up to ``total`` exactly.

    >>> proportional_counts({"system": 2, "general": 3, "gpu": 1, "pci": 2}, 1000)
    {'system': 250, 'general': 375, 'gpu': 125, 'pci': 250}
    """
    weight_sum = sum(weights.values())
    if weight_sum <= 0 or total < 0:
        raise ValueError(f"need positive weights and a non-negative total, got {dict(weights)} and {total}")
    exact = {group: total * weight / weight_sum for group, weight in weights.items()}
    counts = {group: math.floor(share) for group, share in exact.items()}
    order = sorted(weights, key=lambda g: (-(exact[g] - counts[g]), list(weights).index(g)))
    for group in order[: total - sum(counts.values())]:
        counts[group] += 1
    return counts


def host_ports(pod_spec: Mapping[str, object]) -> frozenset[tuple[str, int]]:
    """The (protocol, port) pairs a pod takes on its node: its hostPorts, or with hostNetwork every containerPort
    (the API server defaults hostPort to containerPort there). Two pods that share one can't run on one node: the
    scheduler's NodePorts filter keeps the second off."""
    taken = set()
    for container in [*pod_spec.get("initContainers", []), *pod_spec.get("containers", [])]:  # type: ignore[misc]
        for port in container.get("ports") or []:
            host_port = port.get("hostPort") or (port["containerPort"] if pod_spec.get("hostNetwork") else None)
            if host_port:
                taken.add((port.get("protocol", "TCP"), int(host_port)))
    return frozenset(taken)


def phases(ports: Mapping[str, frozenset[tuple[str, int]]]) -> list[list[str]]:
    """The DaemonSets (in the given order) in as few phases as first-fit finds, no two in one phase sharing a host
    port: each phase can run on the same nodes at once."""
    grouped: list[tuple[list[str], set[tuple[str, int]]]] = []
    for key, taken in ports.items():
        for members, used in grouped:
            if not used & taken:
                members.append(key)
                used |= taken
                break
        else:
            grouped.append(([key], set(taken)))
    return [members for members, _ in grouped]
