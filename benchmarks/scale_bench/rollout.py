"""A rollout followed pod event by pod event (nodes without a ready agent, waves, completion), and maxUnavailable as
the controller scales it: pure.

Nothing here talks to a cluster: ``rollout_watch.py`` feeds it the lines of a ``kubectl get pods --watch``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Union

# One line per watch event, printed by kubectl (``-o jsonpath=WATCH_JSONPATH``), fields separated by "|" (kubectl's
# output passes through a tab writer that turns a {"\t"} into spaces): the fields of a pod that say where it runs,
# whether it is ready and since when, whether it is going away, and which image it runs.
WATCH_FIELDS = (
    "{.type}",
    "{.object.metadata.uid}",
    "{.object.spec.nodeName}",
    "{.object.metadata.deletionTimestamp}",
    '{.object.status.conditions[?(@.type=="Ready")].status}',
    '{.object.status.conditions[?(@.type=="Ready")].lastTransitionTime}',
    "{.object.spec.containers[0].image}",
)
WATCH_JSONPATH = '{"|"}'.join(WATCH_FIELDS) + '{"\\n"}'


def scaled_max_unavailable(max_unavailable: Union[int, str, None], desired: int, *, max_surge: Union[int, str, None] = 0) -> int:
    """Nodes a DaemonSet rollout may leave without an available pod, as the DaemonSet controller works it out.

    A percentage is of ``desiredNumberScheduled``, rounded **up** (``intstr.GetScaledValueFromIntOrPercent(...,
    roundUp=true)`` in ``UnavailableCount``); an absent rollingUpdate defaults to 1 on the API server; if both
    maxUnavailable and maxSurge come out 0, the controller accepts 1.
    """
    unavailable = _scaled(1 if max_unavailable is None else max_unavailable, desired)
    surge = _scaled(0 if max_surge is None else max_surge, desired)
    if desired > 0 and unavailable == 0 and surge == 0:
        return 1
    return unavailable


def _scaled(value: Union[int, str], total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def parse_time(text: str) -> Optional[float]:
    """An RFC 3339 time of the API (``2026-11-28T05:04:01Z``) as POSIX seconds; None for an empty field."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


@dataclass(frozen=True)
class PodEvent:
    """One pod as a watch event shows it."""

    kind: str  # ADDED, MODIFIED, DELETED
    uid: str
    node: str
    terminating: bool
    ready: bool
    ready_since: Optional[float]  # POSIX seconds of the Ready condition's last transition (whole seconds)
    image: str

    @classmethod
    def parse(cls, line: str) -> "PodEvent":
        """A line printed with WATCH_JSONPATH."""
        kind, uid, node, deleted, ready, since, image = (line.rstrip("\n").split("|") + [""] * 7)[:7]
        return cls(kind, uid, node, bool(deleted), ready == "True", parse_time(since), image)

    @property
    def gone(self) -> bool:
        """Deleted, or on its way: a terminating pod is no agent the controller counts (findUpdatedPodsOnNode skips
        it), and on a real node it is shutting down."""
        return self.kind == "DELETED" or self.terminating


@dataclass
class Rollout:
    """A DaemonSet's rollout to ``new_image``, followed one pod event at a time.

    Args:
        nodes: the nodes the DaemonSet covers (one pod each before the rollout).
        new_image: the first container's image after the change; a pod running it is updated.
        min_ready_seconds: the DaemonSet's minReadySeconds: a pod is *available* once ready this long.
        started: when the image was changed (POSIX seconds); None while the watch's initial list comes in, which
            only fills in the pods.

    Two counts are kept after every event, both exact at event granularity (a watch shows every change):
    nodes without a *ready* agent (no pod that is Ready and not terminating) and nodes without an *available*
    one (ready for minReadySeconds, as the controller counts against maxUnavailable). The second only falls
    with time, so its maximum is reached at an event and is exact too.
    """

    nodes: frozenset[str]
    new_image: str
    min_ready_seconds: int
    started: Optional[float] = None
    pods: dict[str, PodEvent] = field(default_factory=dict)
    most_without_ready: int = 0
    most_unavailable: int = 0
    # When an old pod was first seen going away, in the order seen (the controller's deletions).
    deletions: list[float] = field(default_factory=list)
    # When a new pod was first seen ready.
    new_ready: list[float] = field(default_factory=list)
    finished: Optional[float] = None

    def observe(self, event: PodEvent, at: float) -> None:
        """Take one watch event, received at ``at`` (POSIX seconds)."""
        before = self.pods.get(event.uid)
        if event.kind == "DELETED":
            self.pods.pop(event.uid, None)
        else:
            self.pods[event.uid] = event
        updated = event.image == self.new_image
        if event.gone and not updated and (before is None or not before.gone):
            self.deletions.append(at)
        if event.ready and not event.gone and updated and (before is None or not before.ready):
            self.new_ready.append(at)
        if self.started is None:
            return
        ready_nodes, available_nodes, updated_nodes, old_pods = self._counts(at)
        self.most_without_ready = max(self.most_without_ready, len(self.nodes - ready_nodes))
        self.most_unavailable = max(self.most_unavailable, len(self.nodes - available_nodes))
        if self.finished is None and updated_nodes >= self.nodes and not old_pods:
            self.finished = at

    def _counts(self, now: float) -> tuple[set[str], set[str], set[str], int]:
        ready, available, updated = set(), set(), set()
        old = 0
        for pod in self.pods.values():
            if pod.gone:
                continue
            if pod.image != self.new_image:
                old += 1
            if pod.ready:
                ready.add(pod.node)
                if pod.ready_since is not None and pod.ready_since + self.min_ready_seconds <= now:
                    available.add(pod.node)
                if pod.image == self.new_image:
                    updated.add(pod.node)
        return ready, available, updated, old

    def updated_nodes(self) -> int:
        """Nodes whose agent is updated and ready now."""
        return len(self._counts(float("inf"))[2] & self.nodes)

    def waves(self) -> int:
        """How many times the controller started replacing pods: see :func:`count_waves`."""
        return count_waves(self.deletions, self.new_ready)


def count_waves(deletions: Sequence[float], new_ready: Iterable[float]) -> int:
    """Waves of a rollout: a wave starts with a deletion of an old pod that follows a new pod becoming ready.

    A maxSurge 0 rollout deletes old pods (a wave), waits until their replacements are available, and deletes the
    next ones: within a wave no replacement is ready yet, so every new pod that turns ready between two deletions
    marks a wave's end. One node at a time gives one wave per node.
    """
    readies = sorted(new_ready)
    waves = 0
    last_deletion = None
    index = 0
    for deleted in sorted(deletions):
        while index < len(readies) and readies[index] <= deleted:
            index += 1
        ready_since_last = last_deletion is not None and index > 0 and readies[index - 1] > last_deletion
        if last_deletion is None or ready_since_last:
            waves += 1
        last_deletion = deleted
    return waves
