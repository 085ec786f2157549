"""The real Karpenter (its kwok provider) on its own local cluster: a NodePool open on arch launches one node per arch
for pods that need them, labelled and tainted as Karpenter's source says, and the real DaemonSet controller puts an
amd64-only DaemonSet on the amd64 node alone; Karpenter sizes each node for the DaemonSets it counts (those that
tolerate the pool's taints and fit the instance type), and a startup taint keeps such an agent off until removed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from e2e.conftest import record
from local.cluster import LocalCluster
from local.karpenter import NODE_CLASS, PAUSE_IMAGE, LocalKarpenter

REGION = "us-west-2"
TEAM = "eks-daemonsets.example/team"
SHARD = "eks-daemonsets.example/shard"
POOL = {
    "apiVersion": "karpenter.sh/v1",
    "kind": "NodePool",
    "metadata": {"name": "general"},
    "spec": {
        "template": {
            "metadata": {"labels": {"eks-daemonsets.example/pool": "general"}},
            "spec": {
                "nodeClassRef": NODE_CLASS,
                "requirements": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
                    {"key": TEAM, "operator": "In", "values": ["payments"]},
                    {"key": SHARD, "operator": "Exists"},
                ],
                "taints": [{"key": "dedicated", "value": "general", "effect": "NoSchedule"}],
                "startupTaints": [{"key": "example.com/agent-not-ready", "effect": "NoSchedule"}],
            },
        },
    },
}


def _daemonset(name: str, cpu: str, *, node_selector: dict, tolerations: list) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"nodeSelector": node_selector, "tolerations": tolerations,
                         "containers": [{"name": "pause", "image": PAUSE_IMAGE,
                                         "resources": {"requests": {"cpu": cpu}}}]},
            },
        },
    }


@pytest.fixture(scope="module")
def karpenter(tools: dict[str, float]) -> Iterator[LocalKarpenter]:
    started = time.monotonic()
    with LocalCluster("eks-daemonsets-karpenter", port=16451) as cluster:
        record("karpenter: cluster start", time.monotonic() - started)
        with LocalKarpenter(cluster, region=REGION) as local:
            record("karpenter: CRDs and controller ready", local.start_seconds)
            yield local


def test_a_pool_open_on_arch_launches_each_arch_and_the_daemonset_lands_on_amd64_only(karpenter: LocalKarpenter) -> None:
    karpenter.apply_node_pools([POOL])
    started = time.monotonic()
    karpenter.launch(POOL, "amd", node_selector={"kubernetes.io/arch": "amd64"})
    karpenter.launch(POOL, "arm", node_selector={"kubernetes.io/arch": "arm64"})
    nodes = karpenter.wait_for_nodes(2)
    record("karpenter: 2 nodes launched and registered", time.monotonic() - started)
    assert len(nodes) == 2, [n.name for n in nodes]
    by_arch = {n.arch: n for n in nodes}
    assert sorted(by_arch) == ["amd64", "arm64"]
    # The cheapest offering of the cheapest fitting type (local/karpenter_instances.py): spot, zone a.
    assert by_arch["amd64"].instance_type == "t3.large"
    assert by_arch["arm64"].instance_type == "m6g.large"
    for node in nodes:
        labels = node.labels
        assert node.pool == "general" and node.registered and not node.initialized
        assert labels["karpenter.kwok.sh/kwoknodeclass"] == "default"
        assert labels["eks-daemonsets.example/pool"] == "general"
        assert (node.capacity_type, node.zone, labels["topology.kubernetes.io/region"]) == ("spot", f"{REGION}a", REGION)
        assert labels["kubernetes.io/os"] == "linux"
        assert labels["karpenter.k8s.aws/instance-family"] == node.instance_type.split(".")[0]
        # In [one value] -> that value; Exists -> a random integer.
        assert labels[TEAM] == "payments"
        assert labels[SHARD].isdigit(), labels[SHARD]
        assert labels["kubernetes.io/hostname"] != node.name
        taints = {(t["key"], t.get("value"), t["effect"]) for t in node.taints}
        assert taints == {("dedicated", "general", "NoSchedule"), ("example.com/agent-not-ready", None, "NoSchedule")}

    karpenter.remove_startup_taints([POOL])
    nodes = karpenter.wait_for_nodes(2, initialized=True, timeout_seconds=60)
    assert all(n.initialized and len(n.taints) == 1 for n in nodes)

    started = time.monotonic()
    karpenter.cluster.apply([_daemonset("amd64-only", "50m", node_selector={"kubernetes.io/arch": "amd64"},
                                       tolerations=[{"operator": "Exists"}])])
    deadline = time.monotonic() + 60
    while True:
        status = karpenter.cluster.get("daemonset", "-n", "default", "amd64-only").get("status", {})
        if status.get("numberReady") == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    record("karpenter: DaemonSet pod ready", time.monotonic() - started)
    assert status.get("desiredNumberScheduled") == 1 and status.get("numberReady") == 1, status
    pods = karpenter.cluster.get("pods", "-n", "default", "-l", "app=amd64-only")["items"]
    assert [p["spec"]["nodeName"] for p in pods] == [by_arch["amd64"].name]

    karpenter.cluster.kubectl("delete", "daemonset", "-n", "default", "amd64-only")
    karpenter.clean_up()
    record("karpenter: clean up (pods, pools, claims, nodes)", karpenter.clean_up_seconds)
    assert karpenter.nodes() == []
    print(f"karpenter: 1 pool, {len(nodes)} nodes launched, 1 DaemonSet pod, on {nodes[0].labels['kubernetes.io/arch']}"
          f"/{nodes[1].labels['kubernetes.io/arch']}")


def test_karpenter_sizes_each_node_for_the_daemonsets_that_tolerate_the_pools_taints_and_fit_its_instance_type(
    karpenter: LocalKarpenter,
) -> None:
    # Counted on amd64 types only: it tolerates the pool's taint (not its startup taint, which Karpenter ignores).
    heavy = _daemonset("heavy-amd64", "1850m", node_selector={"kubernetes.io/arch": "amd64"},
                       tolerations=[{"key": "dedicated", "operator": "Equal", "value": "general", "effect": "NoSchedule"}])
    # Never counted: it does not tolerate the pool's taint. Counted, it would push both nodes to 4+ vCPU types.
    untolerated = _daemonset("untolerated", "2500m", node_selector={}, tolerations=[])
    karpenter.cluster.apply([heavy, untolerated])
    karpenter.apply_node_pools([POOL])
    started = time.monotonic()
    karpenter.launch(POOL, "amd", node_selector={"kubernetes.io/arch": "amd64"})
    karpenter.launch(POOL, "arm", node_selector={"kubernetes.io/arch": "arm64"})
    by_arch = {n.arch: n for n in karpenter.wait_for_nodes(2)}
    record("karpenter: 2 nodes sized for DaemonSets", time.monotonic() - started)
    # 1850m + 100m is more than t3.large's or m6i.large's 1900m allocatable: the cheapest amd64 type that fits.
    assert by_arch["amd64"].instance_type == "m7i.xlarge"
    assert by_arch["arm64"].instance_type == "m6g.large"

    def pods_of(name: str) -> list[str]:
        pods = karpenter.cluster.get("pods", "-n", "default", "-l", f"app={name}")["items"]
        return [p["spec"].get("nodeName") for p in pods]

    # The startup taint keeps the heavy agent off the node Karpenter sized for it, until something removes it.
    assert pods_of("heavy-amd64") == []
    karpenter.remove_startup_taints([POOL])
    deadline = time.monotonic() + 60
    while pods_of("heavy-amd64") != [by_arch["amd64"].name] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert pods_of("heavy-amd64") == [by_arch["amd64"].name]
    assert pods_of("untolerated") == []

    karpenter.cluster.kubectl("delete", "daemonset", "-n", "default", "heavy-amd64", "untolerated")
    karpenter.clean_up()
    assert karpenter.nodes() == []
