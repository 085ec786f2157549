"""Render falco.yaml for Falco 0.44 with the modern eBPF probe (pure, no Pulumi).

Keys and their nesting follow the falco.yaml that falcosecurity/charts 9.1.0
renders for Falco 0.44.1 (anchor falco-deploy-kubernetes.yaml) and the chart's
``falco.metricsConfiguration`` / ``falco.containerPlugin`` helpers, and the
result must pass Falco's own config schema (userspace/falco/config_json_schema.h),
which Falco checks at every start (tests/agents/test_falco_conf.py validates against it).
The container plugin's ``init_config`` follows its JSON schema
(plugins/container/src/plugin_config_schema.h in falcosecurity/plugins).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

import yaml

from components.input import stack_yaml
from components.input.error_text import short_repr

# Default tag of falcosecurity/falco is the distroless image with no driver
# tooling ("Distroless image ... No tools are included", falco.org/docs/setup/
# download); the modern eBPF probe is compiled into the falco binary, so no
# driver-loader init container and no falco-no-driver variant are needed.
# 0.44.1 is the tag of the deploy-kubernetes anchor (chart 9.1.0 appVersion). The digest is the multi-arch index
# that several independent public deployments pin for that tag (one reports a running DaemonSet on it); a tag can
# be re-pushed, a digest can't.
FALCO_IMAGE = (
    "docker.io/falcosecurity/falco:0.44.1@sha256:d0cfe422d6ac0e0f20857798f46c7d7273210e1b064b22821e4e6e7f843cde6b"
)

DEFAULT_WEBSERVER_PORT = 8765
HEALTHZ_PATH = "/healthz"
METRICS_PATH = "/metrics"

# The Falco package installs all three under /etc/falco (cmake/modules/rules.cmake):
# the upstream ruleset, an empty local file and an empty rules.d directory. The
# bundled ruleset avoids a falcoctl sidecar that downloads rules at run time.
DEFAULT_RULES_FILE = "/etc/falco/falco_rules.yaml"
LOCAL_RULES_FILE = "/etc/falco/falco_rules.local.yaml"
# Mount a ConfigMap of custom rules here. Since Falco 0.41 only *.yaml/*.yml
# files in a rules directory are loaded.
RULES_DIR = "/etc/falco/rules.d"

# Socket paths are resolved under HOST_ROOT (default "/host") by the container
# plugin, so the DaemonSet mounts the host socket at /host/run/containerd/...
CONTAINERD_CRI_SOCKET = "/run/containerd/containerd.sock"
# Bottlerocket runs host containers (admin/control) in a second containerd.
BOTTLEROCKET_HOST_CONTAINERD_SOCKET = "/run/host-containerd/containerd.sock"

PRIORITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
# Rule files accept these spellings of priority (case-insensitive).
_RULE_PRIORITIES = frozenset({*PRIORITIES, "informational"})

CAPABILITY_REASONS: dict[str, str] = {
    "BPF": (
        "load the modern eBPF probe programs and create their maps with bpf(2); "
        "split out of CAP_SYS_ADMIN in Linux 5.8"
    ),
    "PERFMON": (
        "attach the probe's tracing programs to kernel tracepoints; "
        "tracing program types need CAP_PERFMON together with CAP_BPF"
    ),
    "SYS_PTRACE": (
        "read ptrace-guarded /proc/<pid> entries (environ, fds, exe) of every host process "
        "to build the process table"
    ),
    "SYS_RESOURCE": (
        "raise RLIMIT_MEMLOCK with setrlimit(2) so BPF maps can be locked "
        "where the kernel still charges them to memlock"
    ),
}

_RULE_ITEM_KINDS = ("rule", "macro", "list", "required_engine_version", "required_plugin_versions")
_RULE_REQUIRED = ("condition", "desc", "output", "priority")


def falco_capabilities(privileged: bool) -> tuple[str, ...]:
    """Capabilities to add to the Falco container.

    Args:
        privileged: Whether the container runs privileged.

    Returns:
        An empty tuple when privileged (it already holds every capability),
        otherwise the least-privilege set for the modern eBPF probe in
        Kubernetes spelling (no ``CAP_`` prefix), sorted. It matches the Falco
        chart's ``driver.modernEbpf.leastPrivileged`` set.
    """
    if privileged:
        return ()
    return tuple(sorted(CAPABILITY_REASONS))


def _container_plugin(cri_sockets: tuple[str, ...], containerd_sockets: tuple[str, ...]) -> dict[str, Any]:
    """The ``container`` plugin, which since Falco 0.41 supplies container.* and k8s.pod.* fields."""
    return {
        "name": "container",
        "library_path": "libcontainer.so",
        "init_config": {
            # The schema requires every engine key; unused ones are disabled so
            # the plugin does not probe sockets EKS nodes never have.
            "engines": {
                "bpm": {"enabled": False},
                # Native containerd API: only useful for Bottlerocket's host containers.
                "containerd": {"enabled": bool(containerd_sockets), "sockets": list(containerd_sockets)},
                # CRI API of the kubelet's containerd: pod name, namespace, labels.
                "cri": {"enabled": bool(cri_sockets), "sockets": list(cri_sockets)},
                "docker": {"enabled": False, "sockets": []},
                "libvirt_lxc": {"enabled": False},
                "lxc": {"enabled": False},
                "podman": {"enabled": False, "sockets": []},
            },
            # "create" fires before the container's first process starts.
            "hooks": ["create"],
            "label_max_len": 100,
            # Size inspection walks the container filesystem: slow.
            "with_size": False,
        },
    }


def _check_socket(path: str) -> None:
    """Require an absolute, normalised socket path.

    Raises:
        ValueError: If it is not.
    """
    if not path.startswith("/") or posixpath.normpath(path) != path:
        raise ValueError(f"socket {path!r}: must be a normalised absolute path")


def _rules_files(custom_rules_file: str | None, rules_dir: str) -> list[str]:
    """Default rules first, then the local file and directory, then an extra file.

    Later files may append to or override earlier rules, so custom rules load last.

    Raises:
        ValueError: If the custom file is not an absolute *.yaml/*.yml path.
    """
    files = [DEFAULT_RULES_FILE, LOCAL_RULES_FILE, rules_dir]
    if custom_rules_file is None:
        return files
    if not custom_rules_file.startswith("/") or posixpath.normpath(custom_rules_file) != custom_rules_file:
        raise ValueError(f"custom_rules_file={custom_rules_file!r}: must be a normalised absolute path")
    if not custom_rules_file.endswith((".yaml", ".yml")):
        raise ValueError(f"custom_rules_file={custom_rules_file!r}: Falco >= 0.41 only loads .yaml/.yml rules files")
    # A file inside rules_dir is already loaded through the directory.
    if posixpath.dirname(custom_rules_file) != rules_dir and custom_rules_file not in files:
        files.append(custom_rules_file)
    return files


def build_falco_config(
    *,
    priority: str = "notice",
    custom_rules_file: str | None = None,
    rules_dir: str = RULES_DIR,
    webserver_port: int = DEFAULT_WEBSERVER_PORT,
    webserver_listen_address: str = "0.0.0.0",
    cri_sockets: tuple[str, ...] = (CONTAINERD_CRI_SOCKET,),
    containerd_sockets: tuple[str, ...] = (),
    log_level: str = "info",
) -> dict[str, Any]:
    """Build the falco.yaml content as a plain dict (see build_falco_yaml).

    Args:
        priority: Minimum rule priority that is loaded and alerted on.
        custom_rules_file: Extra rules file loaded after the defaults, or None.
        rules_dir: Directory of additional rules files (mount a ConfigMap).
        webserver_port: Port of /healthz and Prometheus /metrics.
        webserver_listen_address: Bind address of the webserver.
        cri_sockets: CRI sockets of the kubelet's container runtime.
        containerd_sockets: Native containerd sockets, e.g.
            (BOTTLEROCKET_HOST_CONTAINERD_SOCKET,) on Bottlerocket nodes.
        log_level: Falco's own log level (same names as priority).

    Returns:
        The configuration mapping.

    Raises:
        ValueError: On an invalid argument.
    """
    if priority not in PRIORITIES:
        raise ValueError(f"priority={priority!r}: one of {', '.join(PRIORITIES)}")
    if log_level not in PRIORITIES:
        raise ValueError(f"log_level={log_level!r}: one of {', '.join(PRIORITIES)}")
    if not 1 <= webserver_port <= 65535:
        raise ValueError(f"webserver_port={webserver_port}: out of range")
    if not rules_dir.startswith("/") or posixpath.normpath(rules_dir) != rules_dir:
        raise ValueError(f"rules_dir={rules_dir!r}: must be a normalised absolute path")
    if not cri_sockets and not containerd_sockets:
        raise ValueError("at least one CRI or containerd socket is needed for container metadata")
    for socket in (*cri_sockets, *containerd_sockets):
        _check_socket(socket)

    return {
        # No kernel module and no driver download: the probe is built into the
        # binary and needs only BPF/PERFMON instead of a privileged container.
        "engine": {
            "kind": "modern_ebpf",
            "modern_ebpf": {
                "buf_size_preset": 4,
                "cpus_for_each_buffer": 2,
                "drop_failed_exit": False,
            },
        },
        "rules_files": _rules_files(custom_rules_file, rules_dir),
        "load_plugins": ["container"],
        "plugins": [_container_plugin(cri_sockets, containerd_sockets)],
        "priority": priority,
        "rule_matching": "first",
        # One JSON object per line on stdout, picked up by the log DaemonSet.
        "json_output": True,
        "json_include_output_property": True,
        "json_include_output_fields_property": True,
        "json_include_tags_property": True,
        "json_include_message_property": False,
        "time_format_iso_8601": True,
        "buffered_outputs": False,
        "stdout_output": {"enabled": True},
        # No syslog daemon in the container, no shared file, no webhook target. No program output either: the key
        # is left out (configuration.cpp reads program_output.enabled with default false), since Falco's config
        # schema requires `program` in a program_output block, even a disabled one.
        "syslog_output": {"enabled": False},
        "file_output": {"enabled": False},
        "http_output": {"enabled": False},
        "log_stderr": True,
        "log_syslog": False,
        "log_level": log_level,
        "libs_logger": {"enabled": True, "severity": "warning"},
        # Reload when the mounted ConfigMaps change instead of restarting.
        "watch_config_files": True,
        "webserver": {
            "enabled": True,
            "threadiness": 0,
            "listen_address": webserver_listen_address,
            "listen_port": webserver_port,
            "k8s_healthz_endpoint": HEALTHZ_PATH,
            "prometheus_metrics_enabled": True,
            "ssl_enabled": False,
        },
        # Served on the webserver's /metrics; nothing is emitted as alerts.
        "metrics": {
            "enabled": True,
            "interval": "1h",
            "output_rule": False,
            "rules_counters_enabled": True,
            "resource_utilization_enabled": True,
            "state_counters_enabled": True,
            "kernel_event_counters_enabled": True,
            "kernel_event_counters_per_cpu_enabled": False,
            # Needs the host sysctl kernel.bpf_stats_enabled=1, which we don't own.
            "libbpf_stats_enabled": False,
            "plugins_metrics_enabled": True,
            "jemalloc_stats_enabled": False,
            "convert_memory_to_mb": True,
            "include_empty_values": False,
        },
    }


def build_falco_yaml(**options: Any) -> str:
    """Render falco.yaml; ``options`` are the keyword arguments of :func:`build_falco_config`.

    Returns:
        YAML text with sorted keys; identical inputs give identical text.

    Raises:
        ValueError: On an invalid argument.
    """
    return yaml.safe_dump(build_falco_config(**options), sort_keys=True, default_flow_style=False)


def _check_rule_item(index: int, item: Mapping[str, Any]) -> None:
    """Structural checks of one rules-file item.

    Raises:
        ValueError: Describing the first problem found in the item.
    """
    kinds = [kind for kind in _RULE_ITEM_KINDS if kind in item]
    if len(kinds) != 1:
        found = ", ".join(kinds) if kinds else "none"
        raise ValueError(f"item {index}: needs exactly one of {', '.join(_RULE_ITEM_KINDS)} (found: {found})")
    kind = kinds[0]
    if kind in ("required_engine_version", "required_plugin_versions"):
        return
    name = item[kind]
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"item {index}: {kind} name must be a non-empty string")
    # append/override items and enable/disable toggles only carry the changed keys.
    if "append" in item or "override" in item:
        return
    if kind == "rule":
        if set(item) <= {"rule", "enabled"}:
            return
        missing = [key for key in _RULE_REQUIRED if key not in item]
        if missing:
            raise ValueError(f"item {index}: rule {short_repr(name)} is missing {', '.join(missing)}")
        priority = item["priority"]
        if not isinstance(priority, str) or priority.lower() not in _RULE_PRIORITIES:
            raise ValueError(f"item {index}: rule {short_repr(name)} has unknown priority {short_repr(priority)}")
    elif kind == "macro" and "condition" not in item:
        raise ValueError(f"item {index}: macro {short_repr(name)} is missing condition")
    elif kind == "list" and not isinstance(item.get("items"), list):
        raise ValueError(f"item {index}: list {short_repr(name)} needs an items sequence")


def validate_custom_rules(text: str) -> None:
    """Basic structural check of a Falco rules file before it is shipped.

    It catches what would make Falco refuse to start on every node (bad YAML,
    wrong top-level shape, unknown item types, rules without condition/output,
    misspelt priorities); it does not compile conditions.

    Args:
        text: Contents of the rules file.

    Raises:
        ValueError: With a message naming the offending item.
    """
    try:
        # The stack file's own reader: one-line errors placed by line and column, and bounded, so a deep or
        # alias-bombed rules file is refused in milliseconds.
        document = stack_yaml.load(text)
    except stack_yaml.YamlError as exc:
        problem = "is not valid YAML" if exc.path is None else "can't be read"
        raise ValueError(f"rules file {problem}: {stack_yaml.where(exc)}: {exc}") from None
    if document is None:
        raise ValueError("rules file is empty: expected a YAML list of rule/macro/list items")
    if not isinstance(document, list):
        raise ValueError(f"rules file must be a YAML list of items, got {type(document).__name__}")
    for index, item in enumerate(document):
        if not isinstance(item, Mapping):
            raise ValueError(f"item {index}: must be a mapping, got {type(item).__name__}")
        _check_rule_item(index, item)


__all__ = [
    "BOTTLEROCKET_HOST_CONTAINERD_SOCKET",
    "CAPABILITY_REASONS",
    "CONTAINERD_CRI_SOCKET",
    "DEFAULT_RULES_FILE",
    "DEFAULT_WEBSERVER_PORT",
    "FALCO_IMAGE",
    "HEALTHZ_PATH",
    "LOCAL_RULES_FILE",
    "METRICS_PATH",
    "PRIORITIES",
    "RULES_DIR",
    "build_falco_config",
    "build_falco_yaml",
    "falco_capabilities",
    "validate_custom_rules",
]
