"""Placement behaviour that mutation testing showed no other test held (issue 15)."""

from __future__ import annotations

import dataclasses

import pytest

from components.placement import (
    NODE_GROUP_LABEL,
    Coverage,
    NodeGroupView,
    coverage_violations,
    node_group_view,
    node_labels,
    placement,
    to_markdown,
)
from components.targeting import NodeTargeting, Taint, TaintEffect, TargetingError, Verdict


def view(name: str = "g", **overrides: object) -> NodeGroupView:
    args: dict = {
        "name": name, "labels": {}, "taints": [], "capacity_type": "ON_DEMAND",
        "ami_type": "AL2023_x86_64_STANDARD", "instance_types": ["m7i.large"],
    }
    args.update(overrides)
    return node_group_view(**args)


@dataclasses.dataclass(frozen=True)
class Group:
    name: str
    labels: dict = dataclasses.field(default_factory=dict)
    capacity_type: str = "ON_DEMAND"
    ami_type: str = "AL2023_x86_64_STANDARD"
    instance_types: tuple = ("m7i.large",)


def test_capacity_block_groups_are_labelled_as_such() -> None:
    assert view(capacity_type="CAPACITY_BLOCK").label_map()["eks.amazonaws.com/capacityType"] == "CAPACITY_BLOCK"


def test_an_empty_node_group_name_is_refused() -> None:
    with pytest.raises(TargetingError) as caught:
        view(name="")
    assert caught.value.path == ("name",)


@pytest.mark.parametrize("bad", ["", 7])
def test_an_empty_or_non_string_instance_type_is_refused_at_its_index(bad: object) -> None:
    with pytest.raises(TargetingError) as caught:
        view(instance_types=["m7i.large", bad])
    assert caught.value.path == ("instanceTypes", 1)
    assert caught.value.value == bad


def test_a_bad_label_value_names_its_key() -> None:
    with pytest.raises(TargetingError) as caught:
        view(labels={"role": "-bad"})
    assert caught.value.path == ("labels", "role")


def test_a_configured_instance_type_label_goes_when_there_are_several_types() -> None:
    labels = view(
        labels={"node.kubernetes.io/instance-type": "m7i.large"}, instance_types=["m7i.large", "m6i.large"]
    ).label_map()
    assert "node.kubernetes.io/instance-type" not in labels


def test_one_instance_type_wins_over_a_configured_instance_type_label() -> None:
    labels = view(labels={"node.kubernetes.io/instance-type": "x"}, instance_types=["c7i.xlarge"]).label_map()
    assert labels["node.kubernetes.io/instance-type"] == "c7i.xlarge"


def test_node_labels_of_a_custom_ami_group_have_no_arch() -> None:
    labels = node_labels(Group("c", labels={"kubernetes.io/arch": "arm64"}, ami_type="CUSTOM"))
    assert labels == {
        NODE_GROUP_LABEL: "c",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m7i.large",
    }


def test_windows_groups_are_labelled_windows_amd64() -> None:
    labels = view(ami_type="WINDOWS_CORE_2022_x86_64").label_map()
    assert (labels["kubernetes.io/os"], labels["kubernetes.io/arch"]) == ("windows", "amd64")


def test_the_view_keeps_the_node_group_name() -> None:
    assert view("system").name == "system"
    assert view("system").label_map()[NODE_GROUP_LABEL] == "system"


def test_views_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        view().name = "other"  # type: ignore[misc]


def test_taints_in_a_view_are_sorted_by_key_value_effect() -> None:
    b = Taint("b", "", TaintEffect.NO_SCHEDULE)
    a2 = Taint("a", "2", TaintEffect.NO_SCHEDULE)
    a1 = Taint("a", "1", TaintEffect.NO_EXECUTE)
    assert view(taints=[b, a2, a1]).taints == (a1, a2, b)


def test_placement_evaluates_each_group_with_its_own_labels_and_taints() -> None:
    spot = view("spot", capacity_type="SPOT")
    tainted = view("tainted", taints=[Taint("x", "", TaintEffect.NO_SCHEDULE)])
    agent = NodeTargeting.build(node_selector={"eks.amazonaws.com/capacityType": "SPOT"})
    table = placement({"a": agent}, [spot, tainted])
    assert table == {
        "a": {
            "spot": Verdict(True, ""),
            "tainted": Verdict(
                False,
                "nodeSelector eks.amazonaws.com/capacityType=SPOT does not match "
                "(node has eks.amazonaws.com/capacityType=ON_DEMAND)",
            ),
        }
    }


def test_coverage_all_accepts_the_plain_string_and_reports_only_missed_groups() -> None:
    table = {"a": {"one": Verdict(True, ""), "two": Verdict(False, "why")}}
    assert coverage_violations(table, {"a": "all"}) == [
        "agent a must run on every node group (coverage: all) but does not run on node group two: why"
    ]
    assert coverage_violations({"a": {"one": Verdict(True, "")}}, {"a": Coverage.ALL}) == []


def test_coverage_any_is_met_when_only_the_last_group_runs() -> None:
    table = {"a": {"one": Verdict(False, "x"), "two": Verdict(True, "")}}
    assert coverage_violations(table, {"a": "any"}) == []


def test_coverage_checks_only_listed_agents_in_table_order() -> None:
    table = {
        "b": {"g": Verdict(False, "no b")},
        "skip": {"g": Verdict(False, "no skip")},
        "a": {"g": Verdict(False, "no a")},
    }
    assert coverage_violations(table, {"a": "all", "b": "any"}) == [
        "agent b must run on at least one node group (coverage: any) but runs on none: g: no b",
        "agent a must run on every node group (coverage: all) but does not run on node group g: no a",
    ]


def test_unknown_coverage_names_the_agent_and_lists_what_is_allowed() -> None:
    with pytest.raises(TargetingError) as caught:
        coverage_violations({"x": {}}, {"ghost": "all"})
    assert (caught.value.path, caught.value.allowed) == (("ghost",), "x")
    with pytest.raises(TargetingError) as caught:
        coverage_violations({}, {"ghost": "all"})
    assert caught.value.allowed == "no agents"
    with pytest.raises(TargetingError) as caught:
        coverage_violations({"x": {}}, {"x": "most"})
    assert (caught.value.path, caught.value.allowed) == (("x",), "all, any")


def test_markdown_cells_turn_newlines_into_spaces() -> None:
    text = to_markdown({"a": {"g": Verdict(False, "line one\nline two")}}, ["g"])
    assert text.splitlines()[-1] == "| g | ❌ line one line two |"


def test_markdown_missing_group_error_names_agent_group_and_known_groups() -> None:
    with pytest.raises(TargetingError) as caught:
        to_markdown({"a": {"g": Verdict(True, "")}}, ["h"])
    assert (caught.value.path, caught.value.value, caught.value.allowed) == (("a", "h"), "h", "g")


def test_markdown_with_no_agents_has_one_column() -> None:
    assert to_markdown({}, ["g"]).splitlines()[2:] == ["| node group |", "| --- |", "| g |"]
