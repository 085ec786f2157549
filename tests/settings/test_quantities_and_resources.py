"""Kubernetes quantities as Kubernetes reads them, and the agents' requests and limits (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from components.settings import parse_quantity
from tests.settings.small_stack import parse, refused, set_in


@pytest.mark.parametrize(("size", "taken"), [("64Mi", True), ("67108863", False), ("64Gi", True), ("68719476737", False),
                                             ("63Mi", False), ("65Gi", False), ("1Gi", True)])
def test_buffer_size_from_64mi_to_64gi(size: str, taken: bool) -> None:
    change = set_in("agents.fluentd.buffer.totalLimitSize", size)
    if taken:
        assert parse(change).agents["fluentd"].settings.buffer.total_limit_size == size
    else:
        assert "64Mi to 64Gi" in refused(change, "agents.fluentd.buffer.totalLimitSize")


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("1n", Decimal("1e-9")), ("1u", Decimal("1e-6")), ("250m", Decimal("0.25")), ("1k", 1000),
     ("1M", 10**6), ("1G", 10**9), ("1T", 10**12), ("1P", 10**15), ("1E", 10**18), ("1Ki", 1024), ("1Mi", 2**20),
     ("1Gi", 2**30), ("1Ti", 2**40), ("1Pi", 2**50), ("1Ei", 2**60), ("1.5", Decimal("1.5")), (".5", Decimal("0.5")),
     ("+2", 2), ("2.", 2)],
)
def test_every_quantity_suffix_scales_as_kubernetes_does(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "1Ki ", " 1", "1KI", "1x", "-1", "1.2.3", "Mi"])
def test_malformed_quantities_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)


def resources(requests: dict, limits: dict) -> Callable[[dict], None]:
    return set_in("agents.nodeExporter.resources", {"requests": requests, "limits": limits})


def test_a_request_equal_to_its_limit_is_taken() -> None:
    settings = parse(resources({"cpu": "1", "memory": "1Gi"}, {"cpu": "1000m", "memory": "1024Mi"}))
    assert settings.agents["nodeExporter"].settings.resources.requests.cpu == "1"


@pytest.mark.parametrize(
    ("requests", "limits", "words"),
    [
        ({"cpu": "1001m", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}, "cpu request"),
        ({"cpu": "1", "memory": "1025Mi"}, {"memory": "1Gi"}, "memory request"),
        ({"cpu": "1"}, {"memory": "1Gi"}, "cpu and memory"),
        ({"memory": "1Gi"}, {"memory": "1Gi"}, "cpu and memory"),
        ({"cpu": "1", "memory": "1Gi"}, {"cpu": "2"}, "limits need memory"),
    ],
)
def test_inconsistent_resources_are_refused(requests: dict, limits: dict, words: str) -> None:
    assert words in refused(resources(requests, limits), "agents.nodeExporter.resources")


def test_numbers_are_quantities_too() -> None:
    settings = parse(resources({"cpu": 0.5, "memory": "64Mi"}, {"cpu": 1, "memory": "64Mi"}))
    assert settings.agents["nodeExporter"].settings.resources.requests.cpu == "0.5"
    assert settings.agents["nodeExporter"].settings.resources.limits.cpu == "1"


def test_a_boolean_quantity_is_refused_as_a_boolean_not_parsed_as_text() -> None:
    message = refused(resources({"cpu": True, "memory": "64Mi"}, {"memory": "64Mi"}),
                      "agents.nodeExporter.resources.requests.cpu")
    assert "true is not allowed" in message
