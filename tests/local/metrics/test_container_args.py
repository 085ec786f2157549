"""The local metrics path's pure part: how a rendered container's args become a local command.

The end-to-end suite (e2e/test_metrics_path.py) runs the real binaries; these check the mapping exactly, without them.
"""

from __future__ import annotations

import pytest

from local.metrics import MetricsPathError, container_env, expand, host_mounts, local_args, run_as, to_host_path

POD_SPEC = {
    "securityContext": {"runAsUser": 65534, "runAsGroup": 65534},
    "volumes": [
        {"name": "root", "hostPath": {"path": "/", "type": "Directory"}},
        {"name": "sys", "hostPath": {"path": "/sys", "type": "Directory"}},
        {"name": "token", "projected": {"sources": []}},
    ],
}
EXPORTER = {
    "name": "node-exporter",
    "args": [
        "--web.listen-address=127.0.0.1:9101",
        "--path.sysfs=/host/sys",
        "--path.rootfs=/host/root",
        "--path.procfs=/host/root/proc",
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys)($|/)",
        "--no-collector.wifi",
    ],
    "volumeMounts": [{"name": "root", "mountPath": "/host/root"}, {"name": "sys", "mountPath": "/host/sys"}],
}
PROXY = {
    "name": "kube-rbac-proxy",
    "args": ["--secure-listen-address=[$(IP)]:9100", "--upstream=http://127.0.0.1:9101/", "--allow-paths=/metrics"],
    "env": [{"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
    "volumeMounts": [{"name": "token", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
    "securityContext": {"runAsUser": 65532, "runAsGroup": 65532},
}


def test_expand_replaces_defined_variables_like_the_kubelet() -> None:
    assert expand("[$(IP)]:9100", {"IP": "10.0.0.1"}) == "[10.0.0.1]:9100"
    assert expand("$(UNSET) and $$(IP)", {"IP": "10.0.0.1"}) == "$(UNSET) and $(IP)"


def test_pod_ip_of_a_host_network_pod_is_the_node_ip() -> None:
    assert container_env(PROXY, node_ip="192.0.2.7") == {"IP": "192.0.2.7"}


def test_an_env_source_the_local_run_cant_give_is_refused() -> None:
    spec = {"env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]}
    with pytest.raises(MetricsPathError, match="NODE"):
        container_env(spec)


def test_host_paths_come_from_the_host_path_volumes_only() -> None:
    assert host_mounts(POD_SPEC, EXPORTER) == {"/host/root": "/", "/host/sys": "/sys"}
    assert host_mounts(POD_SPEC, PROXY) == {}


@pytest.mark.parametrize(
    ("inside", "outside"),
    [
        ("/host/root", "/"),
        ("/host/root/proc", "/proc"),
        ("/host/root/run/udev/data", "/run/udev/data"),
        ("/host/sys", "/sys"),
        ("/host/sys/class/net", "/sys/class/net"),
        ("/host/rootless", "/host/rootless"),
        ("/etc/passwd", "/etc/passwd"),
    ],
)
def test_to_host_path_maps_paths_under_a_mount_only(inside: str, outside: str) -> None:
    assert to_host_path(inside, {"/host/root": "/", "/host/sys": "/sys"}) == outside


def test_local_args_map_paths_and_leave_everything_else_as_rendered() -> None:
    assert local_args(POD_SPEC, EXPORTER, ports={}) == [
        "--web.listen-address=127.0.0.1:9101",
        "--path.sysfs=/sys",
        "--path.rootfs=/",
        "--path.procfs=/proc",
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys)($|/)",
        "--no-collector.wifi",
    ]


def test_local_args_rewrite_only_the_port_of_a_taken_one() -> None:
    ports = {9100: 40100, 9101: 40101}
    assert local_args(POD_SPEC, PROXY, ports=ports) == [
        "--secure-listen-address=[127.0.0.1]:40100",
        "--upstream=http://127.0.0.1:40101/",
        "--allow-paths=/metrics",
    ]
    assert local_args(POD_SPEC, EXPORTER, ports=ports)[0] == "--web.listen-address=127.0.0.1:40101"


def test_run_as_prefers_the_containers_user_to_the_pods() -> None:
    assert run_as(POD_SPEC, PROXY) == (65532, 65532)
    assert run_as(POD_SPEC, EXPORTER) == (65534, 65534)
