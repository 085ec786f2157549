"""The byte and event limits fluent.conf is sized by: CloudWatch's PutLogEvents, and the message cap under them."""

from __future__ import annotations

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


__all__ = [
    "CLOUDWATCH_EVENT_HEADER_BYTES",
    "CLOUDWATCH_MAX_BATCH_BYTES",
    "CLOUDWATCH_MAX_BATCH_EVENTS",
    "CLOUDWATCH_MAX_EVENT_BYTES",
    "MAX_MESSAGE_BYTES",
    "MESSAGE_JSON_WORST_CASE_BYTES",
    "RECORD_METADATA_BUDGET_BYTES",
]
