"""The benchmark's cluster and what the benchmark does to it: the local cluster with a start-up delay on its pods,
objects applied and removed, and waits until the nodes are Ready and the DaemonSets settled."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from benchmarks.scale_bench.targets import Target
from local.cluster import ClusterError, LocalCluster

READY = '{.status.conditions[?(@.type=="Ready")].status}'


class BenchCluster(LocalCluster):
    """The local cluster, where a pod may take ``startup_seconds`` from scheduled to Ready.

    kwok's pod-ready stage makes a pod Ready the moment it is scheduled. A delay on that stage stands in for an image
    pull and an agent's start-up, which on real nodes is what each replaced pod costs.
    """

    def __init__(self, *args: Any, startup_seconds: float = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.startup_seconds = startup_seconds

    def config_documents(self) -> list[dict[str, Any]]:
        documents = super().config_documents()
        if self.startup_seconds:
            for document in documents:
                if document.get("kind") == "Stage" and document["metadata"]["name"] == "pod-ready":
                    document["spec"]["delay"] = {"durationMilliseconds": int(self.startup_seconds * 1000)}
        return documents


def apply(cluster: LocalCluster, objects: Sequence[Mapping[str, Any]]) -> None:
    """Namespaces first, then the rest, as a deployment tool orders them."""
    cluster.apply([o for o in objects if o["kind"] == "Namespace"])
    cluster.apply([o for o in objects if o["kind"] != "Namespace"])


def remove(cluster: LocalCluster, objects: Sequence[Mapping[str, Any]]) -> None:
    """Delete the objects (a namespace takes its pods along) and wait until they are gone."""
    document = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
    cluster.kubectl("delete", "-f", "-", "--ignore-not-found", "--wait=true", "--timeout=900s", input=json.dumps(document))


def wait_nodes_ready(cluster: LocalCluster, count: int, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        statuses = cluster.kubectl("get", "nodes", "-o", f"jsonpath={{range .items[*]}}{READY}{{\"\\n\"}}{{end}}").split()
        if len(statuses) == count and all(s == "True" for s in statuses):
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"{statuses.count('True')} of {count} nodes Ready after {timeout_seconds:.0f} s")
        time.sleep(2)


def daemonset(cluster: LocalCluster, target: Target) -> dict[str, Any]:
    return cluster.get("daemonset", target.name, "-n", target.namespace)


def wait_settled(cluster: LocalCluster, targets: Sequence[Target], timeout_seconds: float) -> None:
    """Every DaemonSet has seen its spec and has an updated pod on every node it wants, *available* (ready for
    minReadySeconds): the controller replaces a pod that isn't available yet at once, whatever maxUnavailable says,
    so a rollout started earlier would leave more nodes without an agent than the DaemonSet's own settings do."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        pending = []
        for target in targets:
            ds = daemonset(cluster, target)
            status = ds.get("status", {})
            desired = status.get("desiredNumberScheduled", -1)
            if not (
                status.get("observedGeneration") == ds["metadata"]["generation"]
                and desired > 0
                and status.get("numberAvailable") == desired
                and status.get("updatedNumberScheduled") == desired
            ):
                pending.append(f"{target.namespace}/{target.name} {status.get('numberAvailable', 0)}/{desired} available")
        if not pending:
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"DaemonSets not settled after {timeout_seconds:.0f} s: {', '.join(pending)}")
        time.sleep(2)


def make_room(cluster: LocalCluster, present: list[Target], clashes: Callable[[Target], bool]) -> None:
    """Remove the present targets ``clashes`` picks (and forget them)."""
    going = [t for t in present if clashes(t)]
    if not going:
        return
    started = time.monotonic()
    remove(cluster, [o for t in going for o in t.objects])
    present[:] = [t for t in present if t not in going]
    print(f"\nremoved {', '.join(t.label for t in going)} in {time.monotonic() - started:.0f} s")
