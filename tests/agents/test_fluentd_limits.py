"""Tests for components.agents.fluentd_limits: a capped message always fits one CloudWatch event as valid JSON."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from components.agents.fluentd_limits import (
    CLOUDWATCH_EVENT_HEADER_BYTES,
    CLOUDWATCH_MAX_EVENT_BYTES,
    MAX_MESSAGE_BYTES,
    MESSAGE_JSON_WORST_CASE_BYTES,
    RECORD_METADATA_BUDGET_BYTES,
)
from tests.agents.fluentd_blocks import FULL


def test_cloudwatch_events_may_be_1_mib_and_are_never_cut_into_invalid_json() -> None:
    # fluent-plugin-cloudwatch-logs 0.15: MAX_EVENT_SIZE = 1024 * 1024 (its PR #265); bigger raises TooLargeEventError.
    # Its max_message_length slices the serialised JSON of the record, so it must not be set.
    assert CLOUDWATCH_MAX_EVENT_BYTES == 1024 * 1024
    assert "max_message_length" not in FULL
    assert MESSAGE_JSON_WORST_CASE_BYTES + RECORD_METADATA_BUDGET_BYTES + CLOUDWATCH_EVENT_HEADER_BYTES == (
        CLOUDWATCH_MAX_EVENT_BYTES
    )
    assert RECORD_METADATA_BUDGET_BYTES >= 256 * 1024 - 64


def _ruby_cap(line: bytes) -> str:
    """byteslice(0, MAX_MESSAGE_BYTES).force_encoding("UTF-8").scrub, as Python: a split or invalid byte -> U+FFFD."""
    return line[:MAX_MESSAGE_BYTES].decode("utf-8", errors="replace")


# Long lines: a random pattern repeated past the cap, so the cut lands anywhere in it (mid-character included).
LINES = st.binary(min_size=1, max_size=64).map(lambda b: b * (MAX_MESSAGE_BYTES // len(b) + 2)) | st.binary(max_size=64)


@given(LINES)
def test_a_capped_message_is_valid_json_within_its_worst_case(line: bytes) -> None:
    record = {"message": _ruby_cap(line), "stream": "stdout"}
    event = json.dumps(record, ensure_ascii=False).encode()
    assert json.loads(event)["message"] == record["message"]
    assert len(json.dumps(record["message"], ensure_ascii=False).encode()) <= MESSAGE_JSON_WORST_CASE_BYTES


def test_worst_case_message_is_all_control_characters() -> None:
    line = b"\x01" * (2 * MAX_MESSAGE_BYTES)
    assert len(json.dumps(_ruby_cap(line)).encode()) == MESSAGE_JSON_WORST_CASE_BYTES
