"""The metrics path on this machine: node-exporter behind kube-rbac-proxy as local processes, run with the arguments
the rendered DaemonSet gives them, and a real Prometheus scraping them through the proxy.

    manifests = render_manifests(PROJECT_DIR / "Pulumi.dev.yaml", out)
    cluster.apply(node_exporter_objects(manifests))                 # namespace, ServiceAccount, RBAC, ...
    proxy_kubeconfig = service_account_kubeconfig(cluster, "node-exporter", "node-exporter", path)
    with NodeExporterPod(find_object(manifests, "DaemonSet", "node-exporter"), kubeconfig=proxy_kubeconfig,
                         workdir=out / "pod") as pod:
        pod.metrics_url                                              # https://127.0.0.1:9100/metrics

- ``manifests.py``: the stack rendered offline, and the objects the metrics path takes from it;
- ``container_args.py``: a container's rendered arguments as a kubelet on this machine would run them;
- ``service_accounts.py``: the proxy's kubeconfig and the scrapers' tokens, as ServiceAccounts of the local cluster;
- ``node_exporter_pod.py``: the DaemonSet's two containers as local processes, started and stopped;
- ``footprint.py``: a process's memory and CPU time, from /proc;
- ``prometheus.py``: Debian's Prometheus (``install_prometheus.sh``, ``make e2e-deps``) scraping on 127.0.0.1.
"""

from local.metrics.container_args import container_env, expand, host_mounts, local_args, run_as, to_host_path
from local.metrics.footprint import cpu_seconds, cpu_ticks_seconds, memory_status, rss_bytes
from local.metrics.manifests import (
    KUBE_RBAC_PROXY,
    NODE_EXPORTER,
    MetricsPathError,
    container,
    find_object,
    node_exporter_objects,
    render_manifests,
)
from local.metrics.node_exporter_pod import NodeExporterPod
from local.metrics.prometheus import LocalPrometheus, PrometheusError, ScrapeJob
from local.metrics.service_accounts import bind_scraper, service_account_kubeconfig

__all__ = [
    "KUBE_RBAC_PROXY",
    "NODE_EXPORTER",
    "LocalPrometheus",
    "MetricsPathError",
    "NodeExporterPod",
    "PrometheusError",
    "ScrapeJob",
    "bind_scraper",
    "container",
    "container_env",
    "cpu_seconds",
    "cpu_ticks_seconds",
    "expand",
    "find_object",
    "host_mounts",
    "local_args",
    "memory_status",
    "node_exporter_objects",
    "render_manifests",
    "rss_bytes",
    "run_as",
    "service_account_kubeconfig",
    "to_host_path",
]
