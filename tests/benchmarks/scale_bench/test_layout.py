"""How the benchmark lays a cluster out: node counts in proportion to the node groups, and DaemonSets that share a
host port in separate phases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.scale_bench.layout import host_ports, phases, proportional_counts


def test_dev_node_groups_scale_to_1000_in_proportion() -> None:
    assert proportional_counts({"system": 2, "general": 3, "gpu": 1, "pci": 2}, 1000) == {
        "system": 250, "general": 375, "gpu": 125, "pci": 250,
    }


def test_proportional_counts_give_remainders_to_the_largest_fractions() -> None:
    assert proportional_counts({"a": 1, "b": 1, "c": 1}, 100) == {"a": 34, "b": 33, "c": 33}
    assert proportional_counts({"a": 1, "b": 2}, 10) == {"a": 3, "b": 7}


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 50), min_size=1, max_size=6), st.integers(0, 5000))
def test_proportional_counts_add_up_and_stay_within_one_of_the_exact_share(weights, total) -> None:
    if sum(weights.values()) == 0:
        with pytest.raises(ValueError):
            proportional_counts(weights, total)
        return
    counts = proportional_counts(weights, total)
    assert sum(counts.values()) == total
    for group, weight in weights.items():
        assert abs(counts[group] - total * weight / sum(weights.values())) < 1


def test_host_ports_come_from_host_network_container_ports_or_explicit_host_ports() -> None:
    spec = {"hostNetwork": True, "containers": [{"ports": [{"containerPort": 9100}]}, {"name": "no-ports"}]}
    assert host_ports(spec) == {("TCP", 9100)}
    assert host_ports({"containers": [{"ports": [{"containerPort": 8080}]}]}) == set()
    assert host_ports({"containers": [{"ports": [{"containerPort": 53, "hostPort": 53, "protocol": "UDP"}]}]}) == {("UDP", 53)}


def test_daemonsets_sharing_a_host_port_go_to_separate_phases_in_order() -> None:
    ports = {"ours": frozenset({("TCP", 9100)}), "logs": frozenset(), "theirs": frozenset({("TCP", 9100)}), "bit": frozenset({("TCP", 2020)})}
    assert phases(ports) == [["ours", "logs", "bit"], ["theirs"]]
