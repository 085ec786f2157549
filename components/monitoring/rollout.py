"""How long a node may rightly be without its agent, and how many pods a rollout may take down: the rules' timing.

The facts, from the DaemonSet controller (kubernetes ``pkg/controller/daemon/update.go``, ``rollingUpdate``) and
the DaemonSets this project renders (``maxSurge: 0``, ``components/agents/node_agent.py``):

- A rollout replaces pods in steps. In each, the controller deletes old pods of at most ``maxUnavailable`` nodes,
  each old pod takes up to ``terminationGracePeriodSeconds`` to stop, then the new pod is created, pulled and
  started, and the step ends once it has been ready for ``minReadySeconds``. A node is without a running pod only
  inside its own step.
- A node with no pod at all (one just added, mid-rollout or not) is not made to wait its turn: the manage loop
  creates its pod at once, and the rollout merely counts it as unavailable ("the manage loop will handle creating
  or deleting the appropriate pod, consider this unavailable").
- So ``maxUnavailable`` decides how many nodes share a step, not how long one node waits: it sets the threshold of
  the DaemonSet alert (``status.numberUnavailable`` above it is more than any rollout takes down), and does not
  lengthen ``for:``. The controller scales a percentage against ``desiredNumberScheduled``, rounding up
  (``GetScaledValueFromIntOrPercent(maxUnavailable, desired, true)``).

Every rule of an agent waits the same ``for:``: one step, plus the time to see it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: From a pod's creation to its containers running, on a node that may itself have just joined: the node must turn
#: Ready first (the kubelet's ``node.kubernetes.io/not-ready:NoSchedule`` taint is not among the tolerations the
#: DaemonSet controller adds, which are NoExecute for not-ready), then the image is pulled and the containers start.
#: EKS nodes are Ready in about a minute and the agents' images pull in well under one; five minutes leaves room for
#: a registry that is slow, or throttled by a scale-out's worth of nodes pulling at once.
START_UP_SECONDS = 300

#: Prometheus sees a pod start up to one kube-state-metrics scrape late and acts on it up to one rule evaluation
#: late: a minute each at Prometheus's defaults (``scrape_interval`` and ``evaluation_interval``, 1m).
DETECTION_SECONDS = 120


@dataclass(frozen=True)
class Rollout:
    """An agent's DaemonSet rollout settings, as its spec renders them.

    Attributes:
        max_unavailable: ``updateStrategy.rollingUpdate.maxUnavailable``: a whole number >= 1 or ``"<1-100>%"``.
        min_ready_seconds: ``minReadySeconds``.
        termination_grace_period_seconds: the pod template's ``terminationGracePeriodSeconds``.
    """

    max_unavailable: int | str
    min_ready_seconds: int
    termination_grace_period_seconds: int

    def __post_init__(self) -> None:
        _percent_or_count(self.max_unavailable)
        for name in ("min_ready_seconds", "termination_grace_period_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: {value!r}; allowed: a whole number of seconds >= 0")


def _percent_or_count(max_unavailable: int | str) -> tuple[int, bool]:
    """``(n, True)`` for ``"n%"``, ``(n, False)`` for a count; refuses what Kubernetes would not roll with."""
    if isinstance(max_unavailable, bool):
        raise ValueError(f"maxUnavailable: {max_unavailable!r}; allowed: a whole number >= 1 or 1%..100%")
    if isinstance(max_unavailable, int):
        if max_unavailable >= 1:
            return max_unavailable, False
    elif isinstance(max_unavailable, str) and max_unavailable.endswith("%") and max_unavailable[:-1].isdigit():
        percent = int(max_unavailable[:-1])
        if 1 <= percent <= 100:
            return percent, True
    raise ValueError(f"maxUnavailable: {max_unavailable!r}; allowed: a whole number >= 1 or 1%..100%")


def step_seconds(rollout: Rollout) -> int:
    """The longest one rollout step takes for a node: old pod stopping, new pod starting, then ready long enough."""
    return rollout.termination_grace_period_seconds + START_UP_SECONDS + rollout.min_ready_seconds


def alert_for_seconds(rollout: Rollout) -> int:
    """The rules' ``for:``: one step and the time to see it, rounded up to whole minutes."""
    return math.ceil((step_seconds(rollout) + DETECTION_SECONDS) / 60) * 60


def duration(seconds: int) -> str:
    """A whole number of seconds as a Prometheus duration, in the largest unit that is exact: ``480`` -> ``8m``."""
    if seconds < 0:
        raise ValueError(f"{seconds}: a duration is not negative")
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def unavailable_budget(max_unavailable: int | str, desired: str) -> str:
    """PromQL for the most pods a rollout takes down at once: ``maxUnavailable`` of ``desired``, rounded up.

    Args:
        max_unavailable: A count, or a percentage of the DaemonSet's desired pods.
        desired: A PromQL expression for ``desiredNumberScheduled``.

    Returns:
        ``"2"`` for a count of 2; ``"ceil(<desired> * 10 / 100)"`` for ``"10%"``, in the controller's order of
        operations (multiply, then divide: exact in floating point for any node count).
    """
    number, is_percent = _percent_or_count(max_unavailable)
    if not is_percent:
        return str(number)
    return f"ceil({desired} * {number} / 100)"
