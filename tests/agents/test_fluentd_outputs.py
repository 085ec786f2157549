"""Tests for components.agents.fluentd_outputs: the destinations, the buffer that loses no logs, and their checks."""

from __future__ import annotations

import pytest

from components.agents.fluentd_conf import build_fluent_conf
from components.agents.fluentd_outputs import (
    BufferSettings,
    CloudWatchOutput,
    FluentdOutputs,
    LogStreamBy,
    StdoutOutput,
)
from tests.agents.fluentd_blocks import CW, _block, _params


def test_no_lost_logs_buffer_directives() -> None:
    text = build_fluent_conf(outputs=FluentdOutputs(cloudwatch=CW))
    buffer = _params(_block(text, "buffer", **{"@type": "file"}))
    assert buffer["overflow_action"] == "block"
    assert buffer["flush_at_shutdown"] == "true"
    assert buffer["retry_forever"] == "true"
    assert buffer["total_limit_size"] == "2g"
    assert buffer["path"] == "/var/log/fluentd-buffers/cloudwatch"


def test_single_output_is_not_wrapped_in_copy() -> None:
    text = build_fluent_conf(outputs=FluentdOutputs(cloudwatch=CW))
    assert "@type copy" not in text
    match = _block(text, "match", **{"@type": "cloudwatch_logs"})
    assert match[1] == "**"
    assert "<store" not in text


def test_stdout_only_has_no_buffer_and_no_cloudwatch() -> None:
    text = build_fluent_conf(outputs=FluentdOutputs(stdout=StdoutOutput()))
    assert "cloudwatch_logs" not in text
    assert "<buffer" not in text
    assert _params(_block(text, "match", **{"@type": "stdout", "@id": "out_stdout"})) == {"@type": "stdout", "@id": "out_stdout"}


def test_tag_stream_naming_uses_tag_chunk_key() -> None:
    cw = CloudWatchOutput(log_group_name="g", region="us-east-1", log_stream_by=LogStreamBy.TAG)
    text = build_fluent_conf(outputs=FluentdOutputs(cloudwatch=cw))
    store = _params(_block(text, "match", **{"@type": "cloudwatch_logs"}))
    assert store["use_tag_as_stream"] == "true"
    assert "log_stream_name" not in store
    assert _block(text, "buffer", **{"@type": "file"})[1] == "tag"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chunk_limit_size": "2m"}, "PutLogEvents batch"),
        ({"chunk_limit_records": 10_001}, "PutLogEvents batch"),
        ({"total_limit_size": "2GB"}, "Fluentd size syntax"),
        ({"total_limit_size": "1m"}, "at least two chunks"),
        ({"chunk_limit_size": "256k"}, "must hold one record with a message cut to 131072 bytes"),
        ({"flush_interval": "5"}, "Fluentd time syntax"),
        ({"flush_thread_count": 0}, ">= 1"),
    ],
)
def test_buffer_settings_reject_invalid_values(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BufferSettings(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"log_group_name": "bad name", "region": "eu-west-1"}, "log_group_name"),
        ({"log_group_name": "g", "region": "eu_west_1"}, "region"),
    ],
)
def test_cloudwatch_output_rejects_invalid_values(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CloudWatchOutput(**kwargs)  # type: ignore[arg-type]


def test_outputs_require_at_least_one_destination() -> None:
    with pytest.raises(ValueError, match="at least one output"):
        FluentdOutputs()
