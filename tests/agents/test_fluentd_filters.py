"""Tests for components.agents.fluentd_filters: CRI partial lines joined per stream, then the message capped."""

from __future__ import annotations

from components.agents.fluentd_conf import FluentdOutputs, StdoutOutput, build_fluent_conf
from components.agents.fluentd_filters import CONCAT_STREAM_KEY_NOBODY_HAS, CRI_RECORD_KEYS
from components.agents.fluentd_limits import MAX_MESSAGE_BYTES, RECORD_METADATA_BUDGET_BYTES
from tests.agents.fluentd_blocks import FULL, _block, _label, _params, _sections


def test_cri_partial_lines_are_joined_per_stream_without_separator() -> None:
    text = build_fluent_conf(outputs=FluentdOutputs(stdout=StdoutOutput()))
    concat = _params(_block(text, "filter", **{"@type": "concat"}))
    assert concat["use_partial_cri_logtag"] == "true"
    assert concat["partial_cri_logtag_key"] == "logtag"
    assert concat["key"] == "message"
    assert concat["separator"] == '""'
    assert concat["stream_identity_key"] == "stream"
    assert concat["timeout_label"] == "@ENRICH"
    assert _params(_block(text, "pattern", format="cri"))["keep_time_key"] == "false"


def test_the_message_is_capped_before_any_buffer_so_no_record_overflows_a_chunk() -> None:
    # concat rejoins CRI partial lines with no size cap: a 1 MiB line is one 1 MiB record.
    enrich = _label(FULL, "@ENRICH")
    cap = _params(_block(FULL, "filter", **{"@id": "filter_cap_message"}))
    assert cap["@type"] == "record_transformer" and cap["enable_ruby"] == "true"
    assert enrich.index("filter_cap_message") < enrich.index("kubernetes_metadata") < enrich.index("@OUTPUT")
    (record,) = [b for b in _sections(FULL) if b[0] == "record"]
    assert _params(record)["message"] == (
        f'${{record["message"].to_s.byteslice(0, {MAX_MESSAGE_BYTES}).force_encoding("UTF-8").scrub}}'
    )
    chunk = _params(_block(FULL, "buffer", **{"@type": "file"}))["chunk_limit_size"]
    assert MAX_MESSAGE_BYTES + RECORD_METADATA_BUDGET_BYTES <= int(chunk.rstrip("k")) * 1024


def _after_concat(record: dict, concat: dict[str, str], *, timed_out: bool) -> dict:
    """What concat 2.6 (filter_concat.rb, :partial_cri mode) leaves of a record.

    A record it joins or passes on loses partial_cri_logtag_key (unless keep_partial_key) and partial_cri_stream_key
    (default "stream"); one its flush_interval timeout sends to timeout_label keeps every key.
    """
    if timed_out:
        return dict(record)
    dropped = {concat.get("partial_cri_stream_key", "stream")}
    if concat.get("keep_partial_key") != "true":
        dropped.add(concat["partial_cri_logtag_key"])
    return {k: v for k, v in record.items() if k not in dropped}


def test_every_cloudwatch_event_keeps_its_stream_whichever_way_concat_let_it_through() -> None:
    concat = _params(_block(FULL, "filter", **{"@type": "concat"}))
    assert concat["partial_cri_stream_key"] not in CRI_RECORD_KEYS
    assert concat["partial_cri_stream_key"] == CONCAT_STREAM_KEY_NOBODY_HAS
    removed = set(_params(_block(FULL, "filter", **{"@id": "filter_cap_message"}))["remove_keys"].split(","))
    record = {"stream": "stderr", "logtag": "F", "message": "boom"}
    joined = _after_concat(record, concat, timed_out=False)
    flushed = _after_concat({**record, "logtag": "P"}, concat, timed_out=True)
    assert {k for k in joined if k not in removed} == {k for k in flushed if k not in removed} == {"stream", "message"}
