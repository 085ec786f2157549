"""The Karpenter harness's pure parts: the instance-types file the kwok provider reads, the pods that make it launch
a node of a pool, and how a node is read back. e2e/test_karpenter.py runs them against the real Karpenter."""

from __future__ import annotations

import json

from local.karpenter import LAUNCH_NAMESPACE, NODE_CLASS, KarpenterNode, launch_pods, tolerations_for
from local.karpenter_instances import EKS_INSTANCE_TYPES, instance_types_document

POOL = {
    "apiVersion": "karpenter.sh/v1",
    "kind": "NodePool",
    "metadata": {"name": "gpu"},
    "spec": {
        "template": {
            "spec": {
                "nodeClassRef": NODE_CLASS,
                "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                "startupTaints": [{"key": "example.com/not-ready", "effect": "NoExecute"}],
            }
        }
    },
}


def _requirements(offering) -> dict[str, list[str]]:
    return {r["key"]: r["values"] for r in offering["Requirements"] if r["operator"] == "In"}


def test_every_type_is_offered_spot_and_on_demand_in_three_zones_of_the_region_spot_cheapest_in_zone_a() -> None:
    document = instance_types_document("eu-central-1")
    assert [t["name"] for t in document] == [t.name for t in EKS_INSTANCE_TYPES]
    for instance in document:
        offers = {
            (_requirements(o)["karpenter.sh/capacity-type"][0], _requirements(o)["topology.kubernetes.io/zone"][0]): o["Price"]
            for o in instance["offerings"]
        }
        assert set(offers) == {(c, f"eu-central-1{z}") for c in ("spot", "on-demand") for z in "abc"}
        # One cheapest offering, so the kwok provider's pick (cheapest, ties sampled at random) is always the same.
        assert min(offers, key=offers.get) == ("spot", "eu-central-1a")
        assert sorted(offers.values()).count(min(offers.values())) == 1
        assert all(_requirements(o)["topology.kubernetes.io/region"] == ["eu-central-1"] for o in instance["offerings"])
        assert all(o["Available"] for o in instance["offerings"])
    json.dumps(document)  # what the file holds


def test_the_instance_types_carry_the_shapes_and_aws_labels_of_their_ec2_types() -> None:
    by_name = {t["name"]: t for t in instance_types_document("us-west-2")}
    assert {n for n, t in by_name.items() if t["architecture"] == "arm64"} == {"m7g.large", "m7g.xlarge", "m6g.large"}
    assert by_name["g5.xlarge"]["resources"] == {"cpu": "4", "memory": "16Gi", "pods": "58", "ephemeral-storage": "20Gi",
                                                 "nvidia.com/gpu": "1"}
    assert "nvidia.com/gpu" not in by_name["m6i.large"]["resources"]
    labels = _requirements(by_name["c7i.2xlarge"]["offerings"][0])
    assert {k: v[0] for k, v in labels.items() if k.startswith("karpenter.k8s.aws/")} == {
        "karpenter.k8s.aws/instance-category": "c",
        "karpenter.k8s.aws/instance-family": "c7i",
        "karpenter.k8s.aws/instance-generation": "7",
        "karpenter.k8s.aws/instance-size": "2xlarge",
        "karpenter.k8s.aws/instance-cpu": "8",
        "karpenter.k8s.aws/instance-memory": "16384",
    }
    assert _requirements(by_name["g5.xlarge"]["offerings"][0])["karpenter.k8s.aws/instance-gpu-count"] == ["1"]


def test_launch_pods_are_pinned_to_the_pool_and_tolerate_exactly_its_taints_and_startup_taints() -> None:
    assert tolerations_for(POOL) == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
        {"key": "example.com/not-ready", "operator": "Exists", "effect": "NoExecute"},
    ]
    pods = launch_pods(POOL, "big", count=2, node_selector={"kubernetes.io/arch": "amd64"},
                       requirements=[{"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}])
    assert [p["metadata"]["name"] for p in pods] == ["big-0", "big-1"]
    spec = pods[0]["spec"]
    assert pods[0]["metadata"]["namespace"] == LAUNCH_NAMESPACE
    assert pods[0]["metadata"]["annotations"] == {"karpenter.sh/do-not-disrupt": "true"}
    assert spec["nodeSelector"] == {"karpenter.sh/nodepool": "gpu", "kubernetes.io/arch": "amd64"}
    assert spec["tolerations"] == tolerations_for(POOL)
    (term,) = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term["matchExpressions"] == [{"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}]
    assert "affinity" not in launch_pods(POOL, "plain")[0]["spec"]


def test_a_node_is_read_back_with_its_pool_shape_and_state() -> None:
    node = KarpenterNode.from_object(
        {
            "metadata": {
                "name": "kwok-gpu-abcde-x-1",
                "labels": {"karpenter.sh/nodepool": "gpu", "karpenter.sh/registered": "true",
                           "kubernetes.io/arch": "amd64", "node.kubernetes.io/instance-type": "g5.xlarge",
                           "karpenter.sh/capacity-type": "on-demand", "topology.kubernetes.io/zone": "us-west-2b"},
            },
            "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
    )
    assert (node.pool, node.arch, node.instance_type, node.capacity_type, node.zone) == (
        "gpu", "amd64", "g5.xlarge", "on-demand", "us-west-2b")
    assert node.ready and node.registered and not node.initialized
    assert node.taints == ({"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"},)
    assert not KarpenterNode.from_object({"metadata": {"name": "n", "labels": {}}}).ready
