"""Where fluent.conf's events come from: the container logs kubelet writes, and Fluentd's own metrics endpoint."""

from __future__ import annotations

import json

from components.agents.fluentd_directives import _Section

# kubelet keeps one symlink per running container here, named
# <pod>_<namespace>_<container>-<container id>.log, pointing into /var/log/pods.
# The DaemonSet therefore needs both /var/log/containers and /var/log/pods.
CONTAINER_LOG_GLOB = "/var/log/containers/*.log"

DEFAULT_METRICS_PORT = 24231
METRICS_PATH = "/metrics"

# containerd stamps each line with Go's time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z07:00" (timestampFormat in
# containerd's internal/cri/io/logger.go): trailing zeros of the fraction are dropped, and a zero fraction goes with
# its dot ("2026-12-02T08:06:09Z"). fluent-plugin-parser-cri's default time_format, %Y-%m-%dT%H:%M:%S.%L%z
# (parser_cri.rb), needs the dot, so such a line failed to parse and in_tail dropped it with a warning. Fluentd's
# `time_type mixed` tries time_format, then each of time_format_fallbacks (MixedTimeParser, lib/fluent/time.rb). %N
# takes 1 to 9 digits, %z takes Z as well as +09:00; and the strptime gem's fast parser reads both formats (it has no
# %L, so the plugin's default fell back to Ruby's Time.strptime).
CRI_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%N%z"
CRI_TIME_FORMAT_WHOLE_SECONDS = "%Y-%m-%dT%H:%M:%S%z"
#: The mark of a line whose time neither format reads: the time text as containerd wrote it. Such an event carries the
#: time Fluentd read the line instead.
UNPARSED_TIME_KEY = "unparsed_time"
# The same four fields the CRI parser splits ("<time> <stream> <P|F> <message>", one space each), with the time kept
# as text. A regexp without a `time` capture gives the event the current time (Parser#parse_time, with
# estimate_current_event true by default).
CRI_LINE_KEEPING_ITS_TIME_AS_TEXT = (
    f"/^(?<{UNPARSED_TIME_KEY}>[^ ]+) (?<stream>[^ ]+) (?<logtag>[^ ]+) (?<message>.*)$/"
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
        children=(_cri_parse(),),
    )


def _cri_parse() -> _Section:
    """The CRI line with or without a fraction of a second, and never lost for a time that doesn't parse.

    multi_format (fluent-plugin-multi-format-parser) tries its patterns in order, and a pattern that raises (the CRI
    parser does on a time it can't read) is skipped, not fatal. Only when no pattern matches does in_tail get nothing
    back, and then emits the line as ``unmatched_line`` (emit_unmatched_lines). Without the fallback, a time error
    reached in_tail as an exception, which it logs as "invalid line found" and drops the line.
    """
    return _Section(
        "parse",
        params=(("@type", "multi_format"),),
        children=(
            # containerd writes "<RFC3339Nano> <stdout|stderr> <P|F> <message>". No nested <parse>: a P fragment is
            # not valid JSON on its own, so the message stays a string until the pieces are joined.
            _Section(
                "pattern",
                params=(
                    ("format", "cri"),
                    # The event time already carries it; drop the duplicate field.
                    ("keep_time_key", "false"),
                    ("time_type", "mixed"),
                    ("time_format", CRI_TIME_FORMAT),
                    ("time_format_fallbacks", json.dumps([CRI_TIME_FORMAT_WHOLE_SECONDS])),
                ),
            ),
            _Section(
                "pattern",
                params=(("format", "regexp"), ("expression", CRI_LINE_KEEPING_ITS_TIME_AS_TEXT)),
            ),
        ),
    )


__all__ = [
    "CONTAINER_LOG_GLOB",
    "CRI_LINE_KEEPING_ITS_TIME_AS_TEXT",
    "CRI_TIME_FORMAT",
    "CRI_TIME_FORMAT_WHOLE_SECONDS",
    "DEFAULT_METRICS_PORT",
    "METRICS_PATH",
    "UNPARSED_TIME_KEY",
]
