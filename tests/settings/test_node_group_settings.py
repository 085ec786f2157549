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


# --------------------------------------------------------------------------------------------- the EKS API's limits
# botocore's eks service-2.json (botocore 1.44, api 2017-11-01), as loaded by botocore.session: labelKey min 1 max 63,
# labelValue min 1 max 63, taintKey min 1 max 63, taintValue min 0 max 63. Kubernetes takes a 253-character key
# prefix and an empty label value; CreateNodegroup does not, and says so at `pulumi up`, after preview passed.


def test_label_keys_count_their_prefix_against_the_eks_limit_of_63() -> None:
    prefix = "a" * 40 + ".example.com"
    fits = f"{prefix}/" + "x" * (63 - len(prefix) - 1)
    assert parse(set_in("nodeGroups.0.labels", {fits: "v"})).node_groups[0].labels == {fits: "v"}
    message = refused(set_in("nodeGroups.0.labels", {fits + "y": "v"}), f'nodeGroups[0].labels["{fits}y"]')
    assert "64 characters" in message and "at most 63" in message


def test_an_empty_node_group_label_value_is_refused_though_kubernetes_takes_it() -> None:
    message = refused(set_in("nodeGroups.0.labels", {"team": ""}), "nodeGroups[0].labels.team")
    assert "empty" in message


def test_taint_keys_count_their_prefix_against_the_eks_limit_of_63() -> None:
    key = "example.com/" + "k" * 51
    assert parse(set_in("nodeGroups.0.taints", [{"key": key, "effect": "NoSchedule"}])).node_groups[0].taints
    message = refused(set_in("nodeGroups.0.taints", [{"key": key + "k", "effect": "NoSchedule"}]),
                      "nodeGroups[0].taints[0].key")
    assert "at most 63" in message


def test_a_taint_value_may_be_empty_or_63_characters() -> None:
    for value in ("", "v" * 63):
        assert parse(set_in("nodeGroups.0.taints", [{"key": "k", "value": value, "effect": "NoSchedule"}])).node_groups


def test_targeting_values_keep_the_kubernetes_rules() -> None:
    # An agent's selector only matches labels: the EKS limits are the node group API's, not Kubernetes'.
    long_key = "a" * 100 + ".example.com/x"
    settings = parse(set_in("agents.nodeExporter.targeting.nodeSelector", {long_key: ""}))
    assert settings.agents["nodeExporter"].targeting is not None


def test_at_most_one_linux_group_runs_the_cluster_add_ons() -> None:
    def marked(*names: str, ami: str = "AL2023_x86_64_STANDARD") -> Callable[[dict], None]:
        def change(raw: dict) -> None:
            raw["nodeGroups"] = [
                {**group(raw), "name": name, "clusterAddons": True, "amiType": ami} for name in names
            ]
        return change

    assert parse(marked("sys")).node_groups[0].cluster_addons is True
    assert "at most one" in refused(marked("a", "b"), "nodeGroups")
    assert "Windows" in refused(marked("win", ami="WINDOWS_CORE_2022_x86_64"), "nodeGroups[0].clusterAddons")
