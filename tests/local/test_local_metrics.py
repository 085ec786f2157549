"""The local metrics path's pure parts: how a rendered container's args become a local command, and the tool pins.

The end-to-end suite (e2e/test_metrics_path.py) runs the real binaries; these check the mapping and the version
agreement exactly, without them.
"""

from __future__ import annotations

import dataclasses

import pytest

from components.agents.node_exporter_args import KUBE_RBAC_PROXY_IMAGE, NODE_EXPORTER_IMAGE
from local.tools.build import FAMILIES, check_module_version, image_version, required_version
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


def test_image_version_is_the_exact_release_tag() -> None:
    assert image_version("quay.io/prometheus/node-exporter:v1.12.1") == "v1.12.1"
    with pytest.raises(ValueError, match="vMAJOR.MINOR.PATCH"):
        image_version("quay.io/prometheus/node-exporter@sha256:" + "a" * 64)


@pytest.mark.parametrize(("family_name", "image"), [("node-exporter", NODE_EXPORTER_IMAGE), ("kube-rbac-proxy", KUBE_RBAC_PROXY_IMAGE)])
def test_the_wrapper_builds_the_release_the_daemonset_pins(family_name: str, image: str) -> None:
    (family,) = [f for f in FAMILIES if f.name == family_name]
    assert family.version == image_version(image)
    assert required_version(family, family.module) == image_version(image)
    check_module_version(family)


def test_a_wrapper_requiring_another_release_is_refused() -> None:
    (family,) = [f for f in FAMILIES if f.name == "node-exporter"]
    with pytest.raises(ValueError, match="requires github.com/prometheus/node_exporter v1.12.1, but the node-exporter family is v9.9.9"):
        check_module_version(dataclasses.replace(family, version="v9.9.9"))
