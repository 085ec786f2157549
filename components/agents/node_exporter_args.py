"""Command-line arguments for node-exporter and its kube-rbac-proxy sidecar (pure).

Modelled on kube-prometheus' nodeExporter-daemonset.yaml (anchor, commit
4d719f1d): node-exporter listens on loopback only and kube-rbac-proxy serves
TLS on the node IP, authorising each scrape with a SubjectAccessReview.
Differences from the anchor are EKS-specific exclusions (containerd, VPC CNI,
Bottlerocket) and restricting the proxy to /metrics.
"""

from __future__ import annotations

import re

# Tags used by the kube-prometheus anchor (app.kubernetes.io/version 1.12.1), each with the digest of its multi-arch
# image index where one is known. local/tools/build.py reads the release from the tag (image_version).
#
# node-exporter v1.12.1: the index digest `docker buildx imagetools inspect quay.io/prometheus/node-exporter:v1.12.1
# --raw` reported, recorded beside its linux/amd64 (sha256:da83fae8…) and linux/arm64 (sha256:c9ef89f9…) children in
# kkonstantin08/trafficops docs/evidence/amd64-implementation-2026-10-01.md ("observed index digest"). At least eight
# other public files pin prom/node-exporter:v1.12.1 (the same release on Docker Hub) by the same digest, one of them
# a table of "immutable multi-architecture manifest digests". The -distroless tag is another image (sha256:8c9bac11…).
NODE_EXPORTER_IMAGE = (
    "quay.io/prometheus/node-exporter:v1.12.1@sha256:1b4e4438faca4dd7e001dd445d161a4a2091b0fededa84093b3a8dfeae1f1be0"
)
# No digest: none for this tag was found in any public source the search reaches (release notes, charts, lock files,
# registry pages), and a digest is never made up. The tag alone pins the release, pulled with imagePullPolicy Always;
# set agents.nodeExporter.rbacProxyImage to tag@sha256 from your mirror (`crane digest` prints it) to pin it.
KUBE_RBAC_PROXY_IMAGE = "quay.io/brancz/kube-rbac-proxy:v0.22.1"

# The anchor keeps node-exporter on 127.0.0.1:9101 and lets the proxy own 9100:
# with hostNetwork both share the node's port space, and a proxy bound to an
# unspecified address (0.0.0.0 / [::]) could not share 9100 with loopback.
HTTPS_PORT = 9100
NODE_EXPORTER_LOCAL_PORT = 9101
DEFAULT_LISTEN_ADDRESS = f"127.0.0.1:{NODE_EXPORTER_LOCAL_PORT}"
DEFAULT_UPSTREAM = f"http://127.0.0.1:{NODE_EXPORTER_LOCAL_PORT}/"
# $(IP) is expanded by the kubelet from an env var fed by status.podIP (the node
# IP under hostNetwork); brackets keep it valid for IPv6 clusters as well.
DEFAULT_SECURE_LISTEN_ADDRESS = f"[$(IP)]:{HTTPS_PORT}"

# ECDHE + AEAD suites only, as in the anchor (TLS 1.2; TLS 1.3 suites are fixed by Go).
DEFAULT_TLS_CIPHER_SUITES: tuple[str, ...] = (
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
)

# Passing --collector.filesystem.mount-points-exclude *replaces* node-exporter's
# default, so its default entries (filesystem_linux.go: dev, proc,
# run/credentials/.+, sys, var/lib/docker/.+, var/lib/containers/storage/.+)
# are repeated first. Mount points are matched after the --path.rootfs prefix
# is stripped, i.e. as the host sees them.
_DEFAULT_MOUNT_EXCLUDES: tuple[str, ...] = (
    "dev",
    "proc",
    r"run/credentials/.+",
    "sys",
    r"var/lib/docker/.+",
    r"var/lib/containers/storage/.+",
)
_EKS_MOUNT_EXCLUDES: tuple[str, ...] = (
    # Per-container rootfs overlays and sandbox /dev/shm tmpfs mounts of containerd.
    r"run/containerd/.+",
    r"var/lib/containerd/.+",
    # One tmpfs/projected-token mount per pod volume; kubelet_volume_stats_*
    # already covers PVs. (CSI globalmounts under var/lib/kubelet/plugins stay:
    # one series per attached EBS volume is worth having.)
    r"var/lib/kubelet/pods/.+",
    # Bottlerocket's bind mounts of its own root for host containers; /local
    # (the data partition behind /var) is deliberately kept.
    r"\.bottlerocket",
)

# Same as node-exporter's default list (v1.10 and later, filesystem_linux.go
# defFSTypesExcluded), written out because the flag replaces it. erofs joined it in
# v1.10 (node_exporter#3309): read-only image filesystems, always 100% full, which
# Bottlerocket mounts for its host containers. tmpfs is *not* excluded: /run filling
# up breaks containerd and kubelet, and the per-pod tmpfs mounts are already dropped
# by mount point above.
_FS_TYPES_EXCLUDE: tuple[str, ...] = (
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup2?",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "erofs",
    "fusectl",
    "hugetlbfs",
    "iso9660",
    "mqueue",
    "nsfs",
    "overlay",
    "proc",
    "procfs",
    "pstore",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tracefs",
)

# The Amazon VPC CNI names the host end of every pod's veth pair eni<hash>;
# veth* covers other CNIs. These come and go with pods (unbounded series);
# eth*/ens* (including secondary ENIs) stay. Loopback traffic is not node I/O.
_NET_DEVICE_EXCLUDES: tuple[str, ...] = ("eni.*", "veth.*", "lo")


def _alternation(patterns: tuple[str, ...], name: str) -> str:
    """Join regex fragments with ``|`` after checking that each compiles.

    Args:
        patterns: Regular-expression fragments.
        name: Argument name for error messages.

    Returns:
        ``a|b|c``.

    Raises:
        ValueError: If a fragment is empty or not a valid regex.
    """
    for pattern in patterns:
        if not pattern:
            raise ValueError(f"{name}: empty pattern")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{name}: invalid regex {pattern!r}: {exc}") from exc
    return "|".join(patterns)


def mount_points_exclude_regex(extra: tuple[str, ...] = ()) -> str:
    """Regex for ``--collector.filesystem.mount-points-exclude``.

    Args:
        extra: Additional mount points (relative to /, regex) to exclude.

    Returns:
        The anchored regex.
    """
    body = _alternation((*_DEFAULT_MOUNT_EXCLUDES, *_EKS_MOUNT_EXCLUDES, *extra), "extra_mount_excludes")
    return f"^/({body})($|/)"


def fs_types_exclude_regex() -> str:
    """Regex for ``--collector.filesystem.fs-types-exclude``."""
    return f"^({_alternation(_FS_TYPES_EXCLUDE, 'fs types')})$"


def net_device_exclude_regex(extra: tuple[str, ...] = ()) -> str:
    """Regex for netdev ``device-exclude`` and netclass ``ignored-devices``.

    Args:
        extra: Additional interface-name regexes to exclude.

    Returns:
        The anchored regex.
    """
    return f"^({_alternation((*_NET_DEVICE_EXCLUDES, *extra), 'extra_netdev_excludes')})$"


def node_exporter_args(
    *,
    listen_address: str = DEFAULT_LISTEN_ADDRESS,
    host_root: str = "/host/root",
    host_sys: str = "/host/sys",
    extra_mount_excludes: tuple[str, ...] = (),
    extra_netdev_excludes: tuple[str, ...] = (),
) -> list[str]:
    """Arguments for the node-exporter container.

    Args:
        listen_address: Loopback address; only kube-rbac-proxy may reach it.
        host_root: Where the host's / is mounted (read-only, HostToContainer).
        host_sys: Where the host's /sys is mounted.
        extra_mount_excludes: Extra mount-point regexes (relative to /).
        extra_netdev_excludes: Extra interface-name regexes.

    Returns:
        The argument list, in a fixed order.

    Raises:
        ValueError: If listen_address is not loopback or a path is not absolute.
    """
    host, _, port = listen_address.rpartition(":")
    # Anything but loopback would expose unauthenticated metrics on the node
    # network (hostNetwork: NetworkPolicies do not apply).
    if host not in ("127.0.0.1", "[::1]", "localhost") or not port.isdigit():
        raise ValueError(f"listen_address={listen_address!r}: must be a loopback host:port")
    for name, path in (("host_root", host_root), ("host_sys", host_sys)):
        if not path.startswith("/") or path.endswith("/"):
            raise ValueError(f"{name}={path!r}: absolute path without trailing slash")
    netdev = net_device_exclude_regex(extra_netdev_excludes)
    return [
        f"--web.listen-address={listen_address}",
        f"--path.sysfs={host_sys}",
        f"--path.rootfs={host_root}",
        # The host's procfs as seen through the rootfs mount; 1/mountinfo there
        # is the host's mount table.
        f"--path.procfs={host_root}/proc",
        f"--path.udev.data={host_root}/run/udev/data",
        # hwmon/btrfs are off in kube-prometheus too. (No --no-collector.wifi: wifi is off by default,
        # registerCollector("wifi", defaultDisabled, ...), so the flag would change nothing.)
        "--no-collector.hwmon",
        "--no-collector.btrfs",
        f"--collector.filesystem.mount-points-exclude={mount_points_exclude_regex(extra_mount_excludes)}",
        f"--collector.filesystem.fs-types-exclude={fs_types_exclude_regex()}",
        f"--collector.netclass.ignored-devices={netdev}",
        f"--collector.netdev.device-exclude={netdev}",
    ]


def kube_rbac_proxy_args(
    *,
    upstream: str = DEFAULT_UPSTREAM,
    secure_listen_address: str = DEFAULT_SECURE_LISTEN_ADDRESS,
    tls_cipher_suites: tuple[str, ...] = DEFAULT_TLS_CIPHER_SUITES,
    allow_paths: tuple[str, ...] = ("/metrics",),
) -> list[str]:
    """Arguments for the kube-rbac-proxy sidecar.

    Args:
        upstream: node-exporter's loopback URL.
        secure_listen_address: TLS listen address on the node IP.
        tls_cipher_suites: Go crypto/tls constant names.
        allow_paths: Only these paths are proxied (others get 404); empty
            tuple disables the check.

    Returns:
        The argument list, in a fixed order.

    Raises:
        ValueError: If the upstream is not loopback HTTP or a list is malformed.
    """
    if not re.fullmatch(r"http://(127\.0\.0\.1|\[::1\]|localhost):\d+/", upstream):
        raise ValueError(f"upstream={upstream!r}: must be http://<loopback>:<port>/")
    if not tls_cipher_suites or any(not re.fullmatch(r"TLS_[A-Z0-9_]+", s) for s in tls_cipher_suites):
        raise ValueError("tls_cipher_suites: non-empty list of Go TLS constant names")
    if any(not p.startswith("/") or "," in p for p in allow_paths):
        raise ValueError("allow_paths: absolute paths without commas")
    args = [
        f"--secure-listen-address={secure_listen_address}",
        f"--tls-cipher-suites={','.join(tls_cipher_suites)}",
        # Explicit although it is the default: a future default change must not
        # silently weaken the endpoint.
        "--tls-min-version=VersionTLS12",
        f"--upstream={upstream}",
    ]
    if allow_paths:
        # node-exporter also serves a landing page; nothing but /metrics is needed.
        args.append(f"--allow-paths={','.join(allow_paths)}")
    return args


__all__ = [
    "DEFAULT_LISTEN_ADDRESS",
    "DEFAULT_SECURE_LISTEN_ADDRESS",
    "DEFAULT_TLS_CIPHER_SUITES",
    "DEFAULT_UPSTREAM",
    "HTTPS_PORT",
    "KUBE_RBAC_PROXY_IMAGE",
    "NODE_EXPORTER_IMAGE",
    "NODE_EXPORTER_LOCAL_PORT",
    "fs_types_exclude_regex",
    "kube_rbac_proxy_args",
    "mount_points_exclude_regex",
    "net_device_exclude_regex",
    "node_exporter_args",
]
