"""What every answer to a case must be (:func:`verdict`), and one case run and judged (:func:`check`).

Exit 0, or exit 2 with exactly one ``error:`` line that names where the problem is as the file writes it (a key path
that the file holds, or a line and column when the file is not YAML), nothing written to the output directory, no
traceback, and at most one second of CPU time.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml

from tests.input.stack_fuzz.cases import make_case
from tests.input.stack_fuzz.key_paths import Part, parse_location, resolves
from tests.input.stack_fuzz.runner import FILE_NAME, Outcome, run_case

#: CPU seconds one case may take: the issue's promise for any stack file under 1 MB.
CPU_BUDGET = 1.0
MAX_MESSAGE = 4000

_POSITION = re.compile(r"line (\d+), column (\d+): ")


def _known_keys() -> frozenset[str]:
    from pydantic import BaseModel

    from components.settings.model_base import _Model
    from components.settings.stack import _TOP_LEVEL

    keys: set[str] = set(_TOP_LEVEL)
    stack: list[type[BaseModel]] = [_Model]
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        keys.update(field.alias or name for name, field in model.model_fields.items())
    return frozenset(keys)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NOT_YAML = yaml.ScalarNode("!not-yaml", "")
_EMPTY = yaml.MappingNode("tag:yaml.org,2002:map", [])


def _compose(content: bytes) -> yaml.Node:
    """The file's YAML nodes, keys as written (an empty file is an empty map); :data:`_NOT_YAML` when unreadable."""
    try:
        # The engine the render reads with: libyaml where PyYAML has it.
        node = yaml.compose(content.decode("utf-8").removeprefix("\ufeff"), Loader=_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return _NOT_YAML
    return _EMPTY if node is None else node


def _is_known(parts: list[Part], start: int) -> bool:
    """Every part from ``start`` on is a key of the schema: a missing key, or one whose default is at fault."""
    from components.settings import NAMESPACE
    from components.settings.stack import _TOP_LEVEL

    def known(part: Part, top: bool) -> bool:
        if not isinstance(part.key, str):
            return False
        if top:
            return part.key == "aws:region" or part.key.removeprefix(f"{NAMESPACE}:") in _TOP_LEVEL
        return part.key in KNOWN_KEYS

    return all(known(part, top=index == 0) for index, part in enumerate(parts) if index >= start)


def verdict(outcome: Outcome) -> list[str]:
    """Every way ``outcome`` breaks the promise; empty when it keeps it."""
    problems: list[str] = []
    if outcome.crash:
        return [f"crashed: {outcome.crash.strip()[-1500:]}"]
    if outcome.cpu_seconds > CPU_BUDGET:
        problems.append(f"took {outcome.cpu_seconds:.2f} s of CPU (wall {outcome.wall_seconds:.2f} s); allowed: "
                        f"{CPU_BUDGET} s")
    if "Traceback" in outcome.stderr:
        problems.append("a traceback on stderr")
    if outcome.code == 0:
        if "rendered" not in outcome.stdout or "resources.json" not in outcome.wrote:
            problems.append(f"exit 0 without a render: {outcome.stdout[:200]!r}")
        return problems
    if outcome.code != 2:
        return [*problems, f"exit code {outcome.code}; stderr: {outcome.stderr[:500]!r}"]
    if outcome.wrote:
        problems.append(f"refused, but wrote {list(outcome.wrote)[:5]}")
    lines = outcome.stderr.splitlines()
    if len(lines) != 1 or outcome.stderr.count("\n") != 1:
        return [*problems, f"stderr is not one line: {outcome.stderr[:500]!r}"]
    prefix = f"error: {FILE_NAME}: "
    if not lines[0].startswith(prefix):
        return [*problems, f"the line does not start {prefix!r}: {lines[0][:300]!r}"]
    message = lines[0][len(prefix):]
    # Bounded whatever the input: values are cut to 200 characters, keys to 100, and three problems are named.
    if len(message) > MAX_MESSAGE:
        problems.append(f"the message is {len(message)} characters long; allowed: {MAX_MESSAGE}")
    document = _compose(outcome.case.content)
    position = _POSITION.match(message)
    if position:
        if document is not _NOT_YAML:
            problems.append(f"placed by line and column, but the file is YAML a key could be named in: {message!r}")
        return problems
    if document is _NOT_YAML:
        # The reader stops at the first bound it crosses, before it reaches a later syntax error.
        if not re.search(r": (is nested more than|holds more than) ", message):
            problems.append(f"the file is not YAML, but no line and column is given: {message[:300]!r}")
        return problems
    if not isinstance(document, yaml.MappingNode):
        if not message.startswith(("the file holds ", "the document: ")):
            problems.append(f"the file is no map, and the message does not say so: {message[:300]!r}")
        return problems
    try:
        parts, _ = parse_location(message)
    except ValueError as error:
        return [*problems, f"no key path at the start ({error}): {message[:300]!r}"]
    held, _ = resolves(document, parts)
    # A key the file does not hold may be named only where a schema key is missing or its default is at fault.
    if held < len(parts) and not _is_known(parts, held):
        problems.append(f"names {[p.key for p in parts]}, but the file holds only the first {held}: {message[:300]!r}")
    return problems


KNOWN_KEYS: frozenset[str] = frozenset()


def check(case_id: str, workdir: Path) -> tuple[Outcome, list[str]]:
    """Run one case and judge it. A case over the CPU budget runs once more and keeps its better time: a slow input
    is slow twice, a pause of the machine's (a garbage collection, a page fault storm) is not."""
    global KNOWN_KEYS
    if not KNOWN_KEYS:
        KNOWN_KEYS = _known_keys()
    case = make_case(case_id)
    outcome = run_case(case, workdir / case_id)
    if outcome.cpu_seconds > CPU_BUDGET and not outcome.crash:
        again = run_case(case, workdir / f"{case_id}-again")
        if again.cpu_seconds < outcome.cpu_seconds:
            outcome = dataclasses.replace(outcome, cpu_seconds=again.cpu_seconds, wall_seconds=again.wall_seconds)
    return outcome, verdict(outcome)
