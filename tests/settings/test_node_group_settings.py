"""eks-daemonsets:nodeGroups at its edges: scaling, counts, names, instance types, labels, taints and capacity
types (issue 15)."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from tests.settings.small_stack import group, parse, refused, set_in


@pytest.mark.parametrize(
    "scaling",
    [{"min": 0, "desired": 0, "max": 1}, {"min": 1, "desired": 2, "max": 2}, {"min": 1000, "desired": 1000, "max": 1000},
     {"min": 0, "desired": 1, "max": 1}],
)
def test_scaling_in_order_and_within_bounds_is_taken(scaling: dict) -> None:
    assert parse(set_in("nodeGroups.0.scaling", scaling)).node_groups[0].scaling.model_dump() == scaling


@pytest.mark.parametrize(
    ("scaling", "key"),
    [
        ({"min": -1, "desired": 0, "max": 1}, "nodeGroups[0].scaling.min"),
        ({"min": 0, "desired": -1, "max": 1}, "nodeGroups[0].scaling.desired"),
        ({"min": 0, "desired": 0, "max": 0}, "nodeGroups[0].scaling.max"),
        ({"min": 1001, "desired": 1, "max": 1}, "nodeGroups[0].scaling.min"),
        ({"min": 0, "desired": 1001, "max": 1}, "nodeGroups[0].scaling.desired"),
        ({"min": 0, "desired": 0, "max": 1001}, "nodeGroups[0].scaling.max"),
        ({"min": 1, "desired": 3, "max": 2}, "nodeGroups[0].scaling"),
        ({"min": 2, "desired": 1, "max": 3}, "nodeGroups[0].scaling"),
    ],
)
def test_scaling_out_of_bounds_or_order_is_refused(scaling: dict, key: str) -> None:
    refused(set_in("nodeGroups.0.scaling", scaling), key)


def test_node_groups_from_one_to_thirty() -> None:
    def groups(n: int) -> Callable[[dict], None]:
        def change(raw: dict) -> None:
            raw["nodeGroups"] = [{**group(raw), "name": f"g{i}"} for i in range(n)]
        return change

    assert len(parse(groups(30)).node_groups) == 30
    assert len(parse(groups(1)).node_groups) == 1
    refused(groups(31), "nodeGroups")
    refused(groups(0), "nodeGroups")


def test_fifty_taints_per_group_and_no_more() -> None:
    def taints(n: int) -> Callable[[dict], None]:
        return set_in("nodeGroups.0.taints", [{"key": f"t{i}", "effect": "NoSchedule"} for i in range(n)])

    assert len(parse(taints(50)).node_groups[0].taints) == 50
    refused(taints(51), "nodeGroups[0].taints")


@pytest.mark.parametrize(
    ("name", "taken"),
    [("a" * 36, True), ("a" * 37, False), ("", False), ("a", True), ("a-_9", True), ("-a", False), ("_a", False),
     ("a b", False), ("a.b", False), ("9a", True)],
)
def test_node_group_names(name: str, taken: bool) -> None:
    change = set_in("nodeGroups.0.name", name)
    if taken:
        assert parse(change).node_groups[0].name == name
    else:
        refused(change, "nodeGroups[0].name")


@pytest.mark.parametrize(
    ("instance_type", "taken"),
    [("m6i.large", True), ("u-6tb1.metal", True), ("M6i.large", False), ("m6i", False), ("m6i.large!", False),
     ("m6i.large x", False), ("6m.large", False), (".large", False)],
)
def test_instance_types(instance_type: str, taken: bool) -> None:
    change = set_in("nodeGroups.0.instanceTypes", [instance_type])
    if taken:
        assert parse(change).node_groups[0].instance_types == (instance_type,)
    else:
        refused(change, "nodeGroups[0].instanceTypes[0]")


@pytest.mark.parametrize(
    "key",
    ["kubernetes.io/role", "node.kubernetes.io/x", "k8s.io/x", "sub.k8s.io/x", "eks.amazonaws.com/x",
     "eks-daemonsets.io/node-group", "a.eks-daemonsets.io/x"],
)
def test_labels_in_reserved_domains_are_refused(key: str) -> None:
    message = refused(set_in("nodeGroups.0.labels", {key: "x"}), f'nodeGroups[0].labels["{key}"]')
    assert "reserved domain" in message


@pytest.mark.parametrize("key", ["notkubernetes.io/x", "example.com/x", "team", "k8s.io.example.com/x"])
def test_labels_outside_the_reserved_domains_are_taken(key: str) -> None:
    assert parse(set_in("nodeGroups.0.labels", {key: "x"})).node_groups[0].labels == {key: "x"}


def test_labels_are_sorted_and_typed_numbers_become_text() -> None:
    labels = parse(set_in("nodeGroups.0.labels", {"b": 1, "a": True, "c": False})).node_groups[0].labels
    assert list(labels.items()) == [("a", "true"), ("b", "1"), ("c", "false")]


def test_a_bad_label_value_is_refused() -> None:
    refused(set_in("nodeGroups.0.labels", {"a": "-x"}), "nodeGroups[0].labels.a")


@pytest.mark.parametrize("effect", ["NoSchedule", "PreferNoSchedule", "NoExecute"])
def test_every_taint_effect_is_taken(effect: str) -> None:
    settings = parse(set_in("nodeGroups.0.taints", [{"key": "k", "effect": effect}]))
    assert settings.node_groups[0].taints[0].effect == effect


@pytest.mark.parametrize("capacity", ["ON_DEMAND", "SPOT"])
def test_capacity_types(capacity: str) -> None:
    assert parse(set_in("nodeGroups.0.capacityType", capacity)).node_groups[0].capacity_type == capacity


def test_duplicate_node_group_names_and_taints_are_refused() -> None:
    refused(lambda raw: raw["nodeGroups"].append(copy.deepcopy(group(raw))), "nodeGroups")
    taints = [{"key": "k", "effect": "NoSchedule"}, {"key": "k", "value": "v", "effect": "NoSchedule"}]
    refused(set_in("nodeGroups.0.taints", taints), "nodeGroups[0].taints")
    ok = [{"key": "k", "effect": "NoSchedule"}, {"key": "k", "effect": "NoExecute"}]
    assert len(parse(set_in("nodeGroups.0.taints", ok)).node_groups[0].taints) == 2


def test_an_instance_type_listed_twice_is_refused() -> None:
    refused(set_in("nodeGroups.0.instanceTypes", ["m6i.large", "m6i.large"]), "nodeGroups[0].instanceTypes")
    refused(set_in("nodeGroups.0.instanceTypes", []), "nodeGroups[0].instanceTypes")
