"""Coverage, the plan and the report with NodePools: a 'runs on some' cell is a miss for coverage all and enough for
coverage any; an untolerated startup taint stops an agent that must cover every node; pools in placement.md and the
stack output."""

from __future__ import annotations

import pytest

from components.placement import Coverage, coverage_violations, placement, to_markdown, to_output
from components.placement.plan import plan, plan_from_output, startup_taint_violations
from components.settings import SettingsError, parse_settings
from components.targeting import Taint, TaintEffect, Toleration, Verdict
from tests.placement.examples import SYSTEM
from tests.placement.pool_examples import ARCH, GPU_TAINT, MIXED, agent, expr, pool

NS = "eks-daemonsets"
AMD64_ONLY = agent(expr(ARCH, "In", "amd64"))
GPU_POOL = pool("gpu", taints=[GPU_TAINT])
NOT_READY = Taint("example.com/not-ready", "", TaintEffect.NO_EXECUTE)


def test_coverage_all_counts_runs_on_some_as_a_miss_naming_pool_split_and_misses() -> None:
    table = placement({"securityAgent": AMD64_ONLY}, [SYSTEM], [MIXED])
    assert coverage_violations(table, {"securityAgent": Coverage.ALL}, pools=["general"]) == [
        "agent securityAgent must run on every node (coverage: all) but on node pool general runs on only nodes with "
        "kubernetes.io/arch=amd64: it misses nodes with kubernetes.io/arch=arm64"
    ]


def test_coverage_all_names_a_pool_it_does_not_run_on_as_a_node_pool() -> None:
    table = placement({"securityAgent": agent()}, [SYSTEM], [GPU_POOL])
    assert coverage_violations(table, {"securityAgent": "all"}, pools=["gpu"]) == [
        "agent securityAgent must run on every node (coverage: all) but does not run on node pool gpu: "
        "taint nvidia.com/gpu=true:NoSchedule is not tolerated"
    ]


def test_coverage_any_is_met_by_some_of_a_pool_and_not_by_none() -> None:
    some_only = placement({"fluentd": AMD64_ONLY}, [], [MIXED])
    assert coverage_violations(some_only, {"fluentd": Coverage.ANY}, pools=["general"]) == []
    nowhere = placement({"fluentd": agent(selector={"node-role": "logging"})}, [], [MIXED])
    (message,) = coverage_violations(nowhere, {"fluentd": Coverage.ANY}, pools=["general"])
    assert "runs on none" in message and "general: nodeSelector node-role=logging" in message


def test_a_startup_taint_an_agent_that_must_cover_every_node_does_not_tolerate_is_a_violation() -> None:
    pools = (pool("general", startup_taints=[NOT_READY]), pool("plain"))
    assert startup_taint_violations({"securityAgent": (agent(), "all"), "fluentd": (agent(), "any")}, pools) == [
        "agent securityAgent must run on every node (coverage: all) but is kept off each new node of pool general "
        "until its startup taint example.com/not-ready:NoExecute is removed; allowed: tolerate it"
    ]
    tolerant = agent(tolerations=[Toleration(key="example.com/not-ready", operator="Exists")])
    assert startup_taint_violations({"securityAgent": (tolerant, "all")}, pools) == []
    assert startup_taint_violations({"securityAgent": (agent(tolerations="all"), Coverage.ALL)}, pools) == []


def test_a_prefer_no_schedule_startup_taint_keeps_no_one_off() -> None:
    soft = (pool("general", startup_taints=[Taint("warming", "", TaintEffect.PREFER_NO_SCHEDULE)]),)
    assert startup_taint_violations({"securityAgent": (agent(), "all")}, soft) == []


def test_the_markdown_lists_pools_after_groups_with_a_some_cell_and_its_legend() -> None:
    table = placement({"fluentd": AMD64_ONLY, "falco": agent(tolerations="all")}, [SYSTEM], [MIXED, GPU_POOL])
    assert to_markdown(table, [SYSTEM], ["general", "gpu"]) == (
        "Agent placement by node group and NodePool: ✅ runs (on every node); 🟡 runs on some of a pool's nodes, "
        "naming which; ❌ does not run, with the first rule that keeps it off.\n"
        "\n"
        "| node group or pool | fluentd | falco |\n"
        "| --- | --- | --- |\n"
        "| system | ✅ runs | ✅ runs |\n"
        "| general (pool) | 🟡 runs on some: only nodes with kubernetes.io/arch=amd64 (misses nodes with "
        "kubernetes.io/arch=arm64) | ✅ runs |\n"
        "| gpu (pool) | ❌ taint nvidia.com/gpu=true:NoSchedule is not tolerated | ✅ runs |\n"
    )


def test_the_output_carries_some_only_on_some_cells_and_renders_back_the_same() -> None:
    table = placement({"fluentd": AMD64_ONLY}, [SYSTEM], [MIXED, GPU_POOL])
    output = to_output(table)
    assert output["fluentd"]["general"] == {
        "runs": False, "reason": "misses nodes with kubernetes.io/arch=arm64",
        "some": "only nodes with kubernetes.io/arch=amd64",
    }
    assert "some" not in output["fluentd"]["gpu"] and "some" not in output["fluentd"]["system"]
    assert plan_from_output(output, ["system"], ["general", "gpu"]) == to_markdown(table, ["system"], ["general", "gpu"])


def auto_mode_settings(pools: list[dict], agents: dict):
    raw = {"cluster": {"name": "case", "vpc": "default", "autoMode": True}, "nodePools": pools, "agents": agents}
    return parse_settings(raw, project=NS, stack="t", region="eu-west-1")


MIXED_POOL = {"name": "general", "requirements": [{"key": ARCH, "operator": "In", "values": ["amd64", "arm64"]}]}


def test_the_plan_has_a_row_for_the_built_in_system_pool_and_each_stack_pool() -> None:
    result = plan(auto_mode_settings([MIXED_POOL], {"fluentd": {"targeting": {"nodeAffinity": [
        {"key": ARCH, "operator": "In", "values": ["amd64"]}]}}}))
    assert [p.name for p in result.pools] == ["system", "general"]
    # The built-in system pool has both architectures too (AUTO_MODE_SYSTEM_POOL): the same split there.
    assert result.table["fluentd"]["system"] == result.table["fluentd"]["general"] == Verdict(
        False, "misses nodes with kubernetes.io/arch=arm64", split="only nodes with kubernetes.io/arch=amd64"
    )
    assert result.table["nodeExporter"]["system"].runs and result.table["securityAgent"]["general"].runs
    assert list(result.output()["fluentd"]) == ["system", "general"]


def test_an_agent_that_tolerates_nothing_stays_off_the_tainted_system_pool() -> None:
    result = plan(auto_mode_settings([MIXED_POOL], {"fluentd": {"targeting": {"tolerations": []}}}))
    assert result.table["fluentd"] == {
        "system": Verdict(False, "taint CriticalAddonsOnly:NoSchedule is not tolerated"),
        "general": Verdict(True, ""),
    }


def test_the_plan_stops_on_a_coverage_all_agent_that_runs_on_some_of_a_pool() -> None:
    with pytest.raises(SettingsError) as caught:
        plan(auto_mode_settings([MIXED_POOL], {"securityAgent": {"targeting": {"nodeAffinity": [
            {"key": ARCH, "operator": "In", "values": ["amd64"]}]}}}))
    assert str(caught.value).startswith(f"{NS}:agents.securityAgent.coverage: agent securityAgent must run on every node")
    assert "node pool general runs on only nodes with kubernetes.io/arch=amd64" in str(caught.value)


def test_the_plan_stops_on_an_untolerated_startup_taint() -> None:
    tainted = {**MIXED_POOL, "startupTaints": [{"key": "example.com/not-ready", "effect": "NoSchedule"}]}
    with pytest.raises(SettingsError, match=r"^eks-daemonsets:agents\.nodeExporter\.coverage: .*startup taint "
                                            r"example\.com/not-ready:NoSchedule"):
        plan(auto_mode_settings([tainted], {"nodeExporter": {"coverage": "all", "targeting": {"tolerations": [
            {"key": "CriticalAddonsOnly", "operator": "Exists"}]}}}))


def test_a_pool_whose_requirements_contradict_is_refused_naming_its_requirements() -> None:
    contradicting = {"name": "general", "requirements": [{"key": ARCH, "operator": "In", "values": ["s390x"]}]}
    with pytest.raises(SettingsError) as caught:
        plan(auto_mode_settings([MIXED_POOL, contradicting | {"name": "odd"}], {}))
    assert str(caught.value).startswith(f"{NS}:nodePools[1].requirements: the requirements on {ARCH} leave no value")
