"""The real Karpenter judges the NodePool cells of the placement table: the dev pool stack (Pulumi.automode.yaml, with
Auto Mode's built-in system pool) and generated pool stacks, each on the nodes Karpenter launched for its pools.

For each stack: its NodePools applied (kwok's NodeClass; Karpenter's own CRD installed, so the API server checks
them), pods that make Karpenter launch a node of every shape the agents' targeting tells apart (``local/pools.py``),
the rendered agents applied straight, and every pool cell compared with what the real DaemonSet controller did on
those nodes, node by node for a "runs on some" cell; and every node's labels against the pool's view.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from components.placement.plan import plan
from components.settings import SettingsError, parse_settings
from e2e.generated_pools import generated_pool_stack
from e2e.test_generated_placement import render, settled
from local.cluster import LocalCluster
from local.karpenter import LocalKarpenter
from local.nodes import AGENT_DAEMONSETS
from local.pools import judge, launch_pools, local_pools_config
from local.up import existing_cluster_values
from offline.render import PROJECT_DIR

from .conftest import record

STACKS = int(os.environ.get("E2E_POOL_STACKS", "20"))
REGION = "us-west-2"


def _settings(config: dict[str, Any], stack: str):
    raw = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("eks-daemonsets:")}
    settings = parse_settings(raw, project="eks-daemonsets", stack=stack, region=REGION)
    return settings, plan(settings)


def dev_pool_stack(cluster: LocalCluster) -> dict[str, Any]:
    config = yaml.safe_load((PROJECT_DIR / "Pulumi.automode.yaml").read_text())["config"]
    config = local_pools_config(config)
    config["eks-daemonsets:cluster"] = {**config["eks-daemonsets:cluster"], "existing": existing_cluster_values(cluster)}
    return config


def generated(count: int) -> list[tuple[str, dict[str, Any]]]:
    """The first ``count`` seeds whose stack the settings accept (the rest are skipped, as for node groups)."""
    found, seed = [], 0
    while len(found) < count:
        config = local_pools_config(generated_pool_stack(seed)["config"])
        try:
            _settings(config, f"pools-{seed}")
        except SettingsError:
            seed += 1
            continue
        found.append((f"pools-{seed}", config))
        seed += 1
    return found


@pytest.fixture(scope="module")
def pool_cluster(tools: dict[str, float]) -> Iterator[LocalCluster]:
    with LocalCluster("eks-daemonsets-karpenter-pools", port=16452) as cluster:
        yield cluster


def _clear(cluster: LocalCluster, karpenter: LocalKarpenter) -> None:
    for namespace, name in AGENT_DAEMONSETS.values():
        cluster.kubectl("delete", "daemonset", name, "-n", namespace, "--ignore-not-found", "--cascade=foreground",
                        "--timeout=60s")
    karpenter.clean_up()


def _run(cluster: LocalCluster, karpenter: LocalKarpenter, label: str, config: dict[str, Any]):
    settings, placement = _settings(config, label)
    manifests, _ = render(config, label)
    nodes = launch_pools(karpenter, settings, placement)
    cluster.apply(m for m in manifests.values() if m["kind"] == "Namespace")
    cluster.apply(m for m in manifests.values() if m["kind"] != "Namespace")
    settled(cluster, sorted(placement.targetings))
    judgement = judge(placement, nodes, cluster.get("pods", "-A")["items"])
    _clear(cluster, karpenter)
    return judgement, placement


def test_pool_cells_match_what_karpenter_and_the_daemonset_controller_did(pool_cluster: LocalCluster) -> None:
    stacks = [("automode", dev_pool_stack(pool_cluster)), *generated(STACKS)]
    started = time.monotonic()
    pools = nodes = cells = some = 0
    mismatches: list[str] = []
    for auto_mode in (True, False):
        group = [(label, config) for label, config in stacks
                 if bool(config["eks-daemonsets:cluster"].get("autoMode")) is auto_mode]
        with LocalKarpenter(pool_cluster, region=REGION, auto_mode=auto_mode) as karpenter:
            for label, config in group:
                judgement, placement = _run(pool_cluster, karpenter, label, config)
                pools, nodes, cells = pools + judgement.pools, nodes + judgement.nodes, cells + judgement.cells
                some += sum(cell.some for row in placement.table.values() for cell in row.values())
                mismatches += [f"{label}: {m}" for m in judgement.mismatches]
    seconds = time.monotonic() - started
    record(f"{len(stacks)} pool stacks on Karpenter", seconds)
    print(f"\nKarpenter pool placement: {len(stacks)} stacks, {pools} pools, {nodes} nodes Karpenter launched, "
          f"{cells} cells compared ({some} 'runs on some'), {len(mismatches)} mismatches, {seconds:.0f} s")
    assert some, "no 'runs on some' cell among the stacks: the split was never judged"
    assert not mismatches, "\n".join(mismatches)
