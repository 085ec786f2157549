"""node-exporter's and kube-rbac-proxy's memory and CPU while a real Prometheus scrapes them every 15 s.

    python -m benchmarks.metrics_footprint [--scrapes 20] [--interval 15]     # make bench-metrics

The two processes run as ``local/metrics/node_exporter_pod.py`` runs them: the rendered dev stack's arguments, as
their containers' users, the proxy authenticating scrapes against a local Kubernetes 1.35 control plane (kwokctl, on a
free port). Debian's Prometheus scrapes through the proxy with a bearer token, at ``--interval``. After one warm-up
scrape, the script samples each process's VmRSS (``/proc/<pid>/status``) once per interval, and reads its CPU time
(each thread's ``schedstat``, with ``/proc/<pid>/stat``'s utime+stime beside it) before and after ``--scrapes``
scrapes. It prints them beside the requests and limits of the rendered DaemonSet. Printed, never asserted: the figures
depend on the machine (CPUs, mounts, interfaces).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from components.settings import parse_quantity
from local.tools.build import FAMILIES, build
from local.cluster import LocalCluster
from local.metrics import (
    KUBE_RBAC_PROXY,
    NODE_EXPORTER,
    NodeExporterPod,
    bind_scraper,
    container,
    cpu_seconds,
    cpu_ticks_seconds,
    find_object,
    memory_status,
    node_exporter_objects,
    render_manifests,
    rss_bytes,
    run_as,
    service_account_kubeconfig,
)
from local.processes import free_port
from local.metrics.prometheus import LocalPrometheus, ScrapeJob

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "build" / "local" / "metrics-bench"
MiB = 1024 * 1024


def _mib(value: float) -> str:
    return f"{value / MiB:.1f} MiB"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scrapes", type=int, default=20, help="scrapes to measure over (default 20: 5 minutes)")
    parser.add_argument("--interval", type=int, default=15, help="Prometheus's scrape interval in seconds")
    parser.add_argument("--port", type=int, default=0, help="the local API server's port (default: a free one)")
    args = parser.parse_args(argv)

    build([f for f in FAMILIES if f.name in ("kube", "etcd", "kwok", "node-exporter", "kube-rbac-proxy")], out=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        manifests = render_manifests(ROOT / "Pulumi.dev.yaml", Path(scratch))
    daemonset = find_object(manifests, "DaemonSet", "node-exporter")
    pod_spec = daemonset["spec"]["template"]["spec"]

    with LocalCluster("eks-daemonsets-metrics-bench", port=args.port or free_port()) as cluster:
        cluster.apply(node_exporter_objects(manifests))
        token = bind_scraper(cluster, "monitoring", "prometheus", cluster_role="node-exporter-metrics-reader")
        kubeconfig = service_account_kubeconfig(
            cluster, daemonset["metadata"]["namespace"], pod_spec["serviceAccountName"],
            WORKDIR / "kube-rbac-proxy.kubeconfig", owner=run_as(pod_spec, container(daemonset, KUBE_RBAC_PROXY))[0],
        )
        token_file = WORKDIR / "prometheus.token"
        token_file.write_text(token)
        with NodeExporterPod(daemonset, kubeconfig=kubeconfig, workdir=WORKDIR) as pod:
            job = ScrapeJob("node-exporter", [f"{pod.node_ip}:{pod.https_port}"], token_file)
            with LocalPrometheus([job], workdir=WORKDIR / "prometheus", scrape_interval=f"{args.interval}s") as prometheus:
                (target,) = prometheus.wait_for_scrapes(jobs=[job.name], timeout_seconds=args.interval * 3)
                if target["health"] != "up":
                    print(f"error: the first scrape failed: {target['lastError']}", file=sys.stderr)
                    return 1
                pids = {name: pod.pid(name) for name in (NODE_EXPORTER, KUBE_RBAC_PROXY)}
                cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                ticks_before = {name: cpu_ticks_seconds(pid) for name, pid in pids.items()}
                rss = {name: [] for name in pids}
                started = time.monotonic()
                print(f"measuring {args.scrapes} scrapes at {args.interval} s ({args.scrapes * args.interval} s) ...",
                      file=sys.stderr, flush=True)
                for _ in range(args.scrapes):
                    time.sleep(args.interval)
                    for name, pid in pids.items():
                        rss[name].append(rss_bytes(pid))
                elapsed = time.monotonic() - started
                cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
                ticks = {name: cpu_ticks_seconds(pid) - ticks_before[name] for name, pid in pids.items()}
                memory = {name: memory_status(pid) for name, pid in pids.items()}
                window = f"{int(elapsed)}s"
                (scrapes,) = prometheus.query(f'count_over_time(up{{job="node-exporter"}}[{window}])')
                (up_ratio,) = prometheus.query(f'avg_over_time(up{{job="node-exporter"}}[{window}])')
                (duration,) = prometheus.query(f'avg_over_time(scrape_duration_seconds{{job="node-exporter"}}[{window}])')
                (series,) = prometheus.query('scrape_samples_scraped{job="node-exporter"}')

    scraped = int(scrapes["value"][1])
    print(f"\nnode-exporter behind kube-rbac-proxy, scraped by Prometheus every {args.interval} s through the proxy")
    print(f"{scraped} scrapes in {elapsed:.0f} s, up {float(up_ratio['value'][1]):.0%}, "
          f"{int(series['value'][1])} samples a scrape, {float(duration['value'][1]) * 1000:.0f} ms a scrape on average")
    print("\n| container | RSS median | RSS peak (VmHWM) | RssAnon / RssFile at the end | CPU a scrape | average CPU "
          "| requests cpu / memory | limits cpu / memory |")
    print("|---|---|---|---|---|---|---|---|")
    for name in pids:
        resources = container(daemonset, name)["resources"]
        requests, limits = resources.get("requests", {}), resources.get("limits", {})
        print(
            f"| {name} | {_mib(statistics.median(rss[name]))} | {_mib(memory[name]['VmHWM'])} "
            f"| {_mib(memory[name]['RssAnon'])} / {_mib(memory[name]['RssFile'])} "
            f"| {cpu[name] / scraped * 1000:.1f} ms | {cpu[name] / elapsed * 1000:.1f}m "
            f"| {requests.get('cpu', '-')} / {requests.get('memory', '-')} | {limits.get('cpu', '-')} / {limits.get('memory', '-')} |"
        )
    print()
    for name in pids:
        resources = container(daemonset, name)["resources"]
        request = parse_quantity(resources["requests"]["memory"])
        limit = parse_quantity(resources["limits"]["memory"])
        peak = memory[name]["VmHWM"]
        print(f"{name}: memory request {request / peak:.1f}x, limit {limit / peak:.1f}x the peak RSS; "
              f"CPU {cpu[name] * 1000:.0f} ms in all (utime+stime: {ticks[name] * 1000:.0f} ms, in 10 ms ticks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
