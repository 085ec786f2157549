"""What happens to an event between in_tail and the outputs: CRI partial lines joined (@CONCAT), then the message
capped and the pod's metadata added (@ENRICH)."""

from __future__ import annotations

from components.agents.fluentd_directives import _quoted, _Section
from components.agents.fluentd_limits import MAX_MESSAGE_BYTES

# Keys the CRI parser gives a record besides its time: "<time> <stream> <logtag> <message>".
CRI_RECORD_KEYS = ("stream", "logtag", "message")
# concat 2.6 deletes `partial_cri_stream_key` (default "stream") from every record it
# joins or passes on, and uses it for nothing else (filter_concat.rb, :partial_cri
# mode), while records its timeout flushes keep it: CloudWatch events lost
# stdout/stderr for some lines and kept it for others. No record has this key.
CONCAT_STREAM_KEY_NOBODY_HAS = "_concat_partial_cri_stream_key_unused"


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


__all__ = ["CONCAT_STREAM_KEY_NOBODY_HAS", "CRI_RECORD_KEYS"]
