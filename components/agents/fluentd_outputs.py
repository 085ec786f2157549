"""Where the logs go: the destinations and buffer a user chooses, checked against CloudWatch's limits, and the
@OUTPUT label that fans out to them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from components.agents.fluentd_directives import _Section
from components.agents.fluentd_limits import (
    CLOUDWATCH_MAX_BATCH_BYTES,
    CLOUDWATCH_MAX_BATCH_EVENTS,
    MAX_MESSAGE_BYTES,
    RECORD_METADATA_BUDGET_BYTES,
)

# Fluentd's size parser multiplies by 1024 for k/m/g/t (Fluent::Config.size_value).
_SIZE_RE = re.compile(r"^(\d+)([kmgt]?)$")
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_TIME_RE = re.compile(r"^\d+[smhd]$")
# CloudWatch Logs log group names: 1-512 of [.-_/#A-Za-z0-9].
_LOG_GROUP_RE = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


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


__all__ = ["BufferSettings", "CloudWatchOutput", "FluentdOutputs", "LogStreamBy", "StdoutOutput"]
