"""A pod's effective requests, summed as k8s.io/component-helpers v0.35.0 ``resource/helpers.go`` sums them (the
version sigs.k8s.io/karpenter v1.14.1 builds with, go.mod:34; Karpenter's RequestsForPods, pkg/utils/resources
resources.go:30-38, calls it through Ceiling, :115-117)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from components.agents.pod_requests import pod_requests

MI = Decimal(1 << 20)


def container(cpu: str | None = None, memory: str | None = None, **extra: object) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "resources": {"requests": requests}, **extra}


def test_containers_add_up() -> None:
    # helpers.go:191-227 AggregateContainerRequests: addResourceList per container (:226).
    spec = {"containers": [container("100m", "128Mi"), container("50m", "64Mi")]}
    assert pod_requests(spec) == {"cpu": Decimal("0.15"), "memory": 192 * MI}


def test_a_missing_request_counts_as_nothing() -> None:
    spec = {"containers": [container("100m"), {"name": "bare"}, {"name": "empty", "resources": {}}]}
    assert pod_requests(spec) == {"cpu": Decimal("0.1"), "memory": Decimal(0)}


def test_init_containers_count_by_the_largest_not_the_sum() -> None:
    # helpers.go:264-274: a plain init container runs alone; the pod needs the max of it and the containers (:277).
    spec = {
        "initContainers": [container("500m", "32Mi"), container("200m", "512Mi")],
        "containers": [container("100m", "128Mi")],
    }
    assert pod_requests(spec) == {"cpu": Decimal("0.5"), "memory": 512 * MI}


def test_sidecars_add_to_the_containers_and_to_later_init_containers() -> None:
    # helpers.go:257-263: a restartable init container (restartPolicy Always) adds to the pod's requests and to every
    # init container started after it.
    spec = {
        "initContainers": [
            container("300m", "16Mi"),
            container("50m", "64Mi", restartPolicy="Always"),
            container("400m", "16Mi"),
        ],
        "containers": [container("100m", "128Mi")],
    }
    # cpu: max(300m, 50m + 400m, 50m + 100m) = 450m; memory: max(16, 64 + 16, 64 + 128) = 192Mi.
    assert pod_requests(spec) == {"cpu": Decimal("0.45"), "memory": 192 * MI}


def test_an_init_container_before_the_sidecar_does_not_carry_it() -> None:
    spec = {
        "initContainers": [container("600m"), container("100m", restartPolicy="Always")],
        "containers": [container("100m")],
    }
    assert pod_requests(spec)["cpu"] == Decimal("0.6")


def test_pod_overhead_is_added() -> None:
    # helpers.go:180-182: PodRequests adds Spec.Overhead unless asked not to (Karpenter does not).
    spec = {"containers": [container("100m", "128Mi")], "overhead": {"cpu": "250m", "memory": "120Mi"}}
    assert pod_requests(spec) == {"cpu": Decimal("0.35"), "memory": 248 * MI}


@pytest.mark.parametrize(("quantity", "cores"), [("1", Decimal(1)), ("1500m", Decimal("1.5")), ("0.25", Decimal("0.25"))])
def test_cpu_quantities_in_every_form(quantity: str, cores: Decimal) -> None:
    assert pod_requests({"containers": [container(quantity)]})["cpu"] == cores


def test_the_dev_stack_agents_requests_are_what_the_daemonsets_ask(dev) -> None:
    from tests.agents.registered import pod

    per_node = dev.outputs["agentRequestsPerNode"]
    requests = {
        name: pod_requests(pod(dev, daemonset))
        for name, daemonset in (("nodeExporter", "node-exporter"), ("fluentd", "fluentd"), ("securityAgent", "falco"))
    }
    (system,) = per_node["system"]
    assert system["agents"] == ["nodeExporter", "fluentd", "securityAgent"]
    total = sum((r["cpu"] for r in requests.values()), Decimal(0))
    assert system["cpu"] == f"{int(total * 1000)}m"
    assert system["memory"] == f"{int(sum((r['memory'] for r in requests.values()), Decimal(0)) / MI)}Mi"
