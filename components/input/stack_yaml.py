"""Read a stack file's YAML into plain JSON-shaped data, strictly and within bounds (pure: PyYAML only).

The Pulumi CLI hands a program its config as JSON: text, numbers, booleans, null, lists and maps with text keys. This
reader gives the offline render the same, and refuses, naming the key as written, what has no such reading:

- a key YAML reads as something other than text (``NO`` and ``on`` are booleans in YAML 1.1, ``1`` is a number):
  quote it;
- the same key twice in one map (the Pulumi CLI would silently keep one of them);
- tags JSON has no value for (``!!binary``, ``!!set``, ``!!omap``, ``!!pairs``, local tags such as ``!ref``), or an
  explicit tag on text that does not read as its type (``!!int abc``);
- an alias that contains itself.

Dates (``2026-01-01``) stay the text they were written as, which is what the Pulumi CLI passes on. Bounds come
first, from the event stream, before PyYAML builds anything: at most :data:`~components.input.limits.MAX_VALUES`
nodes and nesting :data:`~components.input.limits.MAX_DEPTH` levels below a config key, so neither a huge file nor a
deep one costs more than reading that many events. Merges (``<<: *base``) work, bounded the same way. The bytes must
be UTF-8 (a UTF-8 byte-order mark is skipped, as the Pulumi CLI does).

The C loader (libyaml) is used where PyYAML was built with it, as the wheels on PyPI are; the pure-Python loader is
the fallback, with the same results, slower.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from components.input.error_text import PathPart, key_part, shown
from components.input.limits import ALLOWED, MAX_DEPTH, MAX_VALUES, HugeNumber

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
TIMESTAMP, MERGE, VALUE, SEQ, MAP = (f"{_TAG}{t}" for t in ("timestamp", "merge", "value", "seq", "map"))
# Scalars that read as text: dates are kept as written, and a lone "=" is YAML 1.1's "value" key, text in JSON.
_TEXT_TAGS = frozenset({STR, TIMESTAMP, VALUE})
_SCALAR_TAGS = frozenset({*_TEXT_TAGS, INT, FLOAT, BOOL, NULL})
_READS_AS = {BOOL: "a boolean", INT: "a number", FLOAT: "a number", NULL: "null"}
# Nesting of the document around a config value: the file's map, `config`, the config key's value.
_DOCUMENT_DEPTH = MAX_DEPTH + 3
# Digits beyond which an integer is kept as text for the limits check to refuse: Python converts at most 4,300.
_INT_DIGITS = 40


class YamlError(ValueError):
    """A stack file that can't be read as plain data.

    Attributes:
        path: Where the problem is, from the document root (``("config", "eks-daemonsets:cluster", "tags", "NO")``),
            or ``None`` when the text is not YAML at all and only a position can be given.
        line: 1-based line of the problem when ``path`` is None.
        column: 1-based column of the problem when ``path`` is None.
    """

    def __init__(
        self, problem: str, *, path: Optional[Sequence[PathPart]] = None, line: int = 0, column: int = 0
    ) -> None:
        super().__init__(problem)
        self.path = None if path is None else tuple(path)
        self.line = line
        self.column = column


class _Strict:
    """Constructor overrides shared by the C and the pure-Python loader."""

    def construct_yaml_int(self, node: ScalarNode) -> Union[int, HugeNumber]:
        if len(node.value.replace("_", "")) > _INT_DIGITS:
            return HugeNumber(node.value)
        return super().construct_yaml_int(node)  # type: ignore[misc]


class StrictPyLoader(_Strict, yaml.SafeLoader):
    """The pure-Python loader, strict."""


LOADERS: list[type] = [StrictPyLoader]
if hasattr(yaml, "CSafeLoader"):

    class StrictCLoader(_Strict, yaml.CSafeLoader):
        """libyaml's loader, strict."""

    LOADERS.append(StrictCLoader)

for _loader in LOADERS:
    _loader.add_constructor(TIMESTAMP, yaml.SafeLoader.construct_yaml_str)
    _loader.add_constructor(VALUE, yaml.SafeLoader.construct_yaml_str)
    _loader.add_constructor(INT, _Strict.construct_yaml_int)

#: The loader :func:`load` uses: libyaml's where PyYAML has it.
LOADER: type = LOADERS[-1]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise YamlError(
            f"byte 0x{data[error.start]:02x} is not UTF-8 text; allowed: a UTF-8 file", line=line, column=column
        ) from None


def _mark_error(error: yaml.YAMLError, text: str, *, counts_bytes: bool) -> YamlError:
    """PyYAML's multi-line error as one line, placed by line and column."""
    if isinstance(error, yaml.reader.ReaderError):
        # libyaml's reader counts bytes of the UTF-8 text, PyYAML's characters.
        before = text.encode("utf-8")[: error.position].decode("utf-8", "replace") if counts_bytes else text[
            : error.position
        ]
        character = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
        return YamlError(
            f"character U+{character:04X} is not allowed in YAML; allowed: printable text (write it as an escape "
            "in a double-quoted string)",
            line=before.count("\n") + 1,
            column=len(before) - before.rfind("\n"),
        )
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if isinstance(error, yaml.MarkedYAMLError):
        problem = error.problem or error.context or "not valid YAML"
        context_mark = error.context_mark
        if error.context and error.problem and context_mark is not None and context_mark is not mark:
            problem = f"{problem} ({error.context} at line {context_mark.line + 1})"
    else:
        problem = str(error)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    return YamlError(" ".join(problem.split()), line=line, column=column)


def _limits_from_events(loader: Any) -> None:
    """Count nodes and nesting from the event stream, and stop at the first bound crossed.

    Raises:
        YamlError: with the path of the node that crossed it (shortened to its config key for the node count).
    """
    # One frame per open collection: [path, is_mapping, next_index, key_pending, pending_key].
    frames: list[list[Any]] = []
    count = 0
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, CollectionEndEvent):
            frames.pop()
            _child_done(frames)
            continue
        if not isinstance(event, (ScalarEvent, AliasEvent, SequenceStartEvent, MappingStartEvent)):
            continue
        count += 1
        path = _child_path(frames)
        if count > MAX_VALUES:
            # Named by its config key in a stack file, by its top key in another map, as a whole otherwise.
            top = path[:2] if path[:1] == ("config",) else tuple(part for part in path[:1] if isinstance(part, str))
            raise YamlError(f"holds more than {MAX_VALUES} values; allowed: at most {MAX_VALUES}", path=top)
        if isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            if len(frames) >= _DOCUMENT_DEPTH:
                raise YamlError(f"is nested more than {MAX_DEPTH} levels deep; allowed: at most {MAX_DEPTH}", path=path)
            frames.append([path, isinstance(event, MappingStartEvent), 0, True, None])
            continue
        if frames and frames[-1][1] and frames[-1][3]:
            frames[-1][4] = event.value if isinstance(event, ScalarEvent) else "*" + event.anchor
        _child_done(frames)


def _child_path(frames: list[list[Any]]) -> tuple[PathPart, ...]:
    if not frames:
        return ()
    path, is_mapping, index, key_pending, key = frames[-1]
    if not is_mapping:
        return (*path, index)
    # A key's own problems are named by its map; a value's by its key.
    return tuple(path) if key_pending else (*path, key if key is not None else "?")


def _child_done(frames: list[list[Any]]) -> None:
    if not frames:
        return
    frame = frames[-1]
    if frame[1]:
        frame[3] = not frame[3]
    else:
        frame[2] += 1


def _mapping_subnodes(value: Node) -> list[Node]:
    """The maps a merge key (``<<``) brings in: one map, or a list of maps."""
    if isinstance(value, MappingNode):
        return [value]
    if isinstance(value, SequenceNode):
        return [node for node in value.value if isinstance(node, MappingNode)]
    return []


def _check_nodes(loader: Any, root: Node) -> None:
    """Refuse what has no JSON reading, walking the node graph once (aliases share nodes), iteratively.

    Raises:
        YamlError: naming the key as written.
    """
    done: set[int] = set()
    on_path: set[int] = set()
    merged_size: dict[int, int] = {}
    merged_depth: dict[int, int] = {}
    # (node, path, entering)
    stack: list[tuple[Node, tuple[PathPart, ...], bool]] = [(root, (), True)]
    while stack:
        node, path, entering = stack.pop()
        if not entering:
            on_path.discard(id(node))
            done.add(id(node))
            if isinstance(node, MappingNode):
                _check_merges(node, path, merged_size, merged_depth)
            continue
        if id(node) in done:
            continue
        if id(node) in on_path:
            raise YamlError("contains itself through a YAML alias; allowed: aliases of other values", path=path)
        if isinstance(node, ScalarNode):
            _check_scalar(loader, node, path)
            done.add(id(node))
            continue
        on_path.add(id(node))
        stack.append((node, path, False))
        if isinstance(node, SequenceNode):
            if node.tag != SEQ:
                raise YamlError(f"the YAML tag {_short_tag(node.tag)} is not supported; allowed: {ALLOWED}", path=path)
            stack.extend((child, (*path, index), True) for index, child in reversed(list(enumerate(node.value))))
            continue
        if node.tag != MAP:
            raise YamlError(f"the YAML tag {_short_tag(node.tag)} is not supported; allowed: {ALLOWED}", path=path)
        seen: dict[str, int] = {}
        children = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                children.extend((sub, path, True) for sub in _mapping_subnodes(value_node))
                children.append((value_node, path, True))
                continue
            key = _key_text(loader, key_node, path)
            if key in seen:
                raise YamlError(
                    f"the key appears twice in this map (lines {seen[key]} and {key_node.start_mark.line + 1}); "
                    "allowed: each key once",
                    path=(*path, key),
                )
            seen[key] = key_node.start_mark.line + 1
            children.append((value_node, (*path, key), True))
        stack.extend(reversed(children))


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else shown(tag, 40)


def _key_text(loader: Any, key_node: Node, path: tuple[PathPart, ...]) -> str:
    if not isinstance(key_node, ScalarNode):
        kind = "list" if isinstance(key_node, SequenceNode) else "map"
        raise YamlError(f"a {kind} is used as a key; allowed: text keys", path=path)
    if key_node.tag in _TEXT_TAGS:
        return key_node.value
    if key_node.tag == NULL and not key_node.value:
        raise YamlError("a key is empty; allowed: text keys (quote an empty key: '')", path=path)
    _check_scalar(loader, key_node, (*path, key_node.value))
    reads_as = f"{_READS_AS[key_node.tag]} ({shown(loader.construct_object(key_node))})"
    raise YamlError(
        f"the key reads as {reads_as} in YAML, not as text; allowed: text keys (quote it: {shown(key_node.value)})",
        path=(*path, key_node.value),
    )


def _check_scalar(loader: Any, node: ScalarNode, path: tuple[PathPart, ...]) -> None:
    if node.tag not in _SCALAR_TAGS:
        raise YamlError(f"the YAML tag {_short_tag(node.tag)} is not supported; allowed: {ALLOWED}", path=path)
    if node.tag in _TEXT_TAGS:
        return
    # An explicit tag (`!!int abc`) must tag text that reads as that type, or PyYAML raises while building it.
    if loader.resolve(ScalarNode, node.value, (True, False)) != node.tag:
        raise YamlError(
            f"{shown(node.value)} does not read as {_short_tag(node.tag)}; allowed: {ALLOWED}", path=path
        )


def _check_merges(node: MappingNode, path: tuple[PathPart, ...], sizes: dict[int, int], depths: dict[int, int]) -> None:
    """Bound what merge keys bring in: PyYAML copies merged pairs into each map, recursively."""
    size, depth = 0, 1
    for key_node, value_node in node.value:
        if key_node.tag != MERGE:
            size += 1
            continue
        for sub in _mapping_subnodes(value_node):
            size += sizes.get(id(sub), len(sub.value))
            depth = max(depth, depths.get(id(sub), 1) + 1)
    sizes[id(node)] = size
    depths[id(node)] = depth
    if size > MAX_VALUES:
        raise YamlError(
            f"brings in more than {MAX_VALUES} keys through merges (<<); allowed: at most {MAX_VALUES}", path=path
        )
    if depth > MAX_DEPTH:
        raise YamlError(f"merges (<<) nest more than {MAX_DEPTH} deep; allowed: at most {MAX_DEPTH}", path=path)


def where(error: YamlError) -> str:
    """Where a :class:`YamlError` is, within its document: ``line 3, column 9`` or ``[0].condition``."""
    if error.path is None:
        return f"line {error.line}, column {error.column}"
    return "".join(key_part(part) for part in error.path).lstrip(".") or "the document"


def load(source: Union[str, bytes], *, loader: Optional[type] = None) -> Any:
    """Read one YAML document into plain data (str, int, float, bool, None, list, dict with str keys).

    Args:
        source: The document, as bytes (must be UTF-8) or text.
        loader: The PyYAML loader class to use; :data:`LOADER` by default.

    Returns:
        The data; ``None`` for an empty document. Integers too long to convert come back as
        :class:`~components.input.limits.HugeNumber`, for :func:`~components.input.limits.check_value` to refuse
        with their key.

    Raises:
        YamlError: the first problem, as one line, with a path or a line and column.
    """
    text = _decode(source) if isinstance(source, bytes) else source
    # The Pulumi CLI strips a UTF-8 byte-order mark; PyYAML only skips one at the very start of a stream.
    text = text.removeprefix("\ufeff")
    loader_class = loader or LOADER
    try:
        scan = loader_class(text)
        try:
            _limits_from_events(scan)
        finally:
            scan.dispose()
        reader = loader_class(text)
        try:
            root = reader.get_single_node()
            if root is None:
                return None
            _check_nodes(reader, root)
            return reader.construct_document(root)
        finally:
            reader.dispose()
    except yaml.YAMLError as error:
        raise _mark_error(error, text, counts_bytes=loader_class is not StrictPyLoader) from None
