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
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum

# Multi-arch tag listed under "Cloudwatch" in the README of
# fluent/fluentd-kubernetes-daemonset at commit 849b9e1ecd84 (the same commit as
# the fluentd-kubernetes-daemonset-cloudwatch-rbac anchor); its Dockerfile builds
# FROM fluent/fluentd:v1.19.3-debian. Never use the floating v1-debian-cloudwatch
# tag: the README itself warns that it changes under you.
FLUENTD_IMAGE = "docker.io/fluent/fluentd-kubernetes-daemonset:v1.19.3-debian-cloudwatch-1.1"

# kubelet keeps one symlink per running container here, named
# <pod>_<namespace>_<container>-<container id>.log, pointing into /var/log/pods.
# The DaemonSet therefore needs both /var/log/containers and /var/log/pods.
CONTAINER_LOG_GLOB = "/var/log/containers/*.log"

DEFAULT_METRICS_PORT = 24231
METRICS_PATH = "/metrics"

# PutLogEvents limits as fluent-plugin-cloudwatch-logs 0.15 applies them
# (MAX_EVENTS_SIZE, MAX_EVENT_SIZE = 1024 * 1024 since its PR #265, EVENT_HEADER_SIZE
# and the default max_events_per_batch). An event is the record serialised as
# JSON; one over MAX_EVENT_SIZE raises TooLargeEventError, an unrecoverable error:
# the whole chunk goes to the backup directory instead of CloudWatch.
CLOUDWATCH_MAX_BATCH_BYTES = 1_048_576
CLOUDWATCH_MAX_BATCH_EVENTS = 10_000
CLOUDWATCH_MAX_EVENT_BYTES = 1024 * 1024
CLOUDWATCH_EVENT_HEADER_BYTES = 26

# The log line (``message``) is cut to this many bytes in @ENRICH, before any
# buffer: concat rejoins CRI partial lines with no size cap, and one record over
# chunk_limit_size raises BufferChunkOverflowError. The cut is at a byte, then
# scrubbed back to valid UTF-8 (a split character becomes U+FFFD), so the record
# stays valid JSON. The plugin's own max_message_length is not used: it slices the
# *serialised JSON* of the record, which leaves an invalid JSON event.
MAX_MESSAGE_BYTES = 128 * 1024
# Each byte of the cut message is at most 6 bytes of JSON (a control character
# becomes \u00XX; an invalid byte becomes U+FFFD, 3 bytes), plus its two quotes.
# What is left of a CloudWatch event is for the record's other fields (stream,
# time, Kubernetes metadata); it is far more than they take.
MESSAGE_JSON_WORST_CASE_BYTES = 6 * MAX_MESSAGE_BYTES + 2
RECORD_METADATA_BUDGET_BYTES = (
    CLOUDWATCH_MAX_EVENT_BYTES - CLOUDWATCH_EVENT_HEADER_BYTES - MESSAGE_JSON_WORST_CASE_BYTES
)

# Keys the CRI parser gives a record besides its time: "<time> <stream> <logtag> <message>".
CRI_RECORD_KEYS = ("stream", "logtag", "message")
# concat 2.6 deletes `partial_cri_stream_key` (default "stream") from every record it
# joins or passes on, and uses it for nothing else (filter_concat.rb, :partial_cri
# mode), while records its timeout flushes keep it: CloudWatch events lost
# stdout/stderr for some lines and kept it for others. No record has this key.
CONCAT_STREAM_KEY_NOBODY_HAS = "_concat_partial_cri_stream_key_unused"

_LOG_LEVELS = frozenset({"fatal", "error", "warn", "info", "debug", "trace"})
# Fluentd's size parser multiplies by 1024 for k/m/g/t (Fluent::Config.size_value).
_SIZE_RE = re.compile(r"^(\d+)([kmgt]?)$")
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_TIME_RE = re.compile(r"^\d+[smhd]$")
# CloudWatch Logs log group names: 1-512 of [.-_/#A-Za-z0-9].
_LOG_GROUP_RE = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _size_bytes(value: str, name: str) -> int:
    """Parse a Fluentd size string the way Fluentd does.

    Args:
        value: A size such as ``"2g"`` or ``"800k"`` (lower-case unit, no "B").
        name: Field name used in the error message.

    Returns:
        The size in bytes.

    Raises:
        ValueError: If the value is not canonical Fluentd size syntax.
    """
    match = _SIZE_RE.fullmatch(value)
    if match is None:
        raise ValueError(f"{name}={value!r}: use Fluentd size syntax such as '2g', '800k' or '1048576'")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def _check_time(value: str, name: str) -> None:
    """Reject anything that is not canonical Fluentd time syntax (``5s``, ``1h``).

    Raises:
        ValueError: If the value does not look like ``<int><s|m|h|d>``.
    """
    if not _TIME_RE.fullmatch(value):
        raise ValueError(f"{name}={value!r}: use Fluentd time syntax such as '5s', '1m' or '1h'")


def _check_abs_dir(path: str, name: str) -> None:
    """Require a normalised absolute directory path without a trailing slash.

    Raises:
        ValueError: If the path is relative, has a trailing slash or contains ``..``.
    """
    if not path.startswith("/") or path.endswith("/") or "/../" in f"{path}/" or "//" in path:
        raise ValueError(f"{name}={path!r}: must be a normalised absolute path without a trailing slash")


class LogStreamBy(StrEnum):
    """How events are spread over CloudWatch log streams."""

    #: One stream per container instance, named after the Fluentd tag
    #: ``kubernetes.var.log.containers.<pod>_<ns>_<container>-<id>.log``.
    TAG = "tag"
    #: One stream per ``<namespace>/<pod>/<container>``; survives container restarts.
    POD_CONTAINER = "pod_container"


@dataclass(frozen=True)
class CloudWatchOutput:
    """CloudWatch Logs destination (``@type cloudwatch_logs``).

    Attributes:
        log_group_name: Existing log group (created by Pulumi, not by Fluentd).
        region: AWS region of the log group, e.g. ``"eu-west-1"``.
        log_stream_by: Stream naming scheme.
    """

    log_group_name: str
    region: str
    log_stream_by: LogStreamBy = LogStreamBy.POD_CONTAINER

    def __post_init__(self) -> None:
        """Validate names against the CloudWatch Logs API rules.

        Raises:
            ValueError: On an invalid group name or region.
        """
        if not _LOG_GROUP_RE.fullmatch(self.log_group_name):
            raise ValueError(f"log_group_name={self.log_group_name!r}: must match [.-_/#A-Za-z0-9]{{1,512}}")
        if not _REGION_RE.fullmatch(self.region):
            raise ValueError(f"region={self.region!r}: expected an AWS region such as 'eu-west-1'")


@dataclass(frozen=True)
class StdoutOutput:
    """Print events as JSON on Fluentd's own stdout (``@type stdout``).

    Fluentd's own container log is excluded from tailing, so this cannot loop.
    Mind that it doubles the bytes written to the node's /var/log.
    """


@dataclass(frozen=True)
class FluentdOutputs:
    """The set of destinations; at least one is required.

    Attributes:
        cloudwatch: CloudWatch Logs destination, or None.
        stdout: Stdout destination, or None.
    """

    cloudwatch: CloudWatchOutput | None = None
    stdout: StdoutOutput | None = None

    def __post_init__(self) -> None:
        """Refuse an output-less pipeline, which would drop every event.

        Raises:
            ValueError: If no output is configured.
        """
        if self.cloudwatch is None and self.stdout is None:
            raise ValueError("FluentdOutputs needs at least one output (cloudwatch and/or stdout)")


@dataclass(frozen=True)
class BufferSettings:
    """File buffer of the CloudWatch output.

    Attributes:
        total_limit_size: Bound of the on-disk buffer per node (hostPath).
        chunk_limit_size: Max chunk size; kept at or below one PutLogEvents batch.
        chunk_limit_records: Max events per chunk; at most one batch (10,000).
        flush_interval: How long events may wait in a chunk.
        flush_thread_count: Parallel writers.
        queued_chunks_limit_size: Chunks allowed in the flush queue at once.
        retry_wait: First retry delay of the exponential backoff.
        retry_max_interval: Cap of the backoff, so recovery after an outage is quick.
    """

    total_limit_size: str = "2g"
    # msgpack in the chunk is smaller than the JSON sent to CloudWatch; 800 KiB
    # leaves ~25% headroom under the 1 MiB batch. The plugin still splits a
    # bigger write into several PutLogEvents calls, so this bounds retries, not
    # correctness.
    chunk_limit_size: str = "800k"
    chunk_limit_records: int = CLOUDWATCH_MAX_BATCH_EVENTS
    flush_interval: str = "5s"
    flush_thread_count: int = 2
    # Default is flush_thread_count; with one chunk per container that would
    # serialise flushing, so allow a longer queue.
    queued_chunks_limit_size: int = 64
    retry_wait: str = "1s"
    retry_max_interval: str = "60s"

    def __post_init__(self) -> None:
        """Check units and the CloudWatch batch invariants.

        Raises:
            ValueError: If a value is malformed or a chunk could exceed one batch.
        """
        total = _size_bytes(self.total_limit_size, "total_limit_size")
        chunk = _size_bytes(self.chunk_limit_size, "chunk_limit_size")
        if not 0 < chunk <= CLOUDWATCH_MAX_BATCH_BYTES:
            raise ValueError(f"chunk_limit_size={self.chunk_limit_size!r}: must be 1 byte..1m (PutLogEvents batch)")
        if total < 2 * chunk:
            raise ValueError("total_limit_size must hold at least two chunks")
        if chunk < MAX_MESSAGE_BYTES + RECORD_METADATA_BUDGET_BYTES:
            raise ValueError(
                f"chunk_limit_size={self.chunk_limit_size!r}: must hold one record with a message cut to "
                f"{MAX_MESSAGE_BYTES} bytes and its metadata ({MAX_MESSAGE_BYTES + RECORD_METADATA_BUDGET_BYTES} bytes)"
            )
        if not 1 <= self.chunk_limit_records <= CLOUDWATCH_MAX_BATCH_EVENTS:
            raise ValueError(f"chunk_limit_records must be 1..{CLOUDWATCH_MAX_BATCH_EVENTS} (PutLogEvents batch)")
        if self.flush_thread_count < 1 or self.queued_chunks_limit_size < 1:
            raise ValueError("flush_thread_count and queued_chunks_limit_size must be >= 1")
        for name in ("flush_interval", "retry_wait", "retry_max_interval"):
            _check_time(getattr(self, name), name)


# --------------------------------------------------------------------------- #
# A tiny renderer for Fluentd's directive syntax.
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Section:
    """One ``<name arg> ... </name>`` block."""

    name: str
    arg: str = ""
    params: tuple[tuple[str, str], ...] = ()
    children: tuple[_Section, ...] = field(default=())

    def render(self, depth: int = 0) -> list[str]:
        """Render the block; ``@type`` first, then parameters sorted by name.

        Args:
            depth: Nesting level, two spaces each.

        Returns:
            The rendered lines.
        """
        pad = "  " * depth
        head = f"<{self.name} {self.arg}>" if self.arg else f"<{self.name}>"
        lines = [pad + head]
        for key, value in sorted(self.params, key=lambda kv: (kv[0] != "@type", kv[0])):
            lines.append(f"{pad}  {key} {value}")
        for child in self.children:
            lines.extend(child.render(depth + 1))
        lines.append(f"{pad}</{self.name}>")
        return lines


def _quoted(value: str) -> str:
    """Double-quote a value (JSON escaping is valid Fluentd string syntax)."""
    return json.dumps(value)


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


def _metrics_sources(bind: str, port: int) -> list[_Section]:
    """Prometheus endpoint plus Fluentd's internal and per-output metrics.

    The same /metrics endpoint doubles as liveness/readiness probe target.
    """
    return [
        # in_prometheus binds 127.0.0.1 by default, which kubelet probes and
        # Prometheus cannot reach through the pod IP.
        _Section(
            "source",
            params=(
                ("@type", "prometheus"),
                ("@id", "in_prometheus"),
                ("bind", bind),
                ("port", str(port)),
                ("metrics_path", METRICS_PATH),
            ),
        ),
        _Section("source", params=(("@type", "prometheus_monitor"), ("@id", "in_prometheus_monitor"))),
        # Buffer bytes, retry counts and errors per output: the "are we losing
        # logs" signals (fluentd_output_status_buffer_available_space_ratio ...).
        _Section(
            "source",
            params=(("@type", "prometheus_output_monitor"), ("@id", "in_prometheus_output_monitor")),
        ),
    ]


def _tail_source(namespace: str, pos_dir: str, daemonset_name: str) -> _Section:
    """``in_tail`` over the kubelet container log symlinks with the CRI parser."""
    # Fluentd's own pods are <daemonset>-<hash>_<namespace>_<container>-<id>.log;
    # tailing them would feed StdoutOutput (and our warnings) back in a loop.
    own_logs = f"/var/log/containers/{daemonset_name}-*_{namespace}_*.log"
    return _Section(
        "source",
        params=(
            ("@type", "tail"),
            ("@id", "in_tail_container_logs"),
            ("@label", "@CONCAT"),
            ("path", CONTAINER_LOG_GLOB),
            ("exclude_path", json.dumps([own_logs])),
            # On the host, so a restarted pod resumes where it stopped.
            ("pos_file", f"{pos_dir}/containers.log.pos"),
            # follow_inodes leaves entries of deleted files behind.
            ("pos_file_compaction_interval", "1h"),
            ("tag", "kubernetes.*"),
            # in_tail reads files that appear later from the head anyway; this is
            # for files already there at start-up without a pos entry (pods that
            # started before Fluentd, or while it was restarting), which would
            # otherwise be tailed from their end and lose everything before.
            ("read_from_head", "true"),
            # Track inodes, not names: kubelet renames 0.log on rotation and the
            # glob must not re-read a rotated file as new (duplicates).
            ("follow_inodes", "true"),
            # Default is 60s: a short-lived pod can start, log and be deleted
            # (kubelet removes its logs) before a slow refresh ever sees it.
            ("refresh_interval", "5s"),
            ("rotate_wait", "5s"),
            # A line the CRI parser cannot split is emitted as {"unmatched_line"}
            # instead of being dropped with a warning.
            ("emit_unmatched_lines", "true"),
        ),
        children=(
            # containerd writes "<RFC3339Nano> <stdout|stderr> <P|F> <message>".
            # No nested <parse>: a P fragment is not valid JSON on its own, so
            # the message stays a string until the pieces are joined.
            _Section(
                "parse",
                params=(
                    ("@type", "cri"),
                    # The event time already carries it; drop the duplicate field.
                    ("keep_time_key", "false"),
                ),
            ),
        ),
    )


def _concat_label() -> _Section:
    """Join CRI partial lines (logtag ``P`` ... ``F``) into one event."""
    return _Section(
        "label",
        arg="@CONCAT",
        children=(
            _Section(
                "filter",
                arg="**",
                params=(
                    ("@type", "concat"),
                    ("@id", "filter_concat_cri_partial"),
                    ("key", "message"),
                    ("use_partial_cri_logtag", "true"),
                    ("partial_cri_logtag_key", "logtag"),
                    ("partial_cri_stream_key", CONCAT_STREAM_KEY_NOBODY_HAS),
                    # stdout and stderr of one container share a tag; never
                    # splice a stderr fragment into a stdout line.
                    ("stream_identity_key", "stream"),
                    # containerd splits at 16 KiB without adding a newline.
                    ("separator", _quoted("")),
                    ("use_first_timestamp", "true"),
                    # A P line whose F never comes (container killed) is flushed
                    # after 5s to @ENRICH instead of waiting forever or going to
                    # @ERROR.
                    ("flush_interval", "5s"),
                    ("timeout_label", "@ENRICH"),
                ),
            ),
            _Section("match", arg="**", params=(("@type", "relabel"), ("@label", "@ENRICH"))),
        ),
    )


def _cap_message() -> _Section:
    """Cut ``message`` to MAX_MESSAGE_BYTES, keeping it valid UTF-8; drop the CRI logtag.

    Every record comes through here, joined by concat or flushed by its timeout,
    so both arrive with the same keys: ``stream`` and ``message`` (concat drops
    ``logtag`` from the lines it joins but not from those its timeout flushes).
    A record without ``message`` (an unmatched line) gets an empty one, which the
    CloudWatch output drops as empty.
    """
    cut = f'record["message"].to_s.byteslice(0, {MAX_MESSAGE_BYTES}).force_encoding("UTF-8").scrub'
    return _Section(
        "filter",
        arg="**",
        params=(
            ("@type", "record_transformer"),
            ("@id", "filter_cap_message"),
            ("enable_ruby", "true"),
            ("remove_keys", "logtag"),
        ),
        children=(_Section("record", params=(("message", f"${{{cut}}}"),)),),
    )


def _enrich_label() -> _Section:
    """Cap the message, add pod/namespace metadata, then hand over to the outputs."""
    return _Section(
        "label",
        arg="@ENRICH",
        children=(
            _cap_message(),
            _Section(
                "filter",
                arg="kubernetes.**",
                params=(
                    ("@type", "kubernetes_metadata"),
                    ("@id", "filter_kubernetes_metadata"),
                    # Watches pods with a field selector on K8S_NODE_NAME (set it
                    # from spec.nodeName) instead of one GET per new pod.
                    ("watch", "true"),
                    # The API server URL is the same on every record; don't ship it.
                    ("skip_master_url", "true"),
                ),
            ),
            _Section("match", arg="**", params=(("@type", "relabel"), ("@label", "@OUTPUT"))),
        ),
    )


def _cloudwatch_store(cw: CloudWatchOutput, buf: BufferSettings, buffer_dir: str) -> _Section:
    """``cloudwatch_logs`` with a bounded, durable file buffer."""
    if cw.log_stream_by is LogStreamBy.TAG:
        stream_params: tuple[tuple[str, str], ...] = (("use_tag_as_stream", "true"),)
        chunk_keys = "tag"
    else:
        keys = ("$.kubernetes.namespace_name", "$.kubernetes.pod_name", "$.kubernetes.container_name")
        # The plugin runs extract_placeholders on log_stream_name, so chunk-key
        # placeholders work; the three fields come from the tag and are set even
        # when the API lookup fails.
        stream_params = (("log_stream_name", "/".join(f"${{{key}}}" for key in keys)),)
        chunk_keys = ",".join(keys)
    buffer = _Section(
        "buffer",
        arg=chunk_keys,
        params=(
            ("@type", "file"),
            # hostPath: chunks survive pod restarts and node-local reschedules.
            ("path", f"{buffer_dir}/cloudwatch"),
            ("total_limit_size", buf.total_limit_size),
            ("chunk_limit_size", buf.chunk_limit_size),
            ("chunk_limit_records", str(buf.chunk_limit_records)),
            ("flush_mode", "interval"),
            ("flush_interval", buf.flush_interval),
            ("flush_thread_count", str(buf.flush_thread_count)),
            ("queued_chunks_limit_size", str(buf.queued_chunks_limit_size)),
            # Default is false for file buffers; flush what we can on SIGTERM.
            # Anything left is still on disk and resent after restart.
            ("flush_at_shutdown", "true"),
            # When the buffer is full, stop reading files instead of throwing
            # events away: the unread lines wait in /var/log/pods.
            ("overflow_action", "block"),
            # Never discard a chunk because CloudWatch was down for a while.
            ("retry_forever", "true"),
            ("retry_type", "exponential_backoff"),
            ("retry_wait", buf.retry_wait),
            ("retry_max_interval", buf.retry_max_interval),
        ),
    )
    return _Section(
        "store",
        params=(
            ("@type", "cloudwatch_logs"),
            ("@id", "out_cloudwatch_logs"),
            ("region", cw.region),
            ("log_group_name", cw.log_group_name),
            # Creates missing *streams*. The plugin has no auto_create_group
            # switch (fluent-plugin-cloudwatch-logs#243): a missing group is
            # created too unless IAM denies logs:CreateLogGroup, in which case
            # the write fails and the chunk is retried - not lost. With false a
            # missing stream makes the plugin skip (drop) those events.
            ("auto_create_stream", "true"),
            ("max_events_per_batch", str(CLOUDWATCH_MAX_BATCH_EVENTS)),
            # Events CloudWatch rejects (older than retention/14 days, >2h in the
            # future) are otherwise dropped without a trace.
            ("log_rejected_request", "true"),
            *stream_params,
        ),
        children=(buffer,),
    )


def _stdout_store() -> _Section:
    """``stdout`` as JSON; ``ignore_error`` so it can never block CloudWatch."""
    return _Section(
        "store",
        arg="ignore_error",
        params=(("@type", "stdout"), ("@id", "out_stdout")),
        children=(_Section("format", params=(("@type", "json"),)),),
    )


def _output_label(outputs: FluentdOutputs, buf: BufferSettings, buffer_dir: str) -> _Section:
    """Fan out to the configured stores (``copy`` only when there are several)."""
    stores: list[_Section] = []
    # The durable output goes first: out_copy skips later stores when an
    # earlier one raises, and only stores marked ignore_error are exempt.
    if outputs.cloudwatch is not None:
        stores.append(_cloudwatch_store(outputs.cloudwatch, buf, buffer_dir))
    if outputs.stdout is not None:
        stores.append(_stdout_store())
    if len(stores) == 1:
        only = stores[0]
        match = _Section("match", arg="**", params=only.params, children=only.children)
    else:
        match = _Section("match", arg="**", params=(("@type", "copy"),), children=tuple(stores))
    return _Section("label", arg="@OUTPUT", children=(match,))


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
    # The header keeps the builder's first path: it is part of the ConfigMap, whose hash is in the pod template, so
    # rewording it would restart Fluentd on every node for a comment.
    lines = ["# Generated by components/fluentd_conf.py - do not edit by hand."]
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
