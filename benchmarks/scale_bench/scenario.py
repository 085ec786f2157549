"""One scenario of the scale benchmark, start to stop, on a fresh cluster: the nodes, every DaemonSet phase by phase,
its coverage and rollout, ``pulumi up`` if asked; then the table, the goals and ``scale.json``."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from typing import Any

from benchmarks.scale_bench.cluster import BenchCluster, apply, make_room, wait_nodes_ready, wait_settled
from benchmarks.scale_bench.figures import Result, describe
from benchmarks.scale_bench.layout import host_ports, phases, proportional_counts
from benchmarks.scale_bench.machine import LoadSampler, machine
from benchmarks.scale_bench.pulumi_timing import pulumi_figures
from benchmarks.scale_bench.report import goals, table
from benchmarks.scale_bench.rollout_watch import measure_rollout
from benchmarks.scale_bench.targets import DEV, Target, anchor_targets, our_targets
from local.nodes import NODE_GROUP_LABEL, eks_nodes
from local.up import stack_settings

CLUSTER_NAME = "eks-daemonsets-bench"
CLUSTER_PORT = 16447


def scenario(args: argparse.Namespace, startup_seconds: float, *, with_pulumi: bool) -> dict[str, Any]:
    """One cluster, start to stop: nodes, every DaemonSet phase by phase, and pulumi if asked. Prints its table."""
    out = args.out / f"startup-{startup_seconds:g}s"
    out.mkdir(parents=True, exist_ok=True)
    settings = stack_settings(DEV, "dev")
    assert settings is not None, "Pulumi.dev.yaml is invalid"
    groups = [g.name for g in settings.node_groups]
    counts = proportional_counts({g.name: g.scaling.desired for g in settings.node_groups}, args.nodes)
    startup = f"{startup_seconds:g} s from scheduled to Ready" if startup_seconds else "Ready as soon as scheduled"
    print(f"\n=== {args.nodes} nodes ({', '.join(f'{g} {n}' for g, n in counts.items())}); pods {startup}")
    results: dict[str, Result] = {}
    figures: dict[str, Any] = {}
    with LoadSampler() as load, BenchCluster(CLUSTER_NAME, port=CLUSTER_PORT, startup_seconds=startup_seconds) as cluster:
        started = time.monotonic()
        nodes = eks_nodes(settings, counts=counts)
        group_of = {n["metadata"]["name"]: n["metadata"]["labels"][NODE_GROUP_LABEL] for n in nodes}
        for index in range(0, len(nodes), 250):
            cluster.apply(nodes[index : index + 250])
        wait_nodes_ready(cluster, len(nodes), timeout_seconds=120 + args.nodes * 0.5)
        figures["nodes_ready_seconds"] = time.monotonic() - started
        print(f"{len(nodes)} nodes Ready in {figures['nodes_ready_seconds']:.0f} s")

        targets = our_targets(cluster) + anchor_targets()
        ports = {t.key: host_ports(t.daemonset["spec"]["template"]["spec"]) for t in targets}
        by_key = {t.key: t for t in targets}
        present: list[Target] = []
        for phase_index, phase in enumerate(phases(ports), start=1):
            members = [by_key[k] for k in phase]
            taken = set().union(*(ports[t.key] for t in members))
            make_room(cluster, present, lambda t: bool(ports[t.key] & taken))
            print(f"\nphase {phase_index}: {', '.join(t.label for t in members)}")
            started = time.monotonic()
            for target in members:
                apply(cluster, target.objects)
            present.extend(members)
            wait_settled(cluster, members, timeout_seconds=300 + args.nodes * (1.0 + startup_seconds))
            print(f"  applied and ready on every node they want in {time.monotonic() - started:.0f} s")
            for target in members:
                results[target.key] = describe(cluster, target, group_of, groups)
            for target in members:
                result = results[target.key]
                print(f"  rollout {target.label} on {result.desired} nodes ...", flush=True)
                measure_rollout(cluster, target, result, window=args.window, limit=args.limit, out=out)
                done = f"{result.rollout_seconds:.0f} s" if not result.projected else f"{result.updated_in_window} nodes in {result.window_seconds:.0f} s"
                print(f"    {done}, {result.waves} waves, at most {result.most_without_ready} without a ready agent", flush=True)

        if with_pulumi:
            # pulumi up creates our objects again: ours go, and whatever takes their host ports.
            ours = set().union(*(ports[t.key] for t in targets if t.key.startswith("ours/")))
            make_room(cluster, present, lambda t: t.key.startswith("ours/") or bool(ports[t.key] & ours))
            print("\npulumi up / preview / destroy of our three agents (real engine) ...", flush=True)
            figures.update(pulumi_figures(cluster, out))
        figures["load"] = load.summary()

    ordered = [results[t.key] for t in targets if t.key in results]
    print(f"\nCoverage and rollout on {args.nodes} simulated nodes (Kubernetes 1.35, kwok; pods {startup}); {machine()}")
    print(figures["load"])
    print()
    print(table(ordered, groups))
    if "up_seconds" in figures:
        print(
            f"\npulumi up of our three agents on {args.nodes} nodes: {figures['up_seconds']:.1f} s "
            f"(until every DaemonSet is ready); no-change pulumi preview: {figures['preview_seconds']:.1f} s "
            f"({figures['preview_summary']}); pulumi destroy: {figures['destroy_seconds']:.1f} s"
        )
    print()
    for line in goals(ordered, args.nodes):
        print(line)
    report = {
        "nodes": args.nodes, "startup_seconds": startup_seconds, "counts": counts, "machine": machine(),
        "figures": figures, "results": [asdict(r) for r in ordered],
    }
    (out / "scale.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def run(args: argparse.Namespace) -> int:
    print(f"machine: {machine()}")
    for index, startup_seconds in enumerate(args.startup_seconds):
        scenario(args, startup_seconds, with_pulumi=index == 0 and not args.no_pulumi)
    return 0
