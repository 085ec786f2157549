"""Render fluent.conf for the Fluentd log-shipping DaemonSet (pure, no Pulumi).

The pipeline is::

    in_tail (CRI parser) --> @CONCAT (join CRI partial lines)
                         --> @ENRICH (cap the message, kubernetes_metadata)
                         --> @OUTPUT (CloudWatch Logs and/or stdout)
    @ERROR --> Fluentd's own stdout (never back into @OUTPUT)

Every plugin parameter used here was checked against the plugin versions that
the pinned image ships (``docker-image/v1.19/debian-cloudwatch/Gemfile`` in
fluent/fluentd-kubernetes-daemonset): fluentd 1.19, fluent-plugin-parser-cri
0.1, fluent-plugin-concat 2.6, fluent-plugin-kubernetes_metadata_filter 3.8,
fluent-plugin-cloudwatch-logs 0.15 and fluent-plugin-prometheus 2.2.

The stages sit beside this module: ``fluentd_sources`` (in_tail and the metrics endpoint), ``fluentd_filters``
(@CONCAT, @ENRICH), ``fluentd_outputs`` (the destinations, their settings and @OUTPUT), sized by the limits in
``fluentd_limits`` and written out by ``fluentd_directives``. This module assembles the document.
"""

from __future__ import annotations

import re

from components.agents.fluentd_directives import _Section
from components.agents.fluentd_filters import CONCAT_STREAM_KEY_NOBODY_HAS, CRI_RECORD_KEYS, _concat_label, _enrich_label
from components.agents.fluentd_limits import (
    CLOUDWATCH_EVENT_HEADER_BYTES,
    CLOUDWATCH_MAX_BATCH_BYTES,
    CLOUDWATCH_MAX_BATCH_EVENTS,
    CLOUDWATCH_MAX_EVENT_BYTES,
    MAX_MESSAGE_BYTES,
    MESSAGE_JSON_WORST_CASE_BYTES,
    RECORD_METADATA_BUDGET_BYTES,
)
from components.agents.fluentd_outputs import (
    BufferSettings,
    CloudWatchOutput,
    FluentdOutputs,
    LogStreamBy,
    StdoutOutput,
    _output_label,
)
from components.agents.fluentd_sources import (
    CONTAINER_LOG_GLOB,
    DEFAULT_METRICS_PORT,
    METRICS_PATH,
    _metrics_sources,
    _tail_source,
)

# Multi-arch tag listed under "Cloudwatch" in the README of fluent/fluentd-kubernetes-daemonset at commit 849b9e1ecd84
# (the same commit as the fluentd-kubernetes-daemonset-cloudwatch-rbac anchor); its Dockerfile builds FROM
# fluent/fluentd:v1.19.3-debian. Never use the floating v1-debian-cloudwatch tag: the README itself warns that it
# changes under you. The digest is the one DocSpring/convox pins for this exact tag in terraform/fluentd/aws/main.tf
# (commit 033c7643), "Pinned by digest (amd64 + arm64)", so the multi-arch index and not one platform's image; its
# comment lists the image's fluentd 1.19.3 and the plugin versions named above. It is the only public source of a
# digest for this tag the search found. The init container runs the same image.
FLUENTD_IMAGE = (
    "docker.io/fluent/fluentd-kubernetes-daemonset:v1.19.3-debian-cloudwatch-1.1"
    "@sha256:268c29d7908ce779e200cf08d26e3ab52c0eb965fdae51e8d424730c0e311166"
)

_LOG_LEVELS = frozenset({"fatal", "error", "warn", "info", "debug", "trace"})
_DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _check_abs_dir(path: str, name: str) -> None:
    """Require a normalised absolute directory path without a trailing slash.

    Raises:
        ValueError: If the path is relative, has a trailing slash or contains ``..``.
    """
    if not path.startswith("/") or path.endswith("/") or "/../" in f"{path}/" or "//" in path:
        raise ValueError(f"{name}={path!r}: must be a normalised absolute path without a trailing slash")


def _system(log_level: str, buffer_dir: str) -> _Section:
    """``<system>``: log format and the root for chunk backups."""
    return _Section(
        "system",
        params=(
            ("log_level", log_level),
            # Unrecoverable chunks are backed up under root_dir/backup; without
            # it they land in /tmp/fluent inside a read-only container and die
            # with the pod. buffer_dir is a hostPath, so they survive.
            ("root_dir", buffer_dir),
            # A failing CloudWatch endpoint logs the same retry line per chunk.
            ("ignore_same_log_interval", "60s"),
        ),
        # One JSON object per line is what CloudWatch/Container Insights parse.
        children=(_Section("log", params=(("format", "json"),)),),
    )


def _fluent_log_label() -> _Section:
    """Fluentd's own log events: already on its stdout, don't ship them twice."""
    return _Section(
        "label",
        arg="@FLUENT_LOG",
        children=(_Section("match", arg="**", params=(("@type", "null"), ("@id", "out_null_fluent_log"))),),
    )


def _error_label() -> _Section:
    """Events a filter or an output failed on: printed on Fluentd's stdout rather than lost.

    Never back into @OUTPUT: an event the CloudWatch buffer refused (say,
    BufferChunkOverflowError) would be refused again, sent to @ERROR again, and
    so on, duplicating it and recursing without end. Fluentd's stdout is its own
    container log, which in_tail excludes, so they don't come back either; and
    out_stdout writes without a buffer, so it cannot raise a buffer error.
    """
    return _Section(
        "label",
        arg="@ERROR",
        children=(
            _Section(
                "match",
                arg="**",
                params=(("@type", "stdout"), ("@id", "out_stdout_error")),
                children=(_Section("format", params=(("@type", "json"),)),),
            ),
        ),
    )


def build_fluent_conf(
    *,
    outputs: FluentdOutputs,
    buffer: BufferSettings | None = None,
    namespace: str = "logging",
    pos_dir: str = "/var/log/fluentd-pos",
    buffer_dir: str = "/var/log/fluentd-buffers",
    metrics_port: int = DEFAULT_METRICS_PORT,
    metrics_bind: str = "0.0.0.0",
    log_level: str = "info",
    daemonset_name: str = "fluentd",
) -> str:
    """Render fluent.conf for the DaemonSet.

    Args:
        outputs: Destinations (CloudWatch Logs and/or stdout).
        buffer: CloudWatch file-buffer settings; defaults to BufferSettings().
        namespace: Namespace the DaemonSet runs in (to skip its own logs).
        pos_dir: hostPath directory for in_tail position files.
        buffer_dir: hostPath directory for buffer chunks and chunk backups.
        metrics_port: Port of the Prometheus endpoint (also the probe target).
        metrics_bind: Address the Prometheus endpoint binds to.
        log_level: Fluentd's own log level.
        daemonset_name: Pod name prefix of the DaemonSet (to skip its own logs).

    Returns:
        The configuration text, ending with a newline; identical inputs give
        byte-identical output.

    Raises:
        ValueError: On an invalid argument.
    """
    buf = buffer if buffer is not None else BufferSettings()
    if not _DNS_LABEL_RE.fullmatch(namespace):
        raise ValueError(f"namespace={namespace!r}: not a DNS-1123 label")
    if not _DNS_LABEL_RE.fullmatch(daemonset_name):
        raise ValueError(f"daemonset_name={daemonset_name!r}: not a DNS-1123 label")
    _check_abs_dir(pos_dir, "pos_dir")
    _check_abs_dir(buffer_dir, "buffer_dir")
    if pos_dir == buffer_dir or buffer_dir.startswith(pos_dir + "/") or pos_dir.startswith(buffer_dir + "/"):
        raise ValueError("pos_dir and buffer_dir must be separate, non-nested directories")
    if not 1 <= metrics_port <= 65535:
        raise ValueError(f"metrics_port={metrics_port}: out of range")
    if log_level not in _LOG_LEVELS:
        raise ValueError(f"log_level={log_level!r}: one of {sorted(_LOG_LEVELS)}")

    sections = [
        _system(log_level, buffer_dir),
        *_metrics_sources(metrics_bind, metrics_port),
        _tail_source(namespace, pos_dir, daemonset_name),
        _fluent_log_label(),
        _concat_label(),
        _enrich_label(),
        _output_label(outputs, buf, buffer_dir),
        _error_label(),
    ]
    # The header is part of the ConfigMap, whose hash is in the pod template: a change to it rolls Fluentd out on every
    # node, so it changes only with the path it names (tests/test_readme.py checks that the path exists).
    lines = ["# Generated by components/agents/fluentd_conf.py - do not edit by hand."]
    for section in sections:
        lines.append("")
        lines.extend(section.render())
    return "\n".join(lines) + "\n"


__all__ = [
    "CLOUDWATCH_EVENT_HEADER_BYTES",
    "CLOUDWATCH_MAX_BATCH_BYTES",
    "CLOUDWATCH_MAX_BATCH_EVENTS",
    "CLOUDWATCH_MAX_EVENT_BYTES",
    "CONCAT_STREAM_KEY_NOBODY_HAS",
    "CRI_RECORD_KEYS",
    "MAX_MESSAGE_BYTES",
    "MESSAGE_JSON_WORST_CASE_BYTES",
    "RECORD_METADATA_BUDGET_BYTES",
    "CONTAINER_LOG_GLOB",
    "DEFAULT_METRICS_PORT",
    "FLUENTD_IMAGE",
    "METRICS_PATH",
    "BufferSettings",
    "CloudWatchOutput",
    "FluentdOutputs",
    "LogStreamBy",
    "StdoutOutput",
    "build_fluent_conf",
]
