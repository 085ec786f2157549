"""What one pod of an agent takes from its node: its effective resource requests, as the scheduler and Karpenter
count them.

A pod's request for a resource is the larger of its containers' sum and its largest init container's (init
containers run one at a time, before the others); a restartable init container (a sidecar, ``restartPolicy:
Always``) runs beside them and adds to both. That is the scheduler's rule (Kubernetes "Resource sharing within
containers": effective init request) and Karpenter's (sigs.k8s.io/karpenter v1.14.1 ``pkg/utils/resources``
RequestsForPods, Ceiling), with the pod's ``overhead`` on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from components.settings import parse_quantity

RESOURCES = ("cpu", "memory")


def _requests(container: Mapping[str, Any]) -> dict[str, Decimal]:
    given = (container.get("resources") or {}).get("requests") or {}
    return {name: parse_quantity(str(given[name])) for name in RESOURCES if name in given}


def pod_requests(pod_spec: Mapping[str, Any]) -> dict[str, Decimal]:
    """The pod's effective ``cpu`` (cores) and ``memory`` (bytes) requests.

    Init containers run in order: each one's need is its own request plus the sidecars started before it; the pod
    needs the largest of those, or its containers and all sidecars together, whichever is more, and its overhead.
    """
    total: dict[str, Decimal] = {}
    for name in RESOURCES:
        sidecars = Decimal(0)
        init_peak = Decimal(0)
        for container in pod_spec.get("initContainers", []):
            request = _requests(container).get(name, Decimal(0))
            if container.get("restartPolicy") == "Always":
                sidecars += request
            else:
                init_peak = max(init_peak, sidecars + request)
        running = sidecars + sum((_requests(c).get(name, Decimal(0)) for c in pod_spec.get("containers", [])), Decimal(0))
        overhead = parse_quantity(str((pod_spec.get("overhead") or {}).get(name, "0")))
        total[name] = max(running, init_peak) + overhead
    return total
