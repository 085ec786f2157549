"""A seeded stack-file fuzzer: mutated stack files through the offline render, and what every answer must be.

Each case is a valid stack (``Pulumi.dev.yaml`` or one of ``tests/stacks``) with one to three mutations: wrong
types at any key, unknown keys (typos, snake_case twins, keys holding brackets, newlines or control characters, keys
YAML reads as booleans or numbers), deleted and duplicated keys, YAML oddities (tags, dates, anchors and merges,
alias bombs, block scalars, bad indentation), huge and deep values, and bad bytes. A case is named by its id,
``<seed>-<index>``, and is the same file on every machine, so any failure can be regenerated:

    .venv/bin/python -m tests.input.stack_fuzz --case 14-123 --write /tmp/Pulumi.fuzz.yaml   # the file
    .venv/bin/python -m tests.input.stack_fuzz --case 14-123                                  # the file and its answer
    .venv/bin/python -m tests.input.stack_fuzz --cases 3000                                   # a run, with figures

What every answer must be (:func:`verdict`): exit 0, or exit 2 with exactly one ``error:`` line that names where
the problem is as the file writes it (a key path that the file holds, or a line and column when the file is not
YAML), nothing written to the output directory, no traceback, and at most one second of CPU time. Files stay under
1 MB. The time is CPU time, which other load on the machine barely changes; a wall-clock deadline well above it
turns a hang into a failure that names the case.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import functools
import io
import json
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "eks-daemonsets"
SEED = 14
BASES = (ROOT / "Pulumi.dev.yaml", ROOT / "tests/stacks/Pulumi.minimal.yaml", ROOT / "tests/stacks/Pulumi.oldest.yaml")
#: CPU seconds one case may take: the issue's promise for any stack file under 1 MB.
CPU_BUDGET = 1.0
#: Wall-clock seconds after which a case counts as hung (far above the CPU budget, for a loaded machine).
HANG_DEADLINE = 20.0
MAX_FILE_BYTES = 1_000_000
MAX_MESSAGE = 4000
FILE_NAME = "Pulumi.fuzz.yaml"

Path_ = tuple[Union[str, int], ...]


# --------------------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    id: str
    base: str
    mutations: tuple[str, ...]
    content: bytes


def _nodes(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


def _get(document: Any, path: Path_) -> Any:
    for part in path:
        document = document[part]
    return document


def _set(document: Any, path: Path_, value: Any) -> None:
    _get(document, path[:-1])[path[-1]] = value


def _weird_text(rng: random.Random) -> str:
    return rng.choice([
        "", " ", "x", "NoSchedul", "latest", "ON_DEMAND ", "us-west-2\n", "a\nb", "tab\there", "nul\x00",
        "bell\x07", "del\x7f", "nel\x85", "line\u2028sep", "rtl\u202eoverride", "café", "日本語", "١٠٠m", "1e3",
        "100m\n", "128Mi", "-1", "0", "9" * 40, "arn:aws:iam::123456789012:role/x", "10.0.0.0/8", "999.1.1.1/8",
        "quay.io/a/b:v1", "a/" * 40 + "a!", "x" * rng.choice([64, 101, 257, 5000, 300_000]), "tags[env]",
        "function-after", "${var}", "*", "&", "!", "%", "@", "`", "'", '"', "{", "[", "#", ": ", "- ",
    ])


def _weird_value(rng: random.Random) -> Any:
    kind = rng.randrange(12)
    if kind == 0:
        return rng.choice([0, -1, 1, 7, 2**31, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400])
    if kind == 1:
        return rng.choice([0.5, -2.5, 1e308, float("inf"), float("nan"), 1e-9])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind in (3, 4, 5):
        return _weird_text(rng)
    if kind == 6:
        return [_weird_text(rng) for _ in range(rng.randrange(4))]
    if kind == 7:
        return {_weird_text(rng)[:20]: _weird_text(rng) for _ in range(rng.randrange(4))}
    if kind == 8:
        nested: Any = "x"
        for _ in range(rng.choice([3, 33, 40, 120])):
            nested = [nested] if rng.random() < 0.5 else {"k": nested}
        return nested
    if kind == 9:
        return [rng.choice(["a", 1, True, None])] * rng.choice([51, 1000, 25_000])
    if kind == 10:
        import datetime

        return rng.choice([datetime.date(2026, 1, 1), datetime.datetime(2026, 1, 1, 12, 30)])
    return {f"k{i}": "v" for i in range(rng.choice([51, 3000]))}


def _weird_key(rng: random.Random, existing: list[str]) -> Any:
    kind = rng.randrange(8)
    if existing and kind == 0:
        key = rng.choice(existing)
        return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower() if any(c.isupper() for c in key) else key + "_"
    if existing and kind == 1:
        key = rng.choice(existing)
        cut = rng.randrange(len(key)) if key else 0
        return key[:cut] + key[cut + 1:]
    if kind == 2:
        return rng.choice([False, True, 1, 0, 1.5, None])  # YAML writes these keys as false, 1, null: not text
    if kind == 3:
        return rng.choice(["tags[env]", "a.b", "a/b", "a b", "a\nb", "a\tb", "a\x1bb", "ключ", "k" * 600, ""])
    return rng.choice(["enabld", "extra", "nodegroups", "Name", "image_", "tolerationseconds"])


def _mutate_wrong_type(rng: random.Random, config: dict) -> str:
    path, _ = rng.choice([n for n in _nodes(config) if n[0]])
    _set(config, path, _weird_value(rng))
    return f"value at {list(path)}"


def _mutate_unknown_key(rng: random.Random, config: dict) -> str:
    maps = [n for n in _nodes(config) if isinstance(n[1], dict)]
    path, target = rng.choice(maps)
    key = _weird_key(rng, [k for k in target if isinstance(k, str)])
    target[key] = _weird_value(rng) if rng.random() < 0.5 else "x"
    return f"key {key!r} at {list(path)}"


def _mutate_delete(rng: random.Random, config: dict) -> str:
    keyed = [n for n in _nodes(config) if n[0] and isinstance(_get(config, n[0][:-1]), dict)]
    path, _ = rng.choice(keyed)
    del _get(config, path[:-1])[path[-1]]
    return f"deleted {list(path)}"


def _mutate_list(rng: random.Random, config: dict) -> str:
    lists = [n for n in _nodes(config) if isinstance(n[1], list) and n[1]]
    if not lists:
        return "no list"
    path, target = rng.choice(lists)
    times = rng.choice([1, 1, 30, 60, 5000])
    target.extend([target[rng.randrange(len(target))]] * times)
    return f"{times} more items at {list(path)}"


def _mutate_string(rng: random.Random, config: dict) -> str:
    texts = [n for n in _nodes(config) if isinstance(n[1], str) and n[0]]
    if not texts:
        return "no text"
    path, text = rng.choice(texts)
    variant = rng.choice([
        text + "\n", " " + text, text + " ", text.upper(), text.lower(), text[:-1], text + "!", text * 2,
        text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), text.replace("-", "_"), text + "\u200b",
    ])
    _set(config, path, variant)
    return f"text at {list(path)}"


DATA_MUTATIONS: dict[str, Callable[[random.Random, dict], str]] = {
    "wrong-type": _mutate_wrong_type,
    "unknown-key": _mutate_unknown_key,
    "delete": _mutate_delete,
    "list": _mutate_list,
    "string": _mutate_string,
}

_VALUE_LINE = re.compile(rb"^(?P<head>\s*(?:- )?[^:#\n]+:\s)(?P<value>\S[^\n]*)$", re.M)
_YAML_ODDITIES = [
    b"!!binary aGVsbG8=", b"!!set {a, b}", b"!!omap [a: 1]", b"!!pairs [a: 1]", b"!!timestamp 2026-01-01",
    b"!ref x", b"!!int abc", b"!!float x", b"!!bool maybe", b"!!str 5", b"=", b"~", b"2026-01-01",
    b"2026-01-01T10:00:00Z", b"0x1F", b"0o17", b"1_000", b"1:30", b".inf", b"-.inf", b".nan", b"NO", b"yes",
    b'"\\ud800"', b'"\\udfff x"', b'"\\u2028"', b'"\\x85"', b'"\\0"', b"|\n        two\n        lines",
    b">-\n        folded", b"&anchor x", b"*undefined", b"[unclosed", b"{a: 1", b"'quote", b"@reserved",
    b"`reserved", b"%directive", b"1" + b"2" * 5000, b"[" * 600 + b"]" * 600, b"{a: {b: {c: " * 40 + b"}" * 120,
]


def _value_lines(text: bytes) -> list[re.Match]:
    return list(_VALUE_LINE.finditer(text))


def _text_oddity(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    lines = _value_lines(text)
    if not lines:
        return _text_bad_byte(rng, text)
    match = rng.choice(lines)
    oddity = rng.choice(_YAML_ODDITIES)
    return text[: match.start("value")] + oddity + text[match.end("value"):], f"value {oddity[:30]!r}"


def _text_bad_byte(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(text))
    byte = bytes([rng.choice([0x00, 0x01, 0x08, 0x0B, 0x1B, 0x7F, 0x80, 0xC3, 0xE9, 0xFF, 0xFE])])
    return text[:at] + byte + text[at:], f"byte {byte!r} at {at}"


def _text_truncate(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(text))
    return text[:at], f"cut at {at}"


def _text_duplicate_line(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    if not _value_lines(text):
        return _text_bad_byte(rng, text)
    match = rng.choice(_value_lines(text))
    line = match.group(0)
    return text[: match.end()] + b"\n" + line + text[match.end():], f"line {line[:40]!r} twice"


def _text_indent(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    lines = text.split(b"\n")
    index = rng.randrange(len(lines))
    lines[index] = rng.choice([b" ", b"\t", b"   ", b""]) + lines[index].lstrip(b" ") * rng.choice([1, 1, 2])
    return b"\n".join(lines), f"indent of line {index + 1}"


def _text_alias(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    kind = rng.randrange(3)
    if kind == 0:
        bomb = b"[" + b", ".join([b"lol"] * 9) + b"]"
        for _ in range(rng.choice([4, 9])):
            bomb = b"[" + b", ".join([b"&a " + bomb] + [b"*a"] * 8) + b"]"
        # Anchors may be redefined: each level anchors the level below as `a` and aliases it eight more times.
        addition = b"  eks-daemonsets:bomb: {tags: " + bomb + b"}\n"
        return text.rstrip(b"\n") + b"\n" + addition, "alias bomb"
    if kind == 1:
        merge = (
            b"  x-base: &base {name: merged, instanceTypes: [m7i.large], scaling: {min: 1, desired: 1, max: 1}}\n"
        )
        return text.replace(b"config:\n", b"config:\n" + merge, 1) + b"", "anchor"
    chain = b"".join(
        b"  x-m%d: &m%d {<<: [*m%d, *m%d], k%d: v}\n" % (i, i, i - 1, i - 1, i) if i else b"  x-m0: &m0 {k: v}\n"
        for i in range(rng.choice([5, 40]))
    )
    return text.replace(b"config:\n", b"config:\n" + chain, 1), "merge chain"


TEXT_MUTATIONS: dict[str, Callable[[random.Random, bytes], tuple[bytes, str]]] = {
    "yaml-oddity": _text_oddity,
    "bad-byte": _text_bad_byte,
    "truncate": _text_truncate,
    "duplicate-line": _text_duplicate_line,
    "indent": _text_indent,
    "alias": _text_alias,
}


def _dump(config: dict) -> bytes:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump({"config": config}, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return text.encode("utf-8", "surrogatepass")


@functools.lru_cache(maxsize=None)
def _base(path: Path) -> tuple[bytes, dict]:
    text = path.read_bytes()
    return text, yaml.safe_load(text)["config"]


def make_case(case_id: str) -> Case:
    """The case named ``case_id`` (``<seed>-<index>``): the same bytes on every machine and every run."""
    rng = random.Random(f"stack-fuzz:{case_id}")
    base = rng.choice(BASES)
    text, config = _base(base)
    config = copy.deepcopy(config)
    mutations: list[str] = []
    data = rng.random() < 0.6
    if data:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            name = rng.choice(sorted(DATA_MUTATIONS))
            mutations.append(f"{name}: {DATA_MUTATIONS[name](rng, config)}")
        try:
            text = _dump(config)
        except (yaml.YAMLError, RecursionError, ValueError) as error:
            mutations.append(f"(not dumpable: {type(error).__name__}; the base instead)")
    if not data or rng.random() < 0.25:
        name = rng.choice(sorted(TEXT_MUTATIONS))
        text, what = TEXT_MUTATIONS[name](rng, text)
        mutations.append(f"{name}: {what}")
    if len(text) > MAX_FILE_BYTES:
        text = text[:MAX_FILE_BYTES]
        mutations.append(f"cut to {MAX_FILE_BYTES} bytes")
    return Case(case_id, base.name, tuple(mutations), text)


def case_ids(count: int, seed: int = SEED) -> list[str]:
    return [f"{seed}-{index}" for index in range(count)]


# --------------------------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class Outcome:
    case: Case
    code: Optional[int]
    stderr: str
    stdout: str
    wrote: tuple[str, ...]
    cpu_seconds: float
    wall_seconds: float
    crash: str = ""


class _Hung(BaseException):
    """Raised by the wall-clock deadline; a BaseException so that no ``except Exception`` swallows it."""


@contextlib.contextmanager
def deadline(seconds: float, error: Callable[[], BaseException] = _Hung) -> Iterator[None]:
    """Raise ``error()`` rather than hang when the block takes longer than ``seconds`` (the regex engine checks
    signals)."""

    def expire(*_: Any) -> None:
        raise error()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: Case, workdir: Path) -> Outcome:
    """Feed ``case`` through ``offline.render.main`` in this process, as the command line would."""
    from offline import render

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / FILE_NAME
    path.write_bytes(case.content)
    out = workdir / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    code: Optional[int] = None
    crash = ""
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        with deadline(HANG_DEADLINE), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = render.main(["--config", str(path), "--out", str(out)])
    except _Hung:
        crash = f"no answer within {HANG_DEADLINE} s"
    except BaseException:  # noqa: BLE001 - a crash of any kind is the finding
        crash = traceback.format_exc(limit=-3)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    wrote = tuple(sorted(str(p.relative_to(out)) for p in out.rglob("*"))) if out.is_dir() else ()
    if out.exists() and not out.is_dir():
        wrote = ("(a file at the output path)",)
    return Outcome(case, code, stderr.getvalue(), stdout.getvalue(), wrote, cpu, wall, crash)


# A key path as messages write it: `eks-daemonsets:nodeGroups[2].labels["node-role"]`, `aws:region`, `on`.
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHORTENED = re.compile(r"… \((\d+) characters\)")
_POSITION = re.compile(r"line (\d+), column (\d+): ")


@dataclass(frozen=True)
class Part:
    """One step of a named key path; ``prefix`` when the message cut a long key."""

    key: Union[str, int]
    prefix: bool = False


def _quoted(text: str, at: int) -> tuple[str, int, bool]:
    value, end = json.JSONDecoder().raw_decode(text, at)
    if not isinstance(value, str):
        raise ValueError("not a quoted key")
    shortened = _SHORTENED.match(text, end)
    return value, shortened.end() if shortened else end, bool(shortened)


def parse_location(text: str) -> tuple[list[Part], str]:
    """Split ``<key path>: <problem>`` into the path's parts (top-level config key first) and the problem.

    Raises:
        ValueError: the text does not start with a key path followed by ``": "``.
    """
    at = 0
    parts: list[Part] = []
    if text.startswith('"'):
        key, at, cut = _quoted(text, 0)
        parts.append(Part(key, cut))
    else:
        head = _BARE.match(text)
        if not head:
            raise ValueError("no key")
        at = head.end()
        if text.startswith(":", at) and not text.startswith(": ", at):
            namespace = head.group(0)
            if text.startswith('"', at + 1):
                name, at, cut = _quoted(text, at + 1)
            else:
                name_match = _BARE.match(text, at + 1)
                if not name_match:
                    raise ValueError("no key after the namespace")
                name, at, cut = name_match.group(0), name_match.end(), False
            parts.append(Part(f"{namespace}:{name}", cut))
        else:
            parts.append(Part(head.group(0)))
    while not text.startswith(": ", at):
        if text.startswith(".", at):
            name_match = _IDENT.match(text, at + 1)
            if not name_match:
                raise ValueError(f"bad key after '.' at {at}")
            parts.append(Part(name_match.group(0)))
            at = name_match.end()
        elif text.startswith("[", at):
            if text.startswith('"', at + 1):
                key, end, cut = _quoted(text, at + 1)
                parts.append(Part(key, cut))
            else:
                index = re.compile(r"\d+").match(text, at + 1)
                if not index:
                    raise ValueError(f"bad index at {at}")
                parts.append(Part(int(index.group(0))))
                end = index.end()
            if not text.startswith("]", end):
                raise ValueError(f"no ']' at {end}")
            at = end + 1
        else:
            raise ValueError(f"the key path does not end with ': ' (at {at})")
    return parts, text[at + 2:]


def _known_keys() -> frozenset[str]:
    from pydantic import BaseModel

    from components.settings import stack as settings

    keys: set[str] = set(settings._TOP_LEVEL)
    stack: list[type[BaseModel]] = [settings._Model]
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        keys.update(field.alias or name for name, field in model.model_fields.items())
    return frozenset(keys)


def _child(node: yaml.Node, part: Part) -> Optional[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value[part.key] if isinstance(part.key, int) and part.key < len(node.value) else None
    if not isinstance(node, yaml.MappingNode) or isinstance(part.key, int):
        return None
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                found = _child(source, part)
                if found is not None:
                    return found
        elif isinstance(key_node, yaml.ScalarNode):
            written = key_node.value
            if written == part.key or (part.prefix and written.startswith(str(part.key))):
                return value_node
    return None


def resolves(document: yaml.Node, parts: list[Part]) -> tuple[int, Optional[yaml.Node]]:
    """How many leading parts the file holds, walking its YAML nodes with keys as written; and the last node."""
    top = parts[0]
    config = _child(document, Part("config"))
    node: Optional[yaml.Node] = None
    if config is not None and isinstance(top.key, str):
        node = _child(config, top)
        namespace, _, name = top.key.partition(":")
        if node is None and namespace == PROJECT:
            node = _child(config, Part(name, top.prefix))
    if node is None and isinstance(top.key, str) and ":" not in top.key:
        node = _child(document, top)
    if node is None:
        return 0, None
    count = 1
    for part in parts[1:]:
        child = _child(node, part)
        if child is None:
            break
        node, count = child, count + 1
    return count, node


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


def warm_up(workdir: Path) -> None:
    """Render a base stack once, so that the first case is not charged with importing the cloud SDKs."""
    case = Case("warm-up", "Pulumi.dev.yaml", (), BASES[0].read_bytes())
    outcome = run_case(case, workdir / "warm-up")
    if outcome.code != 0:
        raise RuntimeError(f"the dev stack does not render: {outcome.stderr or outcome.crash}")


# --------------------------------------------------------------------------------------------- figures


@dataclass
class Figures:
    cases: int = 0
    refused: int = 0
    rendered: int = 0
    failed: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    slowest: tuple[float, str] = (0.0, "")

    def add(self, outcome: Outcome, problems: list[str]) -> None:
        self.cases += 1
        self.refused += outcome.code == 2
        self.rendered += outcome.code == 0
        self.failed += bool(problems)
        self.cpu_seconds += outcome.cpu_seconds
        self.wall_seconds += outcome.wall_seconds
        self.slowest = max(self.slowest, (outcome.cpu_seconds, outcome.case.id))

    def line(self) -> str:
        return (
            f"stack fuzz: {self.cases} cases ({self.refused} refused, {self.rendered} rendered, {self.failed} failed) "
            f"in {self.wall_seconds:.1f} s wall, {self.cpu_seconds:.1f} s CPU; slowest case {self.slowest[1]} "
            f"{self.slowest[0]:.3f} s CPU"
        )


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.input.stack_fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", help="one case id, <seed>-<index>")
    parser.add_argument("--write", type=Path, help="with --case: write the case's stack file here, and stop")
    parser.add_argument("--cases", type=int, default=300, help="how many cases to run (default 300)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.case and args.write:
        case = make_case(args.case)
        args.write.write_bytes(case.content)
        print(f"{case.id}: {case.base} + {'; '.join(case.mutations)} -> {args.write}")
        return 0
    ids = [args.case] if args.case else case_ids(args.cases, args.seed)
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="stack-fuzz-") as tmp:
        warm_up(Path(tmp))
        for case_id in ids:
            outcome, problems = check(case_id, Path(tmp))
            figures.add(outcome, problems)
            if args.case or problems:
                print(f"{case_id} ({outcome.case.base} + {'; '.join(outcome.case.mutations)}): exit {outcome.code}, "
                      f"{outcome.cpu_seconds:.3f} s CPU; {outcome.stderr.strip()[:300]}")
                for problem in problems:
                    print(f"  FAIL {problem}")
    print(figures.line())
    return 1 if figures.failed else 0


if __name__ == "__main__":
    sys.exit(main())
