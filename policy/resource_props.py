"""Reading a resource's props the way the policy engine hands them over: the helpers every policy of the pack uses.

What the engine hands a validator: ``args.props`` are the resource's *inputs* as the program registered them, with
Kubernetes' own camelCase keys (the same shape as ``resources.json`` ``inputs`` in the offline render), wrapped in
read-only proxies (``Mapping``/``Sequence``, not ``dict``/``list``) that raise ``UnknownValueError`` for a value not
known during ``pulumi preview``. The helpers below therefore test for ``Mapping``/``Sequence``, never ``dict``/``list``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import UnknownValueError

__all__ = ["DAEMONSET", "NAMESPACE"]

DAEMONSET = "kubernetes:apps/v1:DaemonSet"
NAMESPACE = "kubernetes:core/v1:Namespace"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else ()


def _dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]...``, or None where a step is missing or not a mapping."""
    for key in path:
        value = _mapping(value).get(key)
    return value


def _present(value: Any) -> bool:
    """A resource quantity is set: a non-empty string or a number (``cpu: 1``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and value.strip() != ""


def _object_name(props: Mapping[str, Any], fallback: str) -> str:
    """``namespace/name`` of a namespaced object (or ``name``), falling back to the Pulumi name."""
    try:
        metadata = _mapping(props.get("metadata"))
        name = metadata.get("name")
        namespace = metadata.get("namespace")
    except UnknownValueError:
        return fallback
    name = name if isinstance(name, str) and name else fallback
    return f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name


def _pod_template(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_dig(props, "spec", "template"))


def _pod_spec(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_dig(props, "spec", "template", "spec"))


def _containers(pod_spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each ``(label, container)`` of a pod spec, init containers first; label reads ``init container "x"``."""
    for field, kind in (("initContainers", "init container"), ("containers", "container")):
        for index, container in enumerate(_sequence(pod_spec.get(field))):
            container = _mapping(container)
            name = container.get("name")
            label = name if isinstance(name, str) and name else f"{field}[{index}]"
            yield f'{kind} "{label}"', container


def _is_daemonset(args: ResourceValidationArgs) -> bool:
    return args.resource_type == DAEMONSET
