"""The plan as a pure function over parsed settings (issue 15): what it returns, not only what the program does."""

from __future__ import annotations

import dataclasses

import pytest

from components.placement import NODE_GROUP_LABEL
from components.placement.plan import Plan, node_group_views, plan, plan_from_output
from components.settings import SettingsError, parse_settings
from components.targeting import Taint, TaintEffect, Verdict

NS = "eks-daemonsets"


def settings(groups: list[dict], agents: dict | None = None):
    raw = {"cluster": {"name": "case", "vpc": "default"}, "nodeGroups": groups, "agents": agents or {}}
    return parse_settings(raw, project=NS, stack="t", region="eu-west-1")


def group(name: str, **extra: object) -> dict:
    return {"name": name, "instanceTypes": ["m6i.large"], "scaling": {"min": 1, "desired": 1, "max": 2}, **extra}


def test_node_group_views_carry_the_taints_and_labels_of_each_group() -> None:
    views = node_group_views(settings([
        group("gpu", capacityType="SPOT", labels={"role": "gpu"},
              taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]),
        group("plain", amiType="AL2023_ARM_64_STANDARD", instanceTypes=["m7g.large", "m7g.xlarge"]),
    ]))
    assert [v.name for v in views] == ["gpu", "plain"]
    assert views[0].taints == (Taint("nvidia.com/gpu", "true", TaintEffect.NO_SCHEDULE),)
    assert views[0].label_map() == {
        NODE_GROUP_LABEL: "gpu",
        "eks.amazonaws.com/capacityType": "SPOT",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m6i.large",
        "role": "gpu",
    }
    assert views[1].taints == ()
    assert views[1].label_map()["kubernetes.io/arch"] == "arm64"
    assert "node.kubernetes.io/instance-type" not in views[1].label_map()


def test_plan_returns_the_table_of_the_enabled_agents() -> None:
    result = plan(settings(
        [group("a"), group("b", taints=[{"key": "x", "effect": "NoSchedule"}])],
        {"fluentd": {"enabled": False}, "nodeExporter": {"targeting": {"tolerations": [{"key": "y", "operator": "Exists"}]}}},
    ))
    assert result.table == {
        "nodeExporter": {"a": Verdict(True, ""), "b": Verdict(False, "taint x:NoSchedule is not tolerated")},
        "securityAgent": {"a": Verdict(True, ""), "b": Verdict(True, "")},
    }
    assert result.output() == {
        "nodeExporter": {"a": {"runs": True, "reason": ""}, "b": {"runs": False, "reason": "taint x:NoSchedule is not tolerated"}},
        "securityAgent": {"a": {"runs": True, "reason": ""}, "b": {"runs": True, "reason": ""}},
    }


def test_a_coverage_gap_names_the_first_failing_agent_key() -> None:
    nowhere = {"targeting": {"nodeSelector": {"role": "nowhere"}}}
    with pytest.raises(SettingsError) as caught:
        plan(settings([group("a")], {"fluentd": nowhere, "securityAgent": {"targeting": {"nodeSelector": {"role": "x"}}}}))
    message = str(caught.value)
    # fluentd comes before securityAgent in the agents order, so its key leads; both violations follow.
    assert message.startswith(f"{NS}:agents.fluentd.coverage: agent fluentd must run on at least one node group")
    assert "; agent securityAgent must run on every node group (coverage: all)" in message


def test_plan_from_output_renders_the_markdown_of_the_stack_output() -> None:
    output = {"a": {"g": {"runs": True, "reason": ""}, "h": {"runs": False, "reason": "why"}}}
    assert plan_from_output(output, ["h", "g"]).splitlines()[2:] == [
        "| node group | a |", "| --- | --- |", "| h | ❌ why |", "| g | ✅ runs |",
    ]


def test_plan_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Plan(table={}).table = {}  # type: ignore[misc]
