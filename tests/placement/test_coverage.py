"""Coverage rules: which agents must run on every node group or on at least one, and the messages when not."""

from __future__ import annotations

import pytest

from components.placement import Coverage, coverage_violations, placement
from components.targeting import NodeTargeting, TargetingError, Verdict
from tests.placement.examples import GPU, PCI, PLAIN, SECURITY, SYSTEM


def test_coverage_all_names_each_group_the_agent_misses() -> None:
    table = placement({"securityAgent": PLAIN}, [SYSTEM, GPU, PCI])
    assert coverage_violations(table, {"securityAgent": Coverage.ALL}) == [
        "agent securityAgent must run on every node group (coverage: all) but does not run on node group gpu: "
        "taint nvidia.com/gpu=true:NoSchedule is not tolerated",
        "agent securityAgent must run on every node group (coverage: all) but does not run on node group pci: "
        "taint compliance=pci:NoExecute is not tolerated",
    ]


def test_coverage_all_is_met_by_the_tolerate_all_agent() -> None:
    table = placement({"securityAgent": SECURITY}, [SYSTEM, GPU, PCI])
    assert coverage_violations(table, {"securityAgent": Coverage.ALL}) == []


def test_coverage_any_lists_every_group_when_the_agent_runs_nowhere() -> None:
    fluentd = NodeTargeting.build(node_selector={"node-role": "logging"})
    table = placement({"fluentd": fluentd}, [GPU, SYSTEM])
    assert coverage_violations(table, {"fluentd": "any"}) == [
        "agent fluentd must run on at least one node group (coverage: any) but runs on none: "
        "gpu: nodeSelector node-role=logging does not match (label missing); "
        "system: nodeSelector node-role=logging does not match (node has node-role=system)"
    ]


def test_coverage_any_is_met_by_one_group() -> None:
    table = placement({"fluentd": PLAIN}, [GPU, SYSTEM])
    assert coverage_violations(table, {"fluentd": Coverage.ANY}) == []


def test_coverage_any_with_no_node_groups_says_so() -> None:
    assert coverage_violations(placement({"fluentd": PLAIN}, []), {"fluentd": Coverage.ANY}) == [
        "agent fluentd must run on at least one node group (coverage: any) but runs on none: there are no node groups"
    ]


def test_agents_without_a_coverage_rule_are_not_checked() -> None:
    assert coverage_violations(placement({"x": PLAIN}, [GPU]), {}) == []


@pytest.mark.parametrize("coverage", [{"ghost": Coverage.ALL}, {"x": "most"}])
def test_coverage_rejects_unknown_agents_and_rules(coverage: dict) -> None:
    with pytest.raises(TargetingError):
        coverage_violations(placement({"x": PLAIN}, [GPU]), coverage)


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): behaviour no other test held
# --------------------------------------------------------------------------- #


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
