"""The key path a message names, read back into its parts, and how much of it a stack file holds as written.

Messages write a key path as the stack file writes its keys: ``eks-daemonsets:nodeGroups[2].labels["node-role"]``,
``aws:region``, ``on``. :func:`parse_location` splits one off a message; :func:`resolves` walks the file's YAML nodes
along it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional, Union

import yaml

PROJECT = "eks-daemonsets"

# A key path as messages write it: `eks-daemonsets:nodeGroups[2].labels["node-role"]`, `aws:region`, `on`.
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHORTENED = re.compile(r"… \((\d+) characters\)")


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
