"""The dev stack through the real Pulumi engine and Kubernetes provider, on nodes shaped like its node groups.

The tests run in file order and share one stack: preview and up, then what the control plane says of the result
(placement, Pod Security, RBAC), then changes (no-op preview, config set --path, a bad stack, an image rollout), and
last the destroy.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from local.cluster import ClusterError, LocalCluster
from components.placement import NODE_GROUP_LABEL
from local.nodes import AGENT_DAEMONSETS, observed_placement
from local.stack import LocalStack
from local.up import existing_cluster_config, shape_nodes, stack_settings

from .conftest import record

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV = PROJECT_DIR / "Pulumi.dev.yaml"
OUR_NAMESPACES = sorted({namespace for namespace, _ in AGENT_DAEMONSETS.values()})


@pytest.fixture(scope="module")
def nodes(cluster: LocalCluster) -> list[dict[str, Any]]:
    return shape_nodes(cluster, stack_settings(DEV, "dev"))


@pytest.fixture(scope="module")
def dev(cluster: LocalCluster, nodes: list[dict[str, Any]], tmp_path_factory) -> Iterator[LocalStack]:
    stack = LocalStack(DEV, "dev", home=tmp_path_factory.mktemp("dev-stack"), extra_config=existing_cluster_config(cluster))
    yield stack
    if stack.home.exists():
        try:
            stack.destroy()
        finally:
            stack.remove()


def daemonset_status(cluster: LocalCluster, agent: str) -> dict[str, Any]:
    namespace, name = AGENT_DAEMONSETS[agent]
    return cluster.get("daemonset", name, "-n", namespace)


def test_preview_then_up_deploys_every_agent_ready(cluster: LocalCluster, dev: LocalStack) -> None:
    started = time.monotonic()
    preview = dev.preview()
    record("pulumi preview (first)", time.monotonic() - started)
    assert preview.change_summary.get("create", 0) >= 19, preview.change_summary

    started = time.monotonic()
    result = dev.up()
    record("pulumi up", time.monotonic() - started)
    assert result.summary.result == "succeeded"
    # The provider's await has passed for every DaemonSet (no skipAwait); the controller agrees.
    for agent in AGENT_DAEMONSETS:
        status = daemonset_status(cluster, agent)["status"]
        assert status["desiredNumberScheduled"] > 0, agent
        assert status["desiredNumberScheduled"] == status["updatedNumberScheduled"] == status["numberReady"], (agent, status)


def test_observed_placement_equals_the_placement_table(cluster: LocalCluster, dev: LocalStack, nodes) -> None:
    outputs = dev.outputs()
    table, groups = outputs["placement"], list(outputs["nodeGroupNames"])
    observed = observed_placement(nodes, cluster.get("pods", "-A")["items"], groups, sorted(table))
    assert {a: {g: c["runs"] for g, c in row.items()} for a, row in observed.items()} == {
        a: {g: c["runs"] for g, c in row.items()} for a, row in table.items()
    }
    # Exactly one pod per node wherever the table says the agent runs.
    desired = {g: sum(1 for n in nodes if n["metadata"]["labels"][NODE_GROUP_LABEL] == g) for g in groups}
    for agent, row in observed.items():
        for group, cell in row.items():
            assert cell["pods"] == (desired[group] if table[agent][group]["runs"] else 0), (agent, group, cell)


def test_pod_security_admits_every_agent_pod(cluster: LocalCluster, dev: LocalStack) -> None:
    for namespace in OUR_NAMESPACES:
        labels = cluster.get("namespace", namespace)["metadata"]["labels"]
        assert "pod-security.kubernetes.io/enforce" in labels, namespace
        events = cluster.get("events", "-n", namespace, "--field-selector", "reason=FailedCreate")["items"]
        assert events == [], [e["message"] for e in events]


def test_pod_security_refuses_a_privileged_pod_where_the_level_forbids_it(cluster: LocalCluster) -> None:
    cluster.kubectl("create", "namespace", "e2e-baseline")
    try:
        cluster.kubectl("label", "namespace", "e2e-baseline", "pod-security.kubernetes.io/enforce=baseline")
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "too-privileged", "namespace": "e2e-baseline"},
            "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10", "securityContext": {"privileged": True}}]},
        }
        with pytest.raises(ClusterError, match=r"violates PodSecurity \"baseline:latest\": privileged"):
            cluster.apply([pod])
    finally:
        cluster.kubectl("delete", "namespace", "e2e-baseline", "--wait=false")


# (service account, verb, resource or non-resource URL, allowed?) as the README describes each agent's access.
RBAC_CLAIMS = [
    ("fluentd:fluentd", "list", "pods", True),
    ("fluentd:fluentd", "watch", "namespaces", True),
    ("fluentd:fluentd", "get", "secrets", False),
    ("fluentd:fluentd", "create", "pods", False),
    ("fluentd:fluentd", "list", "configmaps", False),
    ("node-exporter:node-exporter", "create", "tokenreviews.authentication.k8s.io", True),
    ("node-exporter:node-exporter", "create", "subjectaccessreviews.authorization.k8s.io", True),
    ("node-exporter:node-exporter", "list", "pods", False),
    ("node-exporter:node-exporter", "get", "secrets", False),
    ("falco:falco", "list", "pods", False),
    ("falco:falco", "get", "nodes", False),
    ("falco:falco", "get", "secrets", False),
    ("falco:falco", "create", "tokenreviews.authentication.k8s.io", False),
]


@pytest.mark.parametrize(("account", "verb", "resource", "allowed"), RBAC_CLAIMS)
def test_rbac_is_what_the_readme_claims(cluster: LocalCluster, dev: LocalStack, account, verb, resource, allowed) -> None:
    namespace, name = account.split(":")
    answer = cluster.kubectl(
        "auth", "can-i", verb, resource, "--all-namespaces", f"--as=system:serviceaccount:{namespace}:{name}", check=False
    ).strip()
    assert answer == ("yes" if allowed else "no"), (account, verb, resource)


def test_falco_has_no_api_access_at_all(cluster: LocalCluster, dev: LocalStack) -> None:
    # Exactly what an unbound ServiceAccount of the same namespace may do (discovery, self reviews), nothing more.
    falco = cluster.kubectl("auth", "can-i", "--list", "--as=system:serviceaccount:falco:falco")
    nobody = cluster.kubectl("auth", "can-i", "--list", "--as=system:serviceaccount:falco:e2e-unbound")
    assert falco == nobody
    assert "pods" not in falco and "secrets" not in falco


def test_a_second_preview_changes_nothing(dev: LocalStack) -> None:
    started = time.monotonic()
    preview = dev.preview()
    record("pulumi preview (no change)", time.monotonic() - started)
    assert set(preview.change_summary) == {"same"}, preview.change_summary


README_CONFIG_SET = re.compile(r"pulumi config set --path '(eks-daemonsets:[^']+)' (\S+)`")


def test_readme_config_set_path_examples_preview_cleanly(dev: LocalStack) -> None:
    # --path stores `true` as a boolean and `6` as a number: the program must take both where it expects text.
    examples = dict(README_CONFIG_SET.findall((PROJECT_DIR / "README.md").read_text()))
    assert "true" in examples.values() and any(v.isdigit() for v in examples.values()), examples
    dev.stack()
    stack_file = dev.home / "workspace" / f"Pulumi.{dev.name}.yaml"
    before = stack_file.read_text()
    try:
        for key, value in examples.items():
            dev.set_config_path(key, value)
        preview = dev.preview()
        assert "delete" not in preview.change_summary and "replace" not in preview.change_summary, preview.change_summary
    finally:
        stack_file.write_text(before)


def test_a_bad_stack_fails_preview_with_the_render_message_and_creates_nothing(cluster: LocalCluster, tmp_path) -> None:
    bad = PROJECT_DIR / "tests" / "bad_stacks" / "Pulumi.coverage-falco-misses-pci.yaml"
    rendered = subprocess.run(
        [sys.executable, "-m", "offline.render", "--config", str(bad), "--out", str(tmp_path / "render")],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    )
    assert rendered.returncode == 2
    message = rendered.stderr.strip().split(": ", 2)[-1]  # "error: <file>: <message>"
    stack = LocalStack(bad, "bad", home=tmp_path / "bad-stack", extra_config=existing_cluster_config(cluster))
    try:
        with pytest.raises(auto.CommandError) as failed:
            stack.preview()
        assert message in str(failed.value)
        assert stack.stack().export_stack().deployment.get("resources") in (None, [])
    finally:
        stack.remove()


def unavailable_nodes(cluster: LocalCluster, agent: str) -> int:
    """Nodes the agent should be on without an available pod: ready for minReadySeconds, as the controller counts."""
    namespace, name = AGENT_DAEMONSETS[agent]
    ds = cluster.get("daemonset", name, "-n", namespace)
    min_ready = ds["spec"].get("minReadySeconds", 0)
    pods = cluster.get("pods", "-n", namespace)["items"]
    # The clock is read after the pods: a pod that became available while the list was on its way counts as such.
    now = datetime.now(timezone.utc)
    available_nodes = set()
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        for condition in pod.get("status", {}).get("conditions", []):
            if condition["type"] == "Ready" and condition["status"] == "True":
                # Timestamps have whole seconds, rounded down: a pod looks available no later than it is.
                since = datetime.fromisoformat(condition["lastTransitionTime"].replace("Z", "+00:00"))
                if (now - since).total_seconds() >= min_ready:
                    available_nodes.add(pod["spec"].get("nodeName"))
    return ds["status"]["desiredNumberScheduled"] - len(available_nodes)


def test_an_image_change_rolls_out_within_max_unavailable(cluster: LocalCluster, dev: LocalStack) -> None:
    agent = "nodeExporter"
    ds = daemonset_status(cluster, agent)
    old_image = ds["spec"]["template"]["spec"]["containers"][0]["image"]
    # The same repository at the previous release; the pinned image carries a digest after its tag.
    new_image = old_image.partition("@")[0].rsplit(":", 1)[0] + ":v1.12.0"
    desired = ds["status"]["desiredNumberScheduled"]
    max_unavailable = ds["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"]
    allowed = -(-desired * int(str(max_unavailable).rstrip("%")) // 100) if str(max_unavailable).endswith("%") else int(max_unavailable)
    worst = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal worst
        while not done.is_set():
            worst = max(worst, unavailable_nodes(cluster, agent))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        dev.set_config_path("eks-daemonsets:agents.nodeExporter.image", new_image)
        dev.up()
    finally:
        done.set()
        watcher.join()
    record("image rollout (node-exporter)", time.monotonic() - started)
    status = daemonset_status(cluster, agent)
    assert status["spec"]["template"]["spec"]["containers"][0]["image"] == new_image
    assert status["status"]["updatedNumberScheduled"] == status["status"]["numberReady"] == desired
    assert worst <= allowed, f"{worst} nodes without a ready node-exporter at once; maxUnavailable {max_unavailable} allows {allowed}"
    assert worst >= 1, "the watcher never saw a pod being replaced: the rollout was not observed"


def test_destroy_leaves_no_object_of_ours(cluster: LocalCluster, dev: LocalStack) -> None:
    started = time.monotonic()
    dev.destroy()
    record("pulumi destroy", time.monotonic() - started)
    names = {n["metadata"]["name"] for n in cluster.get("namespaces")["items"]}
    deadline = time.monotonic() + 60
    while set(OUR_NAMESPACES) & names and time.monotonic() < deadline:
        time.sleep(1)
        names = {n["metadata"]["name"] for n in cluster.get("namespaces")["items"]}
    assert not set(OUR_NAMESPACES) & names
    ours = [
        r["metadata"]["name"]
        for kind in ("clusterroles", "clusterrolebindings")
        for r in cluster.get(kind)["items"]
        if r["metadata"].get("labels", {}).get("app.kubernetes.io/managed-by") == "eks-daemonsets"
        or r["metadata"]["name"] in ("fluentd", "node-exporter", "node-exporter-metrics-reader", "falco")
    ]
    assert ours == []
    dev.remove()
