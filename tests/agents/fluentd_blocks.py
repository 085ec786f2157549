"""For the fluent.conf tests: read a rendered fluent.conf back as blocks, and one sample render to look into."""

from __future__ import annotations

import re

from components.agents.fluentd_conf import CloudWatchOutput, FluentdOutputs, StdoutOutput, build_fluent_conf

CW = CloudWatchOutput(log_group_name="/eks/demo/containers", region="eu-west-1")

#: in_tail's <parse>, as every fluent.conf renders it (test_fluentd_sources.py says why each line is there).
EXPECTED_PARSE = """\
  <parse>
    @type multi_format
    <pattern>
      format cri
      keep_time_key false
      time_format %Y-%m-%dT%H:%M:%S.%N%z
      time_format_fallbacks ["%Y-%m-%dT%H:%M:%S%z"]
      time_type mixed
    </pattern>
    <pattern>
      expression /^(?<unparsed_time>[^ ]+) (?<stream>[^ ]+) (?<logtag>[^ ]+) (?<message>.*)$/
      format regexp
    </pattern>
  </parse>
"""


def _sections(text: str) -> list[tuple[str, str, list[str]]]:
    """Return (name, arg, direct param lines) for every block, checking nesting."""
    stack: list[tuple[str, str, list[str]]] = []
    done: list[tuple[str, str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        close = re.fullmatch(r"</(\w+)>", line)
        open_ = re.fullmatch(r"<(\w+)(?: (.+))?>", line)
        if close:
            name, arg, params = stack.pop()
            assert name == close.group(1), f"</{close.group(1)}> closes <{name}>"
            done.append((name, arg, params))
        elif open_:
            stack.append((open_.group(1), open_.group(2) or "", []))
        else:
            assert stack, f"parameter outside any block: {line!r}"
            stack[-1][2].append(line)
    assert not stack, f"unclosed blocks: {[s[0] for s in stack]}"
    return done


def _params(block: tuple[str, str, list[str]]) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in block[2])


def _block(text: str, name: str, **params: str) -> tuple[str, str, list[str]]:
    matches = [b for b in _sections(text) if b[0] == name and all(_params(b).get(k) == v for k, v in params.items())]
    assert len(matches) == 1, f"expected one <{name}> with {params}, found {len(matches)}"
    return matches[0]


def _label(text: str, name: str) -> str:
    """The text of one top-level <label name> block."""
    match = re.search(rf"^<label {re.escape(name)}>\n(.*?)^</label>", text, re.S | re.M)
    assert match, f"no <label {name}>"
    return match.group(1)


FULL = build_fluent_conf(outputs=FluentdOutputs(cloudwatch=CW, stdout=StdoutOutput()))
