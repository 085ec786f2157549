"""The real DaemonSet controller and scheduler judge components/targeting/__init__.py on generated stacks.

For each generated stack: nodes shaped as EKS shapes the stack's node groups, the rendered Kubernetes objects applied
straight to the API server, and the observed placement compared, cell by cell, with the ``placement`` output the
program computed before registering anything.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from offline.mocks import run_config
from components.placement.plan import plan
from offline.render import kubernetes_manifests
from components.settings import SettingsError, parse_settings
from e2e.generated import OPERATORS, TOLERATION_SECONDS, generated_stack
from local.cluster import LocalCluster
from local.nodes import AGENT_DAEMONSETS, eks_nodes, observed_placement

from .conftest import record

STACKS = int(os.environ.get("E2E_GENERATED_STACKS", "50"))
# The longest a NoExecute taint tolerated for N seconds keeps a pod, plus the eviction controller's and kwok's lag.
EVICTION_WINDOW_SECONDS = max(TOLERATION_SECONDS) + 6


def valid_stacks(count: int) -> list[tuple[int, dict[str, Any], Any]]:
    """The first ``count`` seeds whose stack the settings and the coverage rules accept, with their settings, and more
    until every operator has been drawn."""
    found: list[tuple[int, dict[str, Any], Any]] = []
    seed = 0
    while len(found) < count or operators_used(found) != set(OPERATORS):
        config = generated_stack(seed)["config"]
        raw = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("eks-daemonsets:")}
        try:
            settings = parse_settings(raw, project="eks-daemonsets", stack=f"gen-{seed}", region="us-west-2")
            plan(settings)
        except SettingsError:
            seed += 1
            continue
        found.append((seed, config, settings))
        seed += 1
    return found


def operators_used(stacks: list[tuple[int, dict[str, Any], Any]]) -> set[str]:
    return {
        expression["operator"]
        for _, config, _ in stacks
        for agent in config["eks-daemonsets:agents"].values()
        for expression in agent["targeting"].get("nodeAffinity", [])
    }


def render(config: dict[str, Any], stack: str) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    result = run_config(config, stack=stack)
    return kubernetes_manifests(result.resources), result.outputs["placement"]


def reset(cluster: LocalCluster) -> None:
    """No node and no DaemonSet pod: each stack starts from an empty cluster. Pods go first (kwok finishes their
    deletion only while their node exists), then the nodes."""
    for namespace, name in AGENT_DAEMONSETS.values():
        cluster.kubectl(
            "delete", "daemonset", name, "-n", namespace, "--ignore-not-found", "--cascade=foreground", "--timeout=60s"
        )
    cluster.kubectl("delete", "nodes", "--all", "--timeout=60s")


def settled(cluster: LocalCluster, agents: list[str]) -> None:
    """Wait until every DaemonSet has seen its spec and has as many ready pods as it wants."""
    deadline = time.monotonic() + 120
    while True:
        done = True
        for agent in agents:
            namespace, name = AGENT_DAEMONSETS[agent]
            ds = cluster.get("daemonset", name, "-n", namespace)
            status = ds.get("status", {})
            if status.get("observedGeneration") != ds["metadata"]["generation"] or status.get(
                "numberReady", 0
            ) != status.get("desiredNumberScheduled", -1) or status.get("updatedNumberScheduled", 0) != status.get(
                "desiredNumberScheduled", -1
            ):
                done = False
        if done:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"DaemonSets did not settle: {json.dumps([cluster.get('daemonsets', '-A')['items'][i]['status'] for i in range(len(agents))])}")
        time.sleep(0.5)


def evicts_after_a_while(config: dict[str, Any]) -> bool:
    """Some agent tolerates a NoExecute taint for a while only, and some group has a NoExecute taint."""
    tolerations = [
        t for a in config["eks-daemonsets:agents"].values() if isinstance(a["targeting"]["tolerations"], list)
        for t in a["targeting"]["tolerations"]
    ]
    taints = [t for g in config["eks-daemonsets:nodeGroups"] for t in g.get("taints", [])]
    return any("tolerationSeconds" in t for t in tolerations) and any(t["effect"] == "NoExecute" for t in taints)


def current_pods(cluster: LocalCluster) -> list[dict[str, Any]]:
    return cluster.get("pods", "-A")["items"]


def test_generated_stacks_place_agents_where_the_table_says(cluster: LocalCluster) -> None:
    stacks = valid_stacks(STACKS)
    assert operators_used(stacks) == {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"}
    started = time.monotonic()
    mismatches = []
    for seed, config, settings in stacks:
        reset(cluster)
        manifests, expected = render(config, f"gen-{seed}")
        nodes = eks_nodes(settings)
        cluster.apply(nodes)
        # Namespaces first (and the rest in the file order the render uses), as a pulumi up would order them.
        cluster.apply(m for p, m in manifests.items() if m["kind"] == "Namespace")
        cluster.apply(m for p, m in manifests.items() if m["kind"] not in ("Namespace",))
        agents = sorted(expected)
        settled(cluster, agents)
        before = {p["metadata"]["uid"] for p in current_pods(cluster)}
        if evicts_after_a_while(config):
            time.sleep(EVICTION_WINDOW_SECONDS)
            settled(cluster, agents)
        # A pod counts only if it was there before the window too: a pod the taint manager evicts every few seconds
        # and the DaemonSet controller recreates does not "run" there.
        kept = [p for p in current_pods(cluster) if p["metadata"]["uid"] in before]
        groups = [g.name for g in settings.node_groups]
        observed = observed_placement(nodes, kept, groups, agents)
        for agent in agents:
            for group in groups:
                if observed[agent][group]["runs"] != expected[agent][group]["runs"]:
                    mismatches.append(
                        f"seed {seed}: {agent} on {group}: table says runs={expected[agent][group]['runs']} "
                        f"({expected[agent][group]['reason']}), cluster shows {observed[agent][group]}"
                    )
    record(f"{len(stacks)} generated stacks, placement", time.monotonic() - started)
    reset(cluster)
    assert not mismatches, "\n".join(mismatches)
