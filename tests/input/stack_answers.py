"""For the stack-input tests: the smallest valid stack with one mistake, and the answer the program gives to it.

:func:`cli` feeds a stack file through ``offline.render.main`` in-process; :func:`through_pulumi` feeds a config map
through the program the way the Pulumi CLI hands it over (values as JSON strings). An :class:`Answer`'s ``message``
asserts the refusal's form: exit code 2, one ``error:`` line, nothing written.

The tests that use them (``test_yaml_reading``, ``test_input_bounds``, ``test_error_lines``, ``test_value_checks``)
hold the classes of defect a stack-file fuzzer found, one test each; their section comments carry the classes'
numbers.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

import pulumi
import pytest
import yaml

from offline import mocks, render
from components.settings import NAMESPACE, parse_settings
from tests.conftest import PROJECT, ROOT
from tests.input.stack_fuzz.runner import deadline

#: Every case is the smallest valid stack with one mistake, so that a key the stack needs later is needed here too.
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "stacks" / "Pulumi.minimal.yaml").read_text())["config"]
NODE_GROUP: dict[str, Any] = BASE[f"{NAMESPACE}:nodeGroups"][0]
CLUSTER, AGENTS = f"{NAMESPACE}:cluster", f"{NAMESPACE}:agents"


@dataclass(frozen=True)
class Answer:
    code: int
    stderr: str
    wrote: list[str]
    seconds: float

    @property
    def message(self) -> str:
        """The one error line, after ``error: <file name>: ``."""
        lines = self.stderr.splitlines()
        assert self.code == 2, f"exit code {self.code}; stderr: {self.stderr[:2000]}"
        assert len(lines) == 1, f"{len(lines)} lines on stderr:\n{self.stderr[:2000]}"
        assert self.wrote == [], f"wrote {self.wrote[:5]} for a refused stack"
        match = re.match(r"error: [^:]+: ", lines[0])
        assert match, lines[0]
        return lines[0][match.end():]


def cli(
    tmp_path: Path, text: Union[str, bytes], *, name: str = "Pulumi.input.yaml", out: Optional[Path] = None
) -> Answer:
    """``python -m offline.render --config <file> --out <dir>``, in-process, within a generous deadline."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    out = out or tmp_path / "out"
    stderr = io.StringIO()
    start = time.perf_counter()
    with (
        deadline(30, lambda: TimeoutError("no answer within 30 s")),
        contextlib.redirect_stderr(stderr),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        code = render.main(["--config", str(path), "--out", str(out)])
    seconds = time.perf_counter() - start
    wrote = sorted(str(p.relative_to(out)) for p in out.rglob("*")) if out.is_dir() else []
    return Answer(code, stderr.getvalue(), wrote, seconds)


def stack(
    items: Optional[Mapping[str, str]] = None,
    *,
    values: Optional[Mapping[str, str]] = None,
    lines: tuple[str, ...] = (),
    before: str = "",
) -> str:
    """:data:`BASE` as stack-file text, one line per config key (JSON is YAML), with YAML written as a user would.

    Args:
        items: YAML items added to a config key's map: ``{CLUSTER: "tags: {NO: norway}"}``.
        values: YAML text replacing a config key's value: ``{"aws:region": "mars-north-9"}``.
        lines: more lines under ``config:``, as written.
        before: text before ``config:``.
    """
    items, values = items or {}, values or {}
    out = [f"{before}config:"]
    for key in [*BASE, *(k for k in items if k not in BASE)]:
        base = BASE.get(key, {})
        if key in values:
            out.append(f"  {key}: {values[key]}")
        elif key in items:
            written = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in base.items()] + [items[key]]
            out.append(f"  {key}: {{{', '.join(written)}}}")
        else:
            out.append(f"  {key}: {json.dumps(base)}")
    return "\n".join([*out, *(f"  {line}" for line in lines)]) + "\n"


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def merged(config: Mapping[str, Any]) -> dict[str, Any]:
    """:data:`BASE` with ``config`` laid over it, a map key's items over the base's."""
    result = dict(BASE)
    for key, value in config.items():
        result[key] = {**BASE[key], **value} if isinstance(BASE.get(key), dict) and isinstance(value, dict) else value
    return result


def parse(config: Mapping[str, Any], region: str = "us-east-2") -> Any:
    """``parse_settings`` of :data:`BASE` with ``config`` laid over it."""
    raw = {key.split(":", 1)[1]: value for key, value in merged(config).items() if key.startswith(f"{NAMESPACE}:")}
    raw.setdefault("cluster", {})
    return parse_settings(raw, project=PROJECT, stack="s", region=region)


def through_pulumi(config: Mapping[str, Any]) -> str:
    """Run the program with :data:`BASE` and ``config`` laid over it, as the Pulumi CLI hands config over (structured
    values as JSON); the refusal."""
    flat = {key: value if isinstance(value, str) else json.dumps(value) for key, value in merged(config).items()}
    with pytest.raises(pulumi.RunError) as caught:
        mocks.run_program(mocks.main_program(ROOT), config=flat, project=PROJECT, stack="input")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message, message
    return message


def resources(tmp_path: Path) -> list[dict[str, Any]]:
    return json.loads((tmp_path / "out" / "resources.json").read_text())
