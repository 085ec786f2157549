"""An agent against a NodePool, by example: runs, does not run (with a node group's reason text), or runs on some,
naming the split and what it misses. The property test beside this file checks the same against sampled nodes."""

from __future__ import annotations

import pytest

from components.placement import placement
from components.placement.pool_cells import pool_verdict
from components.targeting import Taint, TaintEffect, Toleration, Verdict
from tests.placement.examples import group
from tests.placement.pool_examples import ARCH, CAPACITY, GPU_TAINT, MIXED, agent, expr, pool, req

CPU = "karpenter.k8s.aws/instance-cpu"
GPU_COUNT = "karpenter.k8s.aws/instance-gpu-count"
ZONE = "topology.kubernetes.io/zone"
EVICTING = Taint("example.com/evict", "", TaintEffect.NO_EXECUTE)
FOR_30S = Toleration(key="example.com/evict", operator="Exists", effect="NoExecute", toleration_seconds=30)


def test_an_agent_no_rule_of_which_tells_the_nodes_apart_runs_on_all() -> None:
    assert pool_verdict(agent(), MIXED) == Verdict(True, "")
    assert pool_verdict(agent(expr(ZONE, "Exists")), MIXED) == Verdict(True, "")
    assert pool_verdict(agent(expr(ARCH, "In", "amd64", "arm64")), MIXED) == Verdict(True, "")


def test_startup_taints_do_not_decide_the_cell() -> None:
    # They go once something removes them; whether an agent that must cover every node waits on one is the coverage
    # rule's question (plan.startup_taint_violations).
    assert pool_verdict(agent(), pool("p", startup_taints=[GPU_TAINT])) == Verdict(True, "")


@pytest.mark.parametrize(
    "targeting",
    [agent(expr(ARCH, "In", "amd64")), agent(selector={ARCH: "amd64"}), agent(expr(ARCH, "NotIn", "arm64"))],
)
def test_an_agent_on_one_arch_of_a_two_arch_pool_runs_on_some(targeting) -> None:
    assert pool_verdict(targeting, MIXED) == Verdict(
        False, "misses nodes with kubernetes.io/arch=arm64", split="only nodes with kubernetes.io/arch=amd64"
    )


def test_a_split_by_two_labels_names_both() -> None:
    verdict = pool_verdict(agent(expr(ARCH, "In", "amd64"), expr(CAPACITY, "In", "on-demand")), MIXED)
    assert verdict.some
    assert verdict.split == "only nodes with karpenter.sh/capacity-type=on-demand and kubernetes.io/arch=amd64"
    assert verdict.reason == "misses nodes with karpenter.sh/capacity-type=spot; nodes with kubernetes.io/arch=arm64"


def test_a_split_over_values_no_one_can_list_reads_as_the_rule() -> None:
    assert pool_verdict(agent(expr(CPU, "Gt", "8")), pool()) == Verdict(
        False, f"misses nodes where {CPU} Gt 8 does not hold", split=f"only nodes with {CPU} Gt 8"
    )
    both = pool_verdict(agent(expr(CPU, "Gt", "2"), expr(CPU, "Lt", "9")), pool())
    assert both.split == f"only nodes with {CPU} Gt 2 and {CPU} Lt 9"
    assert pool_verdict(agent(expr(ZONE, "NotIn", "us-west-2a")), pool()) == Verdict(
        False, f"misses nodes with {ZONE}=us-west-2a", split=f"only nodes with {ZONE} NotIn [us-west-2a]"
    )


def test_a_bound_of_the_pool_that_the_agent_shares_is_no_split() -> None:
    assert pool_verdict(agent(expr(CPU, "Gt", "3")), pool("p", req(CPU, "Gt", "3"))) == Verdict(True, "")
    assert pool_verdict(agent(expr(CPU, "Gt", "3")), pool("p", req(CPU, "Gt", "1"))).some
    assert not pool_verdict(agent(expr(CPU, "Lt", "3")), pool("p", req(CPU, "Gt", "5"))).some


def test_labels_only_some_nodes_carry_split_by_presence() -> None:
    plain = pool()
    assert pool_verdict(agent(expr(GPU_COUNT, "Exists")), plain) == Verdict(
        False, f"misses nodes with no {GPU_COUNT} label", split=f"only nodes with {GPU_COUNT} Exists"
    )
    absent = pool_verdict(agent(expr(GPU_COUNT, "DoesNotExist")), plain)
    assert absent.split == f"only nodes with no {GPU_COUNT} label"
    # NotIn matches a node without the label (k8s labels.Requirement.Matches), so GPU-less nodes pass too.
    assert pool_verdict(agent(expr(GPU_COUNT, "NotIn", "1")), plain).split == f"only nodes with {GPU_COUNT} NotIn [1]"
    nvme = "karpenter.k8s.aws/instance-local-nvme"
    assert pool_verdict(agent(expr(nvme, "Exists")), plain).split == f"only nodes with {nvme} Exists"
    assert pool_verdict(agent(expr(GPU_COUNT, "Exists")), pool("g", req(GPU_COUNT, "NotIn", "0"))).some
    # The pool asking for GPUs leaves no node without the label.
    assert not pool_verdict(agent(expr(GPU_COUNT, "DoesNotExist")), pool("g", req(GPU_COUNT, "Exists"))).some


def test_a_label_no_node_of_the_pool_has() -> None:
    # NotIn holds where the label is missing: every node.
    assert pool_verdict(agent(expr("team", "NotIn", "a")), pool()) == Verdict(True, "")
    assert pool_verdict(agent(expr("team", "DoesNotExist")), pool()) == Verdict(True, "")
    assert pool_verdict(agent(selector={"team": "a"}), pool()) == Verdict(
        False, "nodeSelector team=a does not match (label missing)"
    )
    # A requirement on it gives every node a value (nodeclaimtemplate.go:96-107): NotIn then splits.
    assert pool_verdict(agent(expr("team", "NotIn", "a")), pool("p", req("team", "In", "a", "b"))) == Verdict(
        False, "misses nodes with team=a", split="only nodes with team=b"
    )


@pytest.mark.parametrize(
    ("targeting", "labels", "taints", "requirements"),
    [
        (agent(selector={"node-role": "logging"}), {"node-role": "gpu"}, [], []),
        (agent(expr("node-role", "NotIn", "gpu")), {"node-role": "gpu"}, [], []),
        (agent(expr(ARCH, "In", "arm64")), {}, [], [req(ARCH, "In", "amd64")]),
        (agent(), {}, [GPU_TAINT], []),
        (agent(tolerations=[FOR_30S]), {}, [EVICTING], []),
    ],
)
def test_a_pool_none_of_whose_nodes_take_the_agent_says_what_a_node_group_would(
    targeting, labels: dict, taints: list, requirements: list
) -> None:
    arch = next((r[2][0] for r in requirements if r[0] == ARCH), "amd64")
    ami = "AL2023_ARM_64_STANDARD" if arch == "arm64" else "AL2023_x86_64_STANDARD"
    as_group = placement({"a": targeting}, [group("g", labels=labels, taints=taints, ami=ami)])["a"]["g"]
    as_pool = pool_verdict(targeting, pool("p", *requirements, labels=labels, taints=taints))
    assert not as_group.runs
    assert as_pool == as_group


def test_a_taint_blocks_every_node_of_a_pool_whatever_the_split() -> None:
    some_but_tainted = pool("p", req(ARCH, "In", "amd64", "arm64"), taints=[EVICTING])
    assert pool_verdict(agent(expr(ARCH, "In", "amd64"), tolerations=[FOR_30S]), some_but_tainted) == Verdict(
        False, "taint example.com/evict:NoExecute is tolerated for only 30s (tolerationSeconds), then the pod is evicted"
    )
    assert pool_verdict(agent(expr(ARCH, "In", "amd64"), tolerations="all"), some_but_tainted).some


def test_prefer_no_schedule_keeps_nothing_off() -> None:
    soft = pool("p", taints=[Taint("spot", "", TaintEffect.PREFER_NO_SCHEDULE)])
    assert pool_verdict(agent(), soft) == Verdict(True, "")


def test_the_placement_table_puts_pools_after_groups() -> None:
    table = placement({"a": agent(expr(ARCH, "In", "amd64"))}, [group("g")], [MIXED])
    assert list(table["a"]) == ["g", "general"]
    assert table["a"]["g"].runs and table["a"]["general"].some
