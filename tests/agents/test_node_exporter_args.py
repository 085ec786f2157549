"""Tests for components.agents.node_exporter_args."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.agents.node_exporter_args import (
    KUBE_RBAC_PROXY_IMAGE,
    NODE_EXPORTER_IMAGE,
    fs_types_exclude_regex,
    kube_rbac_proxy_args,
    mount_points_exclude_regex,
    net_device_exclude_regex,
    node_exporter_args,
)

MOUNTS = (
    r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+"
    r"|run/containerd/.+|var/lib/containerd/.+|var/lib/kubelet/pods/.+|\.bottlerocket)($|/)"
)
FS_TYPES = (
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|erofs|fusectl|hugetlbfs|iso9660|mqueue|nsfs"
    "|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"
)
NETDEV = "^(eni.*|veth.*|lo)$"


def test_images_follow_kube_prometheus() -> None:
    assert NODE_EXPORTER_IMAGE == (
        "quay.io/prometheus/node-exporter:v1.12.1@sha256:1b4e4438faca4dd7e001dd445d161a4a2091b0fededa84093b3a8dfeae1f1be0"
    )
    # No digest for this tag is published anywhere the project could find (node_exporter_args.py says so).
    assert KUBE_RBAC_PROXY_IMAGE == "quay.io/brancz/kube-rbac-proxy:v0.22.1"


def test_default_node_exporter_args() -> None:
    assert node_exporter_args() == [
        "--web.listen-address=127.0.0.1:9101",
        "--path.sysfs=/host/sys",
        "--path.rootfs=/host/root",
        "--path.procfs=/host/root/proc",
        "--path.udev.data=/host/root/run/udev/data",
        "--no-collector.hwmon",
        "--no-collector.btrfs",
        f"--collector.filesystem.mount-points-exclude={MOUNTS}",
        f"--collector.filesystem.fs-types-exclude={FS_TYPES}",
        f"--collector.netclass.ignored-devices={NETDEV}",
        f"--collector.netdev.device-exclude={NETDEV}",
    ]


def test_default_kube_rbac_proxy_args_point_at_node_exporter() -> None:
    assert kube_rbac_proxy_args() == [
        "--secure-listen-address=[$(IP)]:9100",
        "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,"
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "--tls-min-version=VersionTLS12",
        "--upstream=http://127.0.0.1:9101/",
        "--allow-paths=/metrics",
    ]
    listen = node_exporter_args()[0].removeprefix("--web.listen-address=")
    assert kube_rbac_proxy_args()[3] == f"--upstream=http://{listen}/"


@pytest.mark.parametrize(
    "mount",
    [
        "/dev",
        "/dev/shm",
        "/proc",
        "/sys/fs/cgroup",
        "/run/containerd/io.containerd.runtime.v2.task/k8s.io/0123abcd/rootfs",
        "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/0123abcd/shm",
        "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs",
        "/var/lib/kubelet/pods/5f0e/volumes/kubernetes.io~projected/kube-api-access-x",
        "/.bottlerocket",
        "/.bottlerocket/rootfs",
        "/run/credentials/systemd-sysctl.service",
    ],
)
def test_container_and_pod_mounts_are_excluded(mount: str) -> None:
    assert re.search(mount_points_exclude_regex(), mount)


@pytest.mark.parametrize(
    "mount",
    [
        "/",
        "/local",
        "/var",
        "/run",
        "/boot/efi",
        "/var/lib/kubelet",
        "/var/lib/containerd",
        "/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/abc/globalmount",
        "/devices",
    ],
)
def test_node_filesystems_are_kept(mount: str) -> None:
    assert not re.search(mount_points_exclude_regex(), mount)


@pytest.mark.parametrize(("fstype", "excluded"), [("overlay", True), ("cgroup", True), ("cgroup2", True),
                                                  ("nsfs", True), ("tmpfs", False), ("xfs", False), ("ext4", False)])
def test_fs_types(fstype: str, excluded: bool) -> None:
    assert bool(re.search(fs_types_exclude_regex(), fstype)) is excluded


# node_exporter v1.10+ collector/filesystem_linux.go defFSTypesExcluded, erofs included since v1.10 (#3309, #3313).
NODE_EXPORTER_DEFAULT_FS_TYPES_EXCLUDE = (
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|erofs|fusectl|hugetlbfs|iso9660|mqueue|nsfs"
    "|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"
)


def test_fs_types_exclude_repeats_every_default_of_the_pinned_node_exporter() -> None:
    # The flag replaces the default, so everything the default excluded must be in ours. Bottlerocket on EKS 1.33+
    # mounts erofs images, which are always full: without it, every node would alert on a full disk.
    assert NODE_EXPORTER_IMAGE.partition("@")[0].endswith(":v1.12.1")
    defaults = NODE_EXPORTER_DEFAULT_FS_TYPES_EXCLUDE[2:-2].split("|")
    assert [t for t in defaults if not re.search(fs_types_exclude_regex(), t.replace("2?", "2"))] == []
    assert fs_types_exclude_regex() == NODE_EXPORTER_DEFAULT_FS_TYPES_EXCLUDE


def test_no_flag_turns_off_a_collector_that_is_already_off() -> None:
    # node_exporter registers wifi with defaultDisabled (collector/wifi_linux.go): --no-collector.wifi does nothing.
    assert "--no-collector.wifi" not in node_exporter_args()


@pytest.mark.parametrize(
    ("device", "excluded"),
    [("eni1a2b3c4d5e6", True), ("vethabc123", True), ("lo", True), ("eth0", False), ("eth1", False),
     ("ens5", False), ("pod-id-link0", False), ("lo0", False)],
)
def test_vpc_cni_host_interfaces_are_excluded(device: str, excluded: bool) -> None:
    assert bool(re.search(net_device_exclude_regex(), device)) is excluded


@given(st.integers(min_value=0, max_value=64), st.sampled_from(["eth", "ens", "enp"]))
def test_physical_interfaces_are_never_excluded(index: int, prefix: str) -> None:
    assert not re.search(net_device_exclude_regex(), f"{prefix}{index}")


def test_extras_are_appended_to_both_lists() -> None:
    args = node_exporter_args(extra_mount_excludes=(r"mnt/scratch/.+",), extra_netdev_excludes=("vlan.*",))
    flags = dict(arg.split("=", 1) for arg in args if "=" in arg)
    assert flags["--collector.filesystem.mount-points-exclude"].endswith(r"|\.bottlerocket|mnt/scratch/.+)($|/)")
    assert flags["--collector.netclass.ignored-devices"] == "^(eni.*|veth.*|lo|vlan.*)$"
    assert flags["--collector.netdev.device-exclude"] == "^(eni.*|veth.*|lo|vlan.*)$"


def test_custom_paths() -> None:
    args = node_exporter_args(listen_address="127.0.0.1:9200", host_root="/rootfs", host_sys="/sysfs")
    assert args[:5] == [
        "--web.listen-address=127.0.0.1:9200",
        "--path.sysfs=/sysfs",
        "--path.rootfs=/rootfs",
        "--path.procfs=/rootfs/proc",
        "--path.udev.data=/rootfs/run/udev/data",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"listen_address": "0.0.0.0:9100"}, "loopback"),
        ({"listen_address": ":9100"}, "loopback"),
        ({"host_root": "host/root"}, "absolute"),
        ({"extra_mount_excludes": ("mnt/(",)}, "invalid regex"),
        ({"extra_netdev_excludes": ("",)}, "empty pattern"),
    ],
)
def test_node_exporter_rejects_invalid_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        node_exporter_args(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"upstream": "http://10.0.0.1:9101/"}, "loopback"),
        ({"upstream": "https://127.0.0.1:9101/"}, "loopback"),
        ({"tls_cipher_suites": ()}, "non-empty"),
        ({"tls_cipher_suites": ("RC4",)}, "Go TLS"),
        ({"allow_paths": ("metrics",)}, "absolute"),
    ],
)
def test_kube_rbac_proxy_rejects_invalid_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kube_rbac_proxy_args(**kwargs)  # type: ignore[arg-type]


def test_allow_paths_can_be_disabled() -> None:
    assert not any(arg.startswith("--allow-paths") for arg in kube_rbac_proxy_args(allow_paths=()))
