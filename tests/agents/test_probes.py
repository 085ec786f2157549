"""The probes every agent's containers get, field by field (issue 15): what a mutation showed no test held."""

from __future__ import annotations

from components.agents.probes import http_probe, http_probes, tcp_probe


def test_http_probe_fields_are_exact() -> None:
    assert http_probe("/healthz", 8080, failures=3) == {
        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }
    assert http_probe("/h", "http", host="127.0.0.1", failures=1)["httpGet"] == {
        "path": "/h", "port": "http", "scheme": "HTTP", "host": "127.0.0.1",
    }


def test_http_probes_give_startup_five_minutes_and_readiness_one_failure() -> None:
    probes = http_probes("/h", 1)
    assert {name: probe["failureThreshold"] for name, probe in probes.items()} == {
        "startupProbe": 30, "livenessProbe": 3, "readinessProbe": 1,
    }
    assert all(probe["httpGet"] == {"path": "/h", "port": 1, "scheme": "HTTP"} for probe in probes.values())


def test_tcp_probe_fields_are_exact() -> None:
    assert tcp_probe(9000, failures=4) == {
        "tcpSocket": {"port": 9000}, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 4,
    }
