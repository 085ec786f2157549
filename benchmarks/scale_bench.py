"""Coverage and rollout of ours and the anchors' DaemonSets on one simulated 1,000-node cluster (``make bench-scale``).

    python -m benchmarks.scale_bench [--nodes 1000] [--window 120] [--startup-seconds 0 5] [--no-pulumi]

One scenario per ``--startup-seconds`` value (how long kwok takes to make a scheduled pod Ready; 0 is kwok's own
instant), each on its own cluster (``LocalCluster("eks-daemonsets-bench", port=16447)``, stopped at the end whatever
happens):

1. ``--nodes`` kwok nodes, shared among the dev stack's node groups in proportion to their ``desired`` sizes and
   labelled and tainted as EKS does (``local.nodes.eks_nodes``).
2. Our three DaemonSets, rendered from the dev stack in existing-cluster mode under the recording mocks, and the
   anchors' manifests as they ship (``benchmarks/anchors.py``), applied straight. DaemonSets that take the same host
   port (both node-exporters take 9100, as on a real node) can't share a node, so they run in separate phases, ours
   first.
3. Coverage: per node group, how many nodes run a ready pod of each DaemonSet.
4. Rollout, one DaemonSet at a time: ``kubectl set image`` of the first container to a new tag, then a watch of its
   pods until every node has a ready pod of the new image. From the watch (every pod change, not samples): the
   most nodes without a ready agent at any moment (no pod that is Ready and not terminating), the most without an
   *available* one (ready for minReadySeconds, what maxUnavailable bounds), and the waves. A DaemonSet that replaces
   one node at a time is watched for ``--window`` seconds only, then frozen (updateStrategy OnDelete), and its
   figures are projected from its rate.
5. ``pulumi up`` of our three agents through the real engine (``local.stack.LocalStack``, existing-cluster config as
   ``make local-up`` sets it) on the same nodes, a no-change ``pulumi preview``, and ``pulumi destroy``, timed (first
   scenario only).

Figures are printed, never asserted; ``--out`` (``build/bench/scale``) keeps, per scenario, ``startup-<s>s/scale.json``,
each rollout's pod events in ``watch-*.tsv`` for a second look, and the engine's output in ``pulumi.log``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from benchmarks.anchors import ANCHORS, anchor_documents, anchor_objects, the_daemonset
from benchmarks.rollout import (
    WATCH_JSONPATH,
    PodEvent,
    Rollout,
    format_table,
    host_ports,
    phases,
    proportional_counts,
    scaled_max_unavailable,
)
from offline.mocks import run_config
from offline.render import kubernetes_manifests
from local.tools.build import BIN_DIR
from local.cluster import ClusterError, LocalCluster
from local.nodes import AGENT_DAEMONSETS, NODE_GROUP_LABEL, eks_nodes
from local.up import existing_cluster_config, stack_settings

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "Pulumi.dev.yaml"
OUT = ROOT / "build" / "bench" / "scale"
CLUSTER_NAME = "eks-daemonsets-bench"
CLUSTER_PORT = 16447
COVERAGE_LABEL = "eks-daemonsets.io/coverage"
READY = '{.status.conditions[?(@.type=="Ready")].status}'


@dataclass
class Target:
    """One DaemonSet under measurement and the objects it is applied with."""

    key: str
    label: str
    namespace: str
    name: str
    rule: str  # our coverage rule (all / any), "-" for an anchor
    objects: list[dict[str, Any]]

    @property
    def daemonset(self) -> dict[str, Any]:
        (ds,) = [o for o in self.objects if o["kind"] == "DaemonSet" and o["metadata"]["name"] == self.name]
        return ds

    @property
    def selector(self) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(self.daemonset["spec"]["selector"]["matchLabels"].items()))


@dataclass
class Result:
    """The figures of one DaemonSet: a row of the table."""

    label: str
    rule: str
    max_unavailable: str
    min_ready_seconds: int
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # group -> (nodes with a ready pod, nodes)
    desired: int = 0
    allowed_unavailable: int = 0
    rollout_seconds: Optional[float] = None  # measured to the end
    projected: bool = False
    window_seconds: Optional[float] = None
    updated_in_window: int = 0
    nodes_per_minute: Optional[float] = None
    waves: int = 0
    most_without_ready: int = 0
    most_unavailable: int = 0


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


# -- the DaemonSets ----------------------------------------------------------------------------------------------------
def our_targets(cluster: LocalCluster) -> list[Target]:
    """The dev stack rendered as ``make local-up`` deploys it (existing-cluster mode), one target per agent."""
    config = yaml.safe_load(DEV.read_text())["config"]
    config["eks-daemonsets:cluster"] = {**config["eks-daemonsets:cluster"], "existing": existing_cluster_config_values(cluster)}
    result = run_config(config, stack="dev")
    manifests = list(kubernetes_manifests(result.resources).values())
    targets = []
    for namespace, name in AGENT_DAEMONSETS.values():
        target = Target(f"ours/{name}", f"ours: {name}", namespace, name, "", [m for m in manifests if _owner(m) == namespace])
        # The coverage rule (all / any) the program checked before registering anything, as it labels the DaemonSet.
        target.rule = target.daemonset["metadata"]["labels"][COVERAGE_LABEL]
        targets.append(target)
    return targets


def existing_cluster_config_values(cluster: LocalCluster) -> dict[str, str]:
    return {key.rsplit(".", 1)[1]: value for key, value in existing_cluster_config(cluster).items()}


def _owner(manifest: Mapping[str, Any]) -> str:
    """Which of our agents an object belongs to: its namespace, or for cluster-scoped ones the agent's name."""
    meta = manifest["metadata"]
    if manifest["kind"] == "Namespace":
        return meta["name"]
    return meta.get("namespace") or meta.get("labels", {}).get("app.kubernetes.io/name", "")


def anchor_targets() -> list[Target]:
    targets = []
    for anchor in ANCHORS:
        documents = anchor_documents(anchor)
        the_daemonset(anchor, documents)  # exactly one
        targets.append(Target(anchor.key, anchor.label, anchor.namespace, anchor.daemonset, "-", anchor_objects(anchor, documents)))
    return targets


# -- the cluster -------------------------------------------------------------------------------------------------------
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


def coverage(cluster: LocalCluster, target: Target, group_of: Mapping[str, str], groups: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per node group: nodes with a ready, non-terminating pod of the DaemonSet, and nodes."""
    template = f"{{range .items[*]}}{{.spec.nodeName}}{{\"|\"}}{{.metadata.deletionTimestamp}}{{\"|\"}}{READY}{{\"\\n\"}}{{end}}"
    listing = cluster.kubectl("get", "pods", "-n", target.namespace, "-l", target.selector, "--chunk-size=500", "-o", f"jsonpath={template}")
    covered: set[str] = set()
    for line in listing.splitlines():
        node, deleted, ready = (line.split("|") + ["", "", ""])[:3]
        if node and not deleted and ready == "True":
            covered.add(node)
    sizes = {g: sum(1 for group in group_of.values() if group == g) for g in groups}
    return {g: (sum(1 for n in covered if group_of.get(n) == g), sizes[g]) for g in groups}


def describe(cluster: LocalCluster, target: Target, group_of: Mapping[str, str], groups: Sequence[str]) -> Result:
    """The DaemonSet's rollout settings as the API server holds them (defaults filled in), and its coverage."""
    ds = daemonset(cluster, target)
    strategy = ds["spec"].get("updateStrategy", {}).get("rollingUpdate") or {}
    desired = ds["status"]["desiredNumberScheduled"]
    return Result(
        label=target.label,
        rule=target.rule,
        max_unavailable=str(strategy.get("maxUnavailable", 1)),
        min_ready_seconds=ds["spec"].get("minReadySeconds", 0),
        desired=desired,
        allowed_unavailable=scaled_max_unavailable(strategy.get("maxUnavailable"), desired, max_surge=strategy.get("maxSurge")),
        coverage=coverage(cluster, target, group_of, groups),
    )


def make_room(cluster: LocalCluster, present: list[Target], clashes: Callable[[Target], bool]) -> None:
    """Remove the present targets ``clashes`` picks (and forget them)."""
    going = [t for t in present if clashes(t)]
    if not going:
        return
    started = time.monotonic()
    remove(cluster, [o for t in going for o in t.objects])
    present[:] = [t for t in present if t not in going]
    print(f"\nremoved {', '.join(t.label for t in going)} in {time.monotonic() - started:.0f} s")


# -- a rollout ---------------------------------------------------------------------------------------------------------
def new_tag(image: str) -> str:
    """The same image with a tag it hasn't had (kwok pulls nothing, so any tag works)."""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return f"{image}:bench-rollout"
    return f"{name}:{tag}-bench-rollout"


class PodWatch:
    """``kubectl get pods --watch`` of one DaemonSet's pods, fed into a Rollout line by line on a thread."""

    def __init__(self, cluster: LocalCluster, target: Target, rollout: Rollout, log: Path) -> None:
        self.rollout = rollout
        self.lock = threading.Lock()
        self.lines = 0
        self._log = log.open("w")
        self._process = subprocess.Popen(
            [
                str(BIN_DIR / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "get", "pods", "-n", target.namespace,
                # Unchunked: with --output-watch-events, kubectl prints each chunk of the initial list as one event.
                "-l", target.selector, "--chunk-size=0", "--watch", "--output-watch-events", "-o", f"jsonpath={WATCH_JSONPATH}",
            ],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            at = time.time()
            if not line.strip():
                continue
            self._log.write(f"{at:.3f}\t{line}")
            with self.lock:
                self.rollout.observe(PodEvent.parse(line), at)
                self.lines += 1

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)
        self._thread.join(timeout=30)
        self._log.close()


def measure_rollout(cluster: LocalCluster, target: Target, result: Result, *, window: float, limit: float, out: Path) -> None:
    wait_settled(cluster, [target], timeout_seconds=300)
    container = daemonset(cluster, target)["spec"]["template"]["spec"]["containers"][0]
    image = new_tag(container["image"])
    nodes = _pod_nodes(cluster, target)
    rollout = Rollout(nodes=frozenset(nodes), new_image=image, min_ready_seconds=result.min_ready_seconds)
    one_at_a_time = result.allowed_unavailable == 1 and result.desired > 1
    watch = PodWatch(cluster, target, rollout, out / f"watch-{target.key.replace('/', '-')}.tsv")
    try:
        deadline = time.monotonic() + 120
        while True:
            with watch.lock:
                seen = len(rollout.pods)
            if seen >= len(nodes):
                break
            if time.monotonic() > deadline:
                raise ClusterError(f"the watch of {target.label} listed {seen} of {len(nodes)} pods")
            time.sleep(0.2)
        with watch.lock:
            rollout.started = time.time()
        cluster.kubectl("set", "image", f"daemonset/{target.name}", "-n", target.namespace, f"{container['name']}={image}")
        stop_at = rollout.started + (window if one_at_a_time else limit)
        while time.time() < stop_at:
            with watch.lock:
                if rollout.finished is not None:
                    break
            time.sleep(0.2)
        ended = time.time()
        if rollout.finished is None:
            # Freeze it where it is: OnDelete replaces no more pods, so the next measurement runs on a quiet cluster.
            cluster.kubectl(
                "patch", "daemonset", target.name, "-n", target.namespace, "--type=merge",
                "-p", json.dumps({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": None}}}),
            )
    finally:
        watch.stop()
    with watch.lock:
        result.waves = rollout.waves()
        result.most_without_ready = rollout.most_without_ready
        result.most_unavailable = rollout.most_unavailable
        if rollout.finished is not None:
            result.rollout_seconds = rollout.finished - rollout.started
            result.nodes_per_minute = 60 * len(nodes) / result.rollout_seconds
        else:
            elapsed = ended - rollout.started
            result.window_seconds = elapsed
            result.updated_in_window = rollout.updated_nodes()
            result.nodes_per_minute = 60 * result.updated_in_window / elapsed
            result.projected = True
            if result.updated_in_window:
                result.rollout_seconds = len(nodes) / (result.updated_in_window / elapsed)


def _pod_nodes(cluster: LocalCluster, target: Target) -> list[str]:
    listing = cluster.kubectl("get", "pods", "-n", target.namespace, "-l", target.selector, "--chunk-size=500", "-o", "jsonpath={.items[*].spec.nodeName}")
    return sorted(set(listing.split()))


# -- pulumi ------------------------------------------------------------------------------------------------------------
def pulumi_figures(cluster: LocalCluster, out: Path) -> dict[str, Any]:
    """``pulumi up`` of the dev stack's agents, a no-change preview and a destroy, through the real engine."""
    from local.stack import LocalStack

    home = out / "pulumi"
    log = (out / "pulumi.log").open("w")
    stack = LocalStack(DEV, "bench", home=home, extra_config=existing_cluster_config(cluster))
    figures: dict[str, Any] = {}
    try:
        stack.stack()  # workspace, stack and config, not timed
        started = time.monotonic()
        result = stack.up(on_output=log.write)
        figures["up_seconds"] = time.monotonic() - started
        figures["up_summary"] = dict(result.summary.resource_changes or {})
        started = time.monotonic()
        preview = stack.preview(on_output=log.write)
        figures["preview_seconds"] = time.monotonic() - started
        figures["preview_summary"] = dict(preview.change_summary)
        started = time.monotonic()
        stack.destroy(on_output=log.write)
        figures["destroy_seconds"] = time.monotonic() - started
    finally:
        try:
            stack.remove()
        finally:
            log.close()
    return figures


# -- the machine -------------------------------------------------------------------------------------------------------
class LoadSampler:
    """/proc/loadavg every few seconds, on a thread, while the benchmark runs."""

    def __init__(self, every: float = 5.0) -> None:
        self.samples: list[float] = []
        self._every = every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))
            self._done.wait(self._every)

    def __enter__(self) -> "LoadSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def summary(self) -> str:
        s = self.samples or [0.0]
        return f"1-min load average: {s[0]:.1f} at the start, {sum(s) / len(s):.1f} mean, {max(s):.1f} max, {s[-1]:.1f} at the end"


def machine() -> str:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} CPUs ({model}), {memory_kib / 2**20:.0f} GiB, {platform.system()} {platform.release()}"


# -- the table ---------------------------------------------------------------------------------------------------------
def table(results: Sequence[Result], groups: Sequence[str]) -> str:
    header = ["DaemonSet", "rule", *groups, "maxUnavailable", "minReady", "full rollout", "nodes/min", "waves", "most without ready agent", "most unavailable"]
    rows = []
    for r in results:
        rollout = "-"
        if r.rollout_seconds is not None:
            rollout = f"{r.rollout_seconds:,.0f} s" if not r.projected else f"~{r.rollout_seconds:,.0f} s projected"
        waves = f"{r.waves}" if not r.projected else f"{r.waves} in {r.window_seconds:.0f} s"
        rows.append(
            [
                r.label,
                r.rule,
                *(f"{r.coverage[g][0]}/{r.coverage[g][1]}" for g in groups),
                f"{r.max_unavailable} = {r.allowed_unavailable}",
                f"{r.min_ready_seconds} s",
                rollout,
                f"{r.nodes_per_minute:,.0f}" if r.nodes_per_minute is not None else "-",
                waves,
                f"{r.most_without_ready}",
                f"{r.most_unavailable}",
            ]
        )
    return format_table(header, rows, right=[2 + len(groups) + i for i in range(7)])


def goals(results: Sequence[Result], nodes: int) -> list[str]:
    """Our goals, checked against the figures: printed, never asserted."""
    lines = []
    one_at_a_time = [r for r in results if r.rule == "-" and r.allowed_unavailable == 1 and r.nodes_per_minute]
    fastest = max(one_at_a_time, key=lambda r: r.nodes_per_minute or 0, default=None)
    for r in (r for r in results if r.rule != "-"):
        checks = []
        if fastest and r.nodes_per_minute and fastest.nodes_per_minute:
            ratio = r.nodes_per_minute / fastest.nodes_per_minute
            checks.append(
                f"{nodes} nodes in ~{60 * nodes / r.nodes_per_minute:,.0f} s against ~{60 * nodes / fastest.nodes_per_minute:,.0f} s "
                f"for the fastest one-node-at-a-time anchor ({fastest.label}): {ratio:.1f}x ({'met' if ratio >= 10 else 'MISSED'}: >= 10x)"
            )
        checks.append(
            f"at most {r.most_unavailable} unavailable and {r.most_without_ready} without a ready agent against "
            f"maxUnavailable {r.allowed_unavailable} ({'met' if r.most_unavailable <= r.allowed_unavailable else 'MISSED'})"
        )
        if r.rule == "all":
            covered = sum(c for c, _ in r.coverage.values())
            checks.append(f"{covered}/{nodes} nodes covered ({'met' if covered == nodes else 'MISSED'})")
        lines.append(f"{r.label}: " + "; ".join(checks))
    return lines


# -- the run -----------------------------------------------------------------------------------------------------------
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000, help="simulated nodes (default 1000)")
    parser.add_argument("--window", type=float, default=120, help="seconds to watch a one-node-at-a-time rollout (default 120)")
    parser.add_argument("--limit", type=float, default=1800, help="seconds after which any other rollout is cut short (default 1800)")
    parser.add_argument(
        "--startup-seconds", type=float, nargs="+", default=[0.0],
        help="seconds a pod takes from scheduled to Ready, one scenario (a fresh cluster) each (default 0: kwok's "
        "instant pods); a few seconds stand in for an image pull and an agent's start-up",
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the figures and watch logs go (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--no-pulumi", action="store_true", help="skip pulumi up / preview / destroy (else: in the first scenario)")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
