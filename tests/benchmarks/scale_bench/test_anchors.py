"""The anchors as the benchmark applies them: DaemonSets built from the facts in anchors.yaml, each fact with its source,
and nothing in them but what decides placement and rollout."""

from __future__ import annotations

import re

import kubernetes_validate
import pytest

from benchmarks.scale_bench.anchors import ANCHORS, DAEMONSET_SPEC_FIELDS, POD_SPEC_FIELDS, anchor_daemonset, anchor_objects
from benchmarks.scale_bench.targets import DEV
from components.targeting import DAEMONSET_AUTOMATIC_TOLERATIONS, Taint, TaintEffect, Toleration
from local.nodes import NODE_GROUP_LABEL, eks_nodes
from local.up import stack_settings

IDS = [a.key for a in ANCHORS]

#: What the shipped manifests say, as the README's benchmark section quotes them: (tolerations, maxUnavailable as the
#: API server defaults it, minReadySeconds, priorityClassName, host ports).
SHIPPED = {
    "kube-prometheus": ([{"operator": "Exists"}], "10%", 0, "system-cluster-critical", {9100}),
    "fluentd-k8s-ds": (
        [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
         {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}],
        1, 0, None, set(),
    ),
    "ci-fluentd": (None, 1, 0, None, set()),
    "ci-fluent-bit": (None, 1, 0, None, set()),
    "falco": (
        [{"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
         {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
        1, 0, None, set(),
    ),
}


def test_every_anchor_has_its_facts_pinned_here() -> None:
    assert IDS == list(SHIPPED)


@pytest.mark.parametrize("anchor", ANCHORS, ids=IDS)
def test_each_anchor_names_the_upstream_file_and_commit_its_facts_come_from(anchor) -> None:
    assert set(anchor.source) == {"project", "repository", "path", "commit", "release"}
    assert anchor.source["repository"].startswith("github.com/")
    assert re.fullmatch(r"[0-9a-f]{40}", anchor.source["commit"])
    assert anchor.source["path"].endswith(".yaml")


@pytest.mark.parametrize("anchor", ANCHORS, ids=IDS)
def test_the_daemonset_carries_the_shipped_scheduling_and_rollout_fields(anchor) -> None:
    tolerations, max_unavailable, min_ready, priority, ports = SHIPPED[anchor.key]
    daemonset = anchor_daemonset(anchor)
    spec = daemonset["spec"]
    pod = spec["template"]["spec"]
    assert pod.get("tolerations") == tolerations
    strategy = spec.get("updateStrategy", {"type": "RollingUpdate"})
    assert strategy["type"] == "RollingUpdate"
    # No rollingUpdate block: the API server's default is maxUnavailable 1, maxSurge 0.
    assert strategy.get("rollingUpdate", {}).get("maxUnavailable", 1) == max_unavailable
    assert strategy.get("rollingUpdate", {}).get("maxSurge", 0) == 0
    assert spec.get("minReadySeconds", 0) == min_ready
    assert pod.get("priorityClassName") == priority
    assert {p["hostPort"] for c in pod["containers"] for p in c.get("ports", [])} == ports
    assert spec["template"]["metadata"]["labels"] == spec["selector"]["matchLabels"]


@pytest.mark.parametrize("anchor", ANCHORS, ids=IDS)
def test_the_daemonset_holds_nothing_but_placement_and_rollout_fields(anchor) -> None:
    daemonset = anchor_daemonset(anchor)
    assert set(daemonset["spec"]) <= {"selector", "template", *DAEMONSET_SPEC_FIELDS}
    pod = daemonset["spec"]["template"]["spec"]
    assert set(pod) <= {"containers", "initContainers", *POD_SPEC_FIELDS}
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        assert set(container) <= {"name", "image", "resources", "ports"}


@pytest.mark.parametrize("anchor", ANCHORS, ids=IDS)
def test_the_daemonset_is_a_valid_kubernetes_1_35_object(anchor) -> None:
    for document in anchor_objects(anchor):
        assert kubernetes_validate.validate(document, "1.35", strict=True) == "1.35"


@pytest.mark.parametrize("anchor", ANCHORS, ids=IDS)
def test_an_anchor_gets_its_namespace_unless_every_cluster_has_it(anchor) -> None:
    namespaces = [o["metadata"]["name"] for o in anchor_objects(anchor) if o["kind"] == "Namespace"]
    assert namespaces == ([] if anchor.namespace in ("default", "kube-system") else [anchor.namespace])


def _runs_on(pod: dict, node: dict) -> bool:
    """Whether the DaemonSet controller and scheduler place ``pod`` on ``node``: node selector, then every NoSchedule
    and NoExecute taint tolerated (with the tolerations the controller adds). None of the anchors sets node affinity."""
    assert "affinity" not in pod
    labels = node["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in (pod.get("nodeSelector") or {}).items()):
        return False
    tolerations = [Toleration.from_k8s(t) for t in pod.get("tolerations") or []] + list(DAEMONSET_AUTOMATIC_TOLERATIONS)
    taints = [Taint.from_k8s(t) for t in node["spec"]["taints"]]
    return all(
        any(t.tolerates(taint) for t in tolerations) for taint in taints if taint.effect != TaintEffect.PREFER_NO_SCHEDULE
    )


def test_on_the_dev_node_groups_only_kube_prometheus_covers_the_tainted_ones() -> None:
    """The benchmark's coverage finding, from the facts alone: four of the five anchors run on the untainted general
    group only, so at 1,000 nodes they cover 375 while their status reads healthy."""
    settings = stack_settings(DEV, "dev")
    nodes = eks_nodes(settings)
    covered = {
        anchor.key: sorted({n["metadata"]["labels"][NODE_GROUP_LABEL] for n in nodes
                            if _runs_on(anchor_daemonset(anchor)["spec"]["template"]["spec"], n)})
        for anchor in ANCHORS
    }
    assert covered == {
        "kube-prometheus": ["general", "gpu", "pci", "system"],
        "fluentd-k8s-ds": ["general"],
        "ci-fluentd": ["general"],
        "ci-fluent-bit": ["general"],
        "falco": ["general"],
    }
