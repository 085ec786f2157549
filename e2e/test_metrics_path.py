"""The metrics path for real: node-exporter behind kube-rbac-proxy, at the pinned releases, on a real control plane.

node_exporter and kube-rbac-proxy are built from the Go module proxy at the versions the DaemonSet's images pin, and
run as local processes with the arguments of the rendered dev stack's DaemonSet (``local/metrics/container_args.py``
says what is mapped: ``$(IP)`` -> 127.0.0.1, hostPath mounts -> host paths, a taken port -> a free one, and
``--kubeconfig`` for the proxy). The proxy authenticates as the rendered node-exporter ServiceAccount, through the
rendered ClusterRole and binding, to a Kubernetes 1.35 control plane of its own (kwokctl, port 16445), where its
TokenReviews and SubjectAccessReviews go. Scrapers are ServiceAccounts with tokens from ``kubectl create token``, and
a real Prometheus (Debian's package: ``make e2e-deps``).
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.settings import parse_quantity
from local.tools.build import BIN_DIR, FAMILIES, build, image_version
from local.cluster import LocalCluster
from local.metrics import (
    KUBE_RBAC_PROXY,
    NODE_EXPORTER,
    NodeExporterPod,
    bind_scraper,
    container,
    find_object,
    memory_status,
    node_exporter_objects,
    render_manifests,
    run_as,
    service_account_kubeconfig,
)
from local.processes import listening_addresses, this_machines_addresses
from local.metrics.prometheus import LocalPrometheus, ScrapeJob

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV = PROJECT_DIR / "Pulumi.dev.yaml"
# Files the processes read as their containers' users (65534, 65532): under build/, not pytest's 0700 tmp dirs.
WORKDIR = PROJECT_DIR / "build" / "local" / "metrics-e2e"
CLUSTER_NAME = "eks-daemonsets-metrics"
CLUSTER_PORT = 16445
# The ClusterRole a user binds their Prometheus to (components.agents.node_exporter.METRICS_READER_ROLE).
METRICS_READER = "node-exporter-metrics-reader"
NEEDED_TOOLS = ("kube", "etcd", "kwok", "node-exporter", "kube-rbac-proxy")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> list[dict[str, Any]]:
    return render_manifests(DEV, tmp_path_factory.mktemp("render"))


@pytest.fixture(scope="module")
def daemonset(rendered: list[dict[str, Any]]) -> dict[str, Any]:
    return find_object(rendered, "DaemonSet", "node-exporter")


@pytest.fixture(scope="module")
def metrics_cluster(rendered: list[dict[str, Any]]) -> Iterator[LocalCluster]:
    """A control plane of this module's own, holding the node-exporter agent's rendered objects."""
    build([f for f in FAMILIES if f.name in NEEDED_TOOLS])
    with LocalCluster(CLUSTER_NAME, port=CLUSTER_PORT) as cluster:
        cluster.apply(node_exporter_objects(rendered))
        yield cluster


@pytest.fixture(scope="module")
def tokens(metrics_cluster: LocalCluster) -> dict[str, str]:
    """A scraper bound to the metrics-reader ClusterRole, and one with no binding at all."""
    return {
        "reader": bind_scraper(metrics_cluster, "monitoring", "prometheus", cluster_role=METRICS_READER),
        "stranger": bind_scraper(metrics_cluster, "monitoring", "stranger", cluster_role=None),
    }


@pytest.fixture(scope="module")
def pod(daemonset: dict[str, Any], metrics_cluster: LocalCluster) -> Iterator[NodeExporterPod]:
    pod_spec = daemonset["spec"]["template"]["spec"]
    proxy_user, _ = run_as(pod_spec, container(daemonset, KUBE_RBAC_PROXY))
    kubeconfig = service_account_kubeconfig(
        metrics_cluster,
        daemonset["metadata"]["namespace"],
        pod_spec["serviceAccountName"],
        WORKDIR / "kube-rbac-proxy.kubeconfig",
        owner=proxy_user,
    )
    local = NodeExporterPod(daemonset, kubeconfig=kubeconfig, workdir=WORKDIR)
    for rendered_port, used in local.moved_ports().items():
        print(f"port {rendered_port} is taken on this machine: using {used} instead (only the port is rewritten)")
    with local:
        yield local


def unverified_tls(*, maximum: ssl.TLSVersion | None = None, ciphers: str | None = None) -> ssl.SSLContext:
    """A client context like Prometheus's ``insecure_skip_verify``: the proxy's certificate is self-signed."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if maximum:
        context.maximum_version = maximum
    if ciphers:
        context.set_ciphers(ciphers)
    return context


def scrape(pod: NodeExporterPod, path: str = "/metrics", token: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPSConnection(pod.node_ip, pod.https_port, context=unverified_tls(), timeout=15)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def rendered_flag(daemonset: dict[str, Any], name: str, flag: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in container(daemonset, name)["args"] if a.startswith(f"{flag}=")]
    return value


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").decode().split("\0")


def samples(body: str, metric: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith(f"{metric}{{") or line.startswith(f"{metric} ")]


def label(sample: str, name: str) -> str:
    match = re.search(rf'[{{,]{name}="([^"]*)"', sample)
    assert match, f"no {name} label in {sample}"
    return match[1]


# -- the binaries and how they run ---------------------------------------------------------------------------------
def test_local_builds_are_the_releases_the_images_pin(daemonset: dict[str, Any], pod: NodeExporterPod) -> None:
    exporter_tag = image_version(container(daemonset, NODE_EXPORTER)["image"])
    proxy_tag = image_version(container(daemonset, KUBE_RBAC_PROXY)["image"])
    exporter = subprocess.run([str(BIN_DIR / "node_exporter"), "--version"], capture_output=True, text=True, check=True)
    proxy = subprocess.run([str(BIN_DIR / "kube-rbac-proxy"), "--version"], capture_output=True, text=True, check=True)
    assert exporter.stdout.startswith(f"node_exporter, version {exporter_tag.removeprefix('v')} (branch: HEAD, revision: ")
    assert proxy.stdout.strip() == f"kube-rbac-proxy {proxy_tag}"


def test_processes_run_the_rendered_arguments_mapped_to_this_host(daemonset: dict[str, Any], pod: NodeExporterPod) -> None:
    for name, extra in ((NODE_EXPORTER, []), (KUBE_RBAC_PROXY, ["--kubeconfig"])):
        running = command_line(pod.pid(name))[1:]
        rendered = container(daemonset, name)["args"]
        assert [a.split("=", 1)[0] for a in running] == [a.split("=", 1)[0] for a in rendered] + extra
        mapped = {"--path.sysfs", "--path.rootfs", "--path.procfs", "--path.udev.data", "--web.listen-address",
                  "--secure-listen-address", "--upstream", "--kubeconfig"}
        # Everything else (collectors, exclusions, TLS settings, allowed paths) is the rendered string itself.
        assert [a for a in running if a.split("=", 1)[0] not in mapped] == [
            a for a in rendered if a.split("=", 1)[0] not in mapped
        ]
    exporter = command_line(pod.pid(NODE_EXPORTER))
    assert {"--path.sysfs=/sys", "--path.rootfs=/", "--path.procfs=/proc", "--path.udev.data=/run/udev/data"} <= set(exporter)
    assert f"--web.listen-address=127.0.0.1:{pod.exporter_port}" in exporter
    proxy = command_line(pod.pid(KUBE_RBAC_PROXY))
    assert f"--secure-listen-address=[127.0.0.1]:{pod.https_port}" in proxy
    assert f"--upstream=http://127.0.0.1:{pod.exporter_port}/" in proxy


def test_each_process_runs_as_its_containers_user(daemonset: dict[str, Any], pod: NodeExporterPod) -> None:
    pod_spec = daemonset["spec"]["template"]["spec"]
    for name in (NODE_EXPORTER, KUBE_RBAC_PROXY):
        user, group = run_as(pod_spec, container(daemonset, name))
        status = Path(f"/proc/{pod.pid(name)}/status").read_text()
        uids = re.search(r"^Uid:\s+(.*)$", status, re.M)[1].split()
        gids = re.search(r"^Gid:\s+(.*)$", status, re.M)[1].split()
        assert set(uids) == {str(user)} and set(gids) == {str(group)}
        assert re.search(r"^CapEff:\s+0+$", status, re.M)


# -- who may read the metrics ----------------------------------------------------------------------------------------
def test_a_service_account_bound_to_the_metrics_reader_role_gets_node_metrics(
    pod: NodeExporterPod, tokens: dict[str, str], daemonset: dict[str, Any]
) -> None:
    status, body = scrape(pod, token=tokens["reader"])
    assert status == 200
    for metric in ("node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_load1",
                   "node_filesystem_avail_bytes", "node_network_receive_bytes_total", "node_exporter_build_info"):
        assert samples(body, metric), f"{metric} missing"
    (build_info,) = samples(body, "node_exporter_build_info")
    assert label(build_info, "version") == image_version(container(daemonset, NODE_EXPORTER)["image"]).removeprefix("v")


def test_the_rendered_exclusions_hold_on_a_real_host(pod: NodeExporterPod, tokens: dict[str, str], daemonset: dict[str, Any]) -> None:
    _, body = scrape(pod, token=tokens["reader"])
    fs_types = re.compile(rendered_flag(daemonset, NODE_EXPORTER, "--collector.filesystem.fs-types-exclude"))
    mount_points = re.compile(rendered_flag(daemonset, NODE_EXPORTER, "--collector.filesystem.mount-points-exclude"))
    devices = re.compile(rendered_flag(daemonset, NODE_EXPORTER, "--collector.netdev.device-exclude"))
    filesystems = samples(body, "node_filesystem_size_bytes")
    interfaces = samples(body, "node_network_receive_bytes_total")
    assert filesystems and interfaces
    assert not [s for s in filesystems if fs_types.search(label(s, "fstype")) or mount_points.search(label(s, "mountpoint"))]
    assert not [s for s in interfaces if devices.search(label(s, "device"))]
    # Not vacuous: this machine has a loopback interface and a /proc mount, which the rules keep out.
    assert Path("/sys/class/net/lo").exists() and not [s for s in interfaces if label(s, "device") == "lo"]
    assert Path("/proc/self").exists() and not [s for s in filesystems if label(s, "mountpoint") == "/proc"]


def test_no_token_gets_401(pod: NodeExporterPod) -> None:
    status, _ = scrape(pod)
    assert status == 401


def test_a_made_up_token_gets_401(pod: NodeExporterPod) -> None:
    status, _ = scrape(pod, token="eyJhbGciOiJSUzI1NiJ9.e30.bm90LWEtc2lnbmF0dXJl")
    assert status == 401


def test_a_service_account_without_the_binding_gets_403(pod: NodeExporterPod, tokens: dict[str, str]) -> None:
    status, body = scrape(pod, token=tokens["stranger"])
    assert status == 403
    assert "node_cpu_seconds_total" not in body


@pytest.mark.parametrize("path", ["/", "/debug/pprof/", "/metrics/extra", "/healthz"])
def test_any_other_path_gets_404_with_or_without_a_token(pod: NodeExporterPod, tokens: dict[str, str], path: str) -> None:
    assert scrape(pod, path, token=tokens["reader"])[0] == 404
    assert scrape(pod, path)[0] == 404


# -- where it listens, and how --------------------------------------------------------------------------------------
def test_node_exporter_answers_on_loopback_only(pod: NodeExporterPod) -> None:
    assert listening_addresses(pod.pid(NODE_EXPORTER)) == {("127.0.0.1", pod.exporter_port)}
    addresses = this_machines_addresses()
    assert addresses, "this machine has no address but loopback: nothing to try"
    for address in addresses:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, pod.exporter_port), timeout=5).close()


def test_the_proxy_listens_on_the_node_ip_only(pod: NodeExporterPod) -> None:
    # $(IP) is status.podIP: the node's address under hostNetwork, here 127.0.0.1.
    assert listening_addresses(pod.pid(KUBE_RBAC_PROXY)) == {(pod.node_ip, pod.https_port)}


def test_the_proxy_speaks_tls_with_the_rendered_suites_only(pod: NodeExporterPod, daemonset: dict[str, Any]) -> None:
    suites = rendered_flag(daemonset, KUBE_RBAC_PROXY, "--tls-cipher-suites").split(",")
    # Go's names -> OpenSSL's: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -> ECDHE-RSA-AES128-GCM-SHA256.
    openssl = {
        s.replace("TLS_", "").replace("_WITH_", "-").replace("AES_128", "AES128").replace("AES_256", "AES256")
        .replace("CHACHA20_POLY1305", "CHACHA20-POLY1305").replace("_", "-")
        for s in suites
    }
    with socket.create_connection((pod.node_ip, pod.https_port), timeout=10) as raw:
        with unverified_tls(maximum=ssl.TLSVersion.TLSv1_2).wrap_socket(raw) as tls:
            assert tls.version() == "TLSv1.2"
            assert tls.cipher()[0] in openssl
    # ECDHE-RSA-AES128-SHA (CBC) is among Go's defaults but not the rendered list: refused.
    with socket.create_connection((pod.node_ip, pod.https_port), timeout=10) as raw:
        with pytest.raises(ssl.SSLError):
            unverified_tls(maximum=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-RSA-AES128-SHA").wrap_socket(raw)


# -- a real Prometheus -----------------------------------------------------------------------------------------------
def test_prometheus_scrapes_through_the_proxy_with_a_bearer_token_file(pod: NodeExporterPod, tokens: dict[str, str]) -> None:
    target = f"{pod.node_ip}:{pod.https_port}"
    token_files = {}
    for name in ("reader", "stranger"):
        token_files[name] = WORKDIR / f"{name}.token"
        token_files[name].write_text(tokens[name])
        token_files[name].chmod(0o600)
    jobs = [
        ScrapeJob("node-exporter", [target], token_files["reader"]),
        ScrapeJob("node-exporter-unbound", [target], token_files["stranger"]),
    ]
    with LocalPrometheus(jobs, workdir=WORKDIR / "prometheus", scrape_interval="2s") as prometheus:
        targets = {t["labels"]["job"]: t for t in prometheus.wait_for_scrapes(jobs=[j.name for j in jobs])}
        assert targets["node-exporter"]["health"] == "up", targets["node-exporter"]["lastError"]
        assert targets["node-exporter"]["scrapeUrl"] == f"https://{target}/metrics"
        assert targets["node-exporter-unbound"]["health"] == "down"
        assert "403" in targets["node-exporter-unbound"]["lastError"]
        assert [r["value"][1] for r in prometheus.query('up{job="node-exporter"}')] == ["1"]
        assert [r["value"][1] for r in prometheus.query('up{job="node-exporter-unbound"}')] == ["0"]
        (cpus,) = prometheus.query('count(count by (cpu) (node_cpu_seconds_total{job="node-exporter"}))')
        assert int(cpus["value"][1]) == len(re.findall(r"^processor\s", Path("/proc/cpuinfo").read_text(), re.M))


# -- what it costs ---------------------------------------------------------------------------------------------------
def test_resident_memory_fits_the_rendered_requests_and_limits(pod: NodeExporterPod, daemonset: dict[str, Any]) -> None:
    """After the scrapes above: below the limit (no OOM kill), and a request no more than 3x what is used."""
    for name in (NODE_EXPORTER, KUBE_RBAC_PROXY):
        resources = container(daemonset, name)["resources"]
        request = parse_quantity(resources["requests"]["memory"])
        limit = parse_quantity(resources["limits"]["memory"])
        peak = memory_status(pod.pid(name))["VmHWM"]
        assert peak < limit, f"{name}: peak RSS {peak / 2**20:.1f} MiB is over its limit {resources['limits']['memory']}"
        assert request <= 3 * peak, f"{name}: request {resources['requests']['memory']} > 3x peak RSS {peak / 2**20:.1f} MiB"
