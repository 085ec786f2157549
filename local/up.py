"""``make local-up``: a stack on a simulated copy of its node groups, through the real Pulumi engine.

    python -m local.up --stack dev                     # Pulumi.dev.yaml from the project
    python -m local.up --config path/to/Pulumi.x.yaml  # any stack file
    python -m local.up --stack dev --down              # make local-down: destroy the stack, stop the cluster

Builds the tools if need be, starts the local cluster (or reuses the one an earlier local-up started), gives it
``desired`` nodes per node group, labelled and tainted as EKS would, and runs ``pulumi preview`` and ``pulumi up`` of
the stack in existing-cluster mode against it. Then it prints where each agent actually runs beside the placement
table and writes ``build/local/<name>/observed-placement.json``. The stack file is not changed: the existing-cluster
keys are added to the local stack's own copy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import yaml

from offline.render import PROJECT_DIR, StackFileError, read_project_name, read_stack_file
from components.settings import NAMESPACE, Settings, SettingsError, parse_settings
from components.placement.plan import plan
from local.cluster import ClusterError, LocalCluster
from local.karpenter import LocalKarpenter
from local.nodes import AGENT_DAEMONSETS, eks_nodes, observed_placement
from local.pools import judge, launch_pools, local_pools_config
from local.stack import LOCAL_DIR, LocalStack

CLUSTER_NAME = "eks-daemonsets-local"


def stack_settings(stack_file: Path, name: str) -> Optional[Settings]:
    """The stack's settings, or None when they are invalid (the real preview then says why, as the render does)."""
    stack = read_stack_file(stack_file, project=read_project_name(PROJECT_DIR))
    raw = {}
    for key, text in stack.config.items():
        if key.startswith(f"{NAMESPACE}:"):
            try:
                raw[key.split(":", 1)[1]] = json.loads(text)
            except json.JSONDecodeError:
                return None
    try:
        return parse_settings(raw, project=stack.project, stack=name, region=stack.config.get("aws:region"))
    except SettingsError:
        return None


def existing_cluster_config(cluster: LocalCluster) -> dict[str, str]:
    return {
        f"{NAMESPACE}:cluster.existing.kubeconfigPath": str(cluster.kubeconfig),
        f"{NAMESPACE}:cluster.existing.context": f"kwok-{cluster.name}",
    }


def existing_cluster_values(cluster: LocalCluster) -> dict[str, str]:
    """The same keys as the ``cluster.existing`` map a stack file holds."""
    return {key.rsplit(".", 1)[1]: value for key, value in existing_cluster_config(cluster).items()}


def wait_for_nodes(cluster: LocalCluster, count: int, timeout_seconds: float = 120) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        nodes = cluster.get("nodes")["items"]
        ready = [
            n for n in nodes if any(c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", []))
        ]
        if len(nodes) == count and len(ready) == count:
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"{len(ready)} of {count} nodes Ready after {timeout_seconds:.0f} s")
        time.sleep(0.5)


def shape_nodes(cluster: LocalCluster, settings: Optional[Settings]) -> list[dict[str, Any]]:
    """Make the cluster's nodes exactly the stack's: create the missing ones, delete the others."""
    nodes = eks_nodes(settings) if settings else []
    wanted = {n["metadata"]["name"] for n in nodes}
    stale = [n["metadata"]["name"] for n in cluster.get("nodes")["items"] if n["metadata"]["name"] not in wanted]
    if stale:
        cluster.kubectl("delete", "nodes", *stale, "--timeout=60s")
    cluster.apply(nodes)
    wait_for_nodes(cluster, len(nodes))
    return nodes


def observe(cluster: LocalCluster, nodes: Sequence[Mapping[str, Any]], placement: Mapping[str, Any], groups: Sequence[str]) -> dict:
    pods = cluster.get("pods", "-A")["items"]
    return observed_placement(nodes, pods, groups, sorted(placement))


def side_by_side(expected: Mapping[str, Any], observed: Mapping[str, Any], groups: Sequence[str]) -> str:
    """One line per agent and group: what the table says, what the cluster shows."""
    lines = [f"{'agent':<15} {'node group':<14} {'table':<7} {'cluster':<30} reason (table)"]
    for agent in sorted(expected):
        for group in groups:
            want, got = expected[agent][group], observed[agent][group]
            table = "runs" if want["runs"] else "-"
            shown = f"{got['pods']} pods" + ("" if got["runs"] else f" ({got['reason']})" if got["pods"] else "")
            flag = "" if want["runs"] == got["runs"] else "  <-- differs"
            lines.append(f"{agent:<15} {group:<14} {table:<7} {shown:<30} {want['reason']}{flag}")
    return "\n".join(lines)


def local_stack_file(stack_file: Path, name: str, cluster: LocalCluster) -> Path:
    """The stack file as the local cluster runs it, for a stack with NodePools: the existing-cluster keys, the pools
    on kwok's NodeClass and, for a new Auto Mode cluster, its built-in system pool described
    (``local.pools.local_pools_config``). The stack file itself is not changed: this is a copy under build/local."""
    document = yaml.safe_load(stack_file.read_text()) or {}
    config = document.get("config") or {}
    if not config.get(f"{NAMESPACE}:nodePools"):
        return stack_file
    local = local_pools_config(config)
    local[f"{NAMESPACE}:cluster"] = {
        **(local.get(f"{NAMESPACE}:cluster") or {}), "existing": existing_cluster_values(cluster)
    }
    copy = LOCAL_DIR / name / f"Pulumi.{name}.yaml"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(yaml.safe_dump({**document, "config": local}, sort_keys=False))
    return copy


def up(stack_file: Path, name: str) -> int:
    cluster = LocalCluster(CLUSTER_NAME)
    if not cluster.running_pids():
        cluster.start()
        print(f"local cluster {cluster.name} up in {cluster.start_seconds:.1f} s (KUBECONFIG={cluster.kubeconfig})")
    stack_file = local_stack_file(stack_file, name, cluster)
    settings = stack_settings(stack_file, name)
    pools = settings.all_node_pools if settings else ()
    with contextlib.ExitStack() as karpenter_running:
        karpenter = None
        if pools:
            karpenter = karpenter_running.enter_context(
                LocalKarpenter(cluster, region=settings.region or "us-west-2", auto_mode=settings.auto_mode)
            )
            karpenter.clean_up()
        nodes = shape_nodes(cluster, settings)
        print(f"{len(nodes)} nodes shaped as the stack's node groups")
        pool_plan = plan(settings) if karpenter else None
        karpenter_nodes = launch_pools(karpenter, settings, pool_plan) if karpenter else []
        if karpenter:
            print(f"{len(karpenter_nodes)} nodes launched by Karpenter for {len(pool_plan.pools)} NodePools")
        stack = LocalStack(stack_file, name, extra_config=existing_cluster_config(cluster))
        preview = stack.preview(on_output=print)
        if preview.change_summary is None:
            return 2
        result = stack.up(on_output=print)
        outputs = {key: value.value for key, value in result.outputs.items()}
    placement, groups = outputs["placement"], list(outputs["nodeGroupNames"])
    observed = observe(cluster, nodes, placement, groups)
    out = LOCAL_DIR / name / "observed-placement.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(observed, indent=2, sort_keys=True) + "\n")
    print()
    print(side_by_side(placement, observed, groups))
    differs = any(placement[a][g]["runs"] != observed[a][g]["runs"] for a in placement for g in groups)
    if karpenter_nodes:
        judgement = judge(pool_plan, karpenter_nodes, cluster.get("pods", "-A")["items"])
        print(f"\n{'agent':<15} {'node pool':<14} {'table':<40} cluster")
        for agent, row in judgement.observed.items():
            for pool, seen in row.items():
                cell = placement[agent][pool]
                table = "runs" if cell["runs"] else cell.get("some") or "-"
                print(f"{agent:<15} {pool:<14} {table[:40]:<40} {seen['withPod']} of {seen['nodes']} nodes")
        observed["pools"] = judgement.observed
        out.write_text(json.dumps(observed, indent=2, sort_keys=True) + "\n")
        print(f"\n{judgement.pools} NodePools, {judgement.nodes} nodes Karpenter launched, {judgement.cells} cells "
              f"compared, {len(judgement.mismatches)} differ")
        for mismatch in judgement.mismatches:
            print(f"  <-- {mismatch}")
        differs = differs or bool(judgement.mismatches)
    print(f"\nobserved placement -> {out}")
    return 1 if differs else 0


def down(stack_file: Path, name: str) -> int:
    cluster = LocalCluster(CLUSTER_NAME)
    if cluster.running_pids() and (LOCAL_DIR / name / "state").exists():
        stack = LocalStack(stack_file, name, extra_config=existing_cluster_config(cluster))
        stack.destroy(on_output=print)
        stack.remove()
    cluster.stop()
    print(f"local cluster {cluster.name} stopped")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.up", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: Pulumi.<stack>.yaml from the project directory")
    source.add_argument("--config", type=Path, help="path to any Pulumi.<stack>.yaml")
    parser.add_argument("--down", action="store_true", help="destroy the local stack and stop the cluster")
    args = parser.parse_args(argv)
    stack_file = args.config if args.config else PROJECT_DIR / f"Pulumi.{args.stack}.yaml"
    name = args.stack or stack_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
    from pulumi import automation as auto

    try:
        return down(stack_file, name) if args.down else up(stack_file, name)
    except (StackFileError, ClusterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except auto.CommandError as error:
        # The engine printed the program's message with its own decorations; end with it as the render says it.
        print(f"error: {stack_file.name}: {_first_error(str(error))}", file=sys.stderr)
        return 2


def _first_error(text: str) -> str:
    """The first ``error:`` line of the engine's summary: the program's own one-line message."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("error:")]
    return lines[0].removeprefix("error:").strip() if lines else text.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.exit(main())
