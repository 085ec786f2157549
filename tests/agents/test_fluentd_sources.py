"""fluent.conf's in_tail source: every CRI line containerd writes is read, with or without a fraction of a second,
and a line whose time can't be read is shipped anyway, marked, with the time Fluentd read it (issue 21)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.agents.fluentd_filters import CRI_RECORD_KEYS
from components.agents.fluentd_sources import UNPARSED_TIME_KEY
from tests.agents.fluentd_blocks import EXPECTED_PARSE, FULL, _params, _sections

#: fluent-plugin-parser-cri's own default (lib/fluent/plugin/parser_cri.rb, config_set_default :time_format): what the
#: old fluent.conf, which set no time_format, parsed with.
PLUGIN_DEFAULT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%L%z"


def _patterns() -> list[dict[str, str]]:
    return [_params(block) for block in _sections(FULL) if block[0] == "pattern"]


def _time_formats(pattern: dict[str, str]) -> list[str]:
    """What Fluentd's MixedTimeParser tries, in order: time_format, then each of time_format_fallbacks."""
    assert pattern.get("time_type") == "mixed", pattern
    return [pattern["time_format"], *json.loads(pattern["time_format_fallbacks"])]


def rfc3339_nano(moment: datetime, nanoseconds: int) -> str:
    """Go's time.RFC3339Nano ("2006-01-02T15:04:05.999999999Z07:00"), the way containerd stamps each line.

    The 9s drop trailing zeros, and a zero fraction with its dot; Z07:00 writes Z for UTC and ±hh:mm otherwise.
    """
    fraction = f"{nanoseconds:09d}".rstrip("0")
    offset = moment.utcoffset()
    assert offset is not None
    if offset:
        minutes = int(offset.total_seconds()) // 60
        zone = f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    else:
        zone = "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + zone


# What each directive of these formats reads, in Ruby's Time.strptime and the strptime gem (Strptime#exec) alike: the
# gem takes 1 to 9 digits for %N and reads Z or ±hh:mm for %z, and Ruby reads any digits for %L. The real ones run
# below, where Ruby and the gem are installed.
_DIRECTIVES = {
    "%Y": "[0-9]{4}", "%m": "[0-9]{2}", "%d": "[0-9]{2}", "%H": "[0-9]{2}", "%M": "[0-9]{2}", "%S": "[0-9]{2}",
    "%N": "[0-9]{1,9}", "%L": "[0-9]+", "%z": "(?:Z|[+-][0-9]{2}:?[0-9]{2})",
}


def reads(time_format: str, text: str) -> bool:
    pattern = "".join(_DIRECTIVES[part] if part in _DIRECTIVES else re.escape(part)
                      for part in re.split(r"(%[A-Za-z])", time_format) if part)
    return re.fullmatch(pattern, text) is not None


def test_the_parse_section_is_pinned() -> None:
    start = FULL.index("  <parse>\n")
    assert FULL[start:FULL.index("  </parse>\n") + len("  </parse>\n")] == EXPECTED_PARSE


@pytest.mark.parametrize(
    "stamp",
    ["2026-12-02T08:06:09Z", "2026-12-02T08:06:09.1Z", "2026-12-02T08:06:09.123456789Z",
     "2026-12-02T08:06:09.000000001Z", "2026-12-02T17:06:09+09:00", "2026-12-02T17:06:09.5+09:00",
     "2026-12-02T03:06:09.25-05:00"],
)
def test_both_timestamp_forms_are_read_and_the_plugin_default_missed_the_whole_second_one(stamp: str) -> None:
    (cri, _) = _patterns()
    assert cri["format"] == "cri"
    assert any(reads(f, stamp) for f in _time_formats(cri)), stamp
    assert reads(PLUGIN_DEFAULT_TIME_FORMAT, stamp) == ("." in stamp)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    st.integers(min_value=0, max_value=999_999_999) | st.just(0),
    st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
)
def test_every_time_containerd_can_write_is_read(moment: datetime, nanoseconds: int, zone: timezone) -> None:
    stamp = rfc3339_nano(moment.replace(tzinfo=zone), nanoseconds)
    (cri, _) = _patterns()
    assert [reads(f, stamp) for f in _time_formats(cri)] == [nanoseconds != 0, nanoseconds == 0], stamp


def _ruby_named_groups_to_python(expression: str) -> str:
    assert expression.startswith("/") and expression.endswith("/"), expression
    return expression[1:-1].replace("(?<", "(?P<")


def test_a_line_whose_time_cannot_be_read_is_kept_with_its_time_as_text() -> None:
    cri, fallback = _patterns()
    assert (cri["format"], fallback["format"]) == ("cri", "regexp"), "the CRI parser first, the fallback after it"
    expression = re.compile(_ruby_named_groups_to_python(fallback["expression"]))
    # No `time` capture: the regexp parser's time_key is `time`, so the event gets the time the line was read.
    assert "time" not in expression.groupindex and "time_key" not in fallback
    line = "2026-13-45T99:99:99,5Z stderr F   indented: not lost"
    record = expression.fullmatch(line).groupdict()
    assert record == {UNPARSED_TIME_KEY: "2026-13-45T99:99:99,5Z", "stream": "stderr", "logtag": "F",
                      "message": "  indented: not lost"}
    assert set(record) == {UNPARSED_TIME_KEY, *CRI_RECORD_KEYS}, "the fallback gives what the CRI parser gives"
    # A line that isn't four fields is no CRI line: neither pattern matches, and in_tail ships it as unmatched_line.
    assert expression.fullmatch("2026-12-02T08:06:09Z stdout F") is None
    assert _params(next(b for b in _sections(FULL) if b[0] == "source" and "@id in_tail_container_logs" in b[2])).get(
        "emit_unmatched_lines") == "true"


# ------------------------------------------------------------------------------------- the real parsers, where present

def _ruby_with_strptime() -> bool:
    if not shutil.which("ruby"):
        return False
    return subprocess.run(["ruby", "-e", "require 'strptime'"], capture_output=True, check=False).returncode == 0


# As Fluent::TimeParser (lib/fluent/time.rb) builds its parser for a format with %z: the strptime gem when it takes the
# format, Ruby's Time.strptime when it doesn't; MixedTimeParser takes the first format that parses.
_RUBY_MIXED_TIME_PARSER = r"""
require "json"; require "strptime"; require "time"
formats, stamps, expression = JSON.parse(STDIN.read)
parsers = formats.map { |f| s = (Strptime.new(f) rescue nil); s ? ->(v) { s.exec(v) } : ->(v) { Time.strptime(v, f) } }
regexp = Regexp.new(expression[1..-2])
puts(JSON.dump(stamps.map { |v|
  t = parsers.lazy.map { |p| (p.call(v) rescue nil) }.find { |x| x }
  m = regexp.match("#{v} stdout F message")
  [t && (t.to_i * 1_000_000_000 + t.nsec), m && m.names.to_h { |n| [n, m[n]] }]
}))
"""


@pytest.mark.skipif(not _ruby_with_strptime(), reason="needs ruby and the strptime gem (Debian: ruby-strptime)")
def test_ruby_and_the_strptime_gem_read_both_forms_to_the_nanosecond() -> None:
    cri, fallback = _patterns()
    cases = {"2026-12-02T08:06:09Z": (1796198769, 0), "2026-12-02T08:06:09.1Z": (1796198769, 100_000_000),
             "2026-12-02T08:06:09.123456789Z": (1796198769, 123456789), "2026-12-02T17:06:09+09:00": (1796198769, 0),
             "2026-12-02T17:06:09.000000001+09:00": (1796198769, 1), "not-a-time": None}

    def run(formats: list[str]) -> list:
        answer = subprocess.run(
            ["ruby", "-e", _RUBY_MIXED_TIME_PARSER], input=json.dumps([formats, list(cases), fallback["expression"]]),
            capture_output=True, text=True, check=True,
        )
        return json.loads(answer.stdout)

    for (stamp, expected), (nanoseconds, fields) in zip(cases.items(), run(_time_formats(cri))):
        assert nanoseconds == (None if expected is None else expected[0] * 10**9 + expected[1]), stamp
        assert fields == {UNPARSED_TIME_KEY: stamp, "stream": "stdout", "logtag": "F", "message": "message"}
    # The plugin's default, which the old fluent.conf used: every whole-second line failed.
    missed = [stamp for stamp, (nanoseconds, _) in zip(cases, run([PLUGIN_DEFAULT_TIME_FORMAT])) if nanoseconds is None]
    assert missed == ["2026-12-02T08:06:09Z", "2026-12-02T17:06:09+09:00", "not-a-time"]
