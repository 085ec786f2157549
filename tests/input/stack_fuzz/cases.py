"""The fuzzer's cases: a valid stack file with one to three seeded mutations, the same bytes for the same id.

A case starts from ``Pulumi.dev.yaml`` or one of ``tests/stacks`` and changes its data (wrong types, unknown,
deleted and repeated keys, odd text) and then dumps it, or changes its text (YAML oddities, bad bytes, cuts,
repeated lines, indentation, aliases and merges), or both. Only the case id seeds the choices.
"""

from __future__ import annotations

import copy
import functools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union

import yaml

ROOT = Path(__file__).resolve().parents[3]
SEED = 14
BASES = (ROOT / "Pulumi.dev.yaml", ROOT / "tests/stacks/Pulumi.minimal.yaml", ROOT / "tests/stacks/Pulumi.oldest.yaml")
MAX_FILE_BYTES = 1_000_000

Path_ = tuple[Union[str, int], ...]


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
