"""What one node gives up to the agents: a node group's node carries the agents that run there; a pool's new node, what
Karpenter reserves for DaemonSets (sigs.k8s.io/karpenter v1.14.1 pkg/controllers/provisioning/scheduling/scheduler.go,
buildDaemonOverheadGroups :972-1003 and isDaemonPodCompatible :1020-1043, cited by line below)."""

from __future__ import annotations

from decimal import Decimal

from components.placement.overhead import Overhead, format_cpu, format_memory, group_overhead, pool_overheads, to_output
from components.placement.report import overhead_markdown
from components.targeting import Taint, TaintEffect, Toleration, Verdict
from tests.placement.pool_examples import ARCH, CAPACITY, GPU_TAINT, MIXED, agent, expr, pool, req

MI = Decimal(1 << 20)
REQUESTS = {
    "nodeExporter": {"cpu": Decimal("0.05"), "memory": 64 * MI},
    "fluentd": {"cpu": Decimal("0.1"), "memory": 256 * MI},
    "falco": {"cpu": Decimal("0.1"), "memory": 512 * MI},
}
CPU = "karpenter.k8s.aws/instance-cpu"


def test_a_node_group_node_carries_the_agents_that_run_there() -> None:
    row = {"nodeExporter": Verdict(True, ""), "fluentd": Verdict(False, "taint"), "falco": Verdict(True, "")}
    assert group_overhead(row, REQUESTS) == Overhead("", Decimal("0.15"), 576 * MI, ("nodeExporter", "falco"))
    # A pool-like 'some' verdict is not a run on a node group's node.
    assert group_overhead({"fluentd": Verdict(False, "x", split="y")}, REQUESTS).agents == ()


def test_every_agent_on_a_pool_whose_nodes_all_take_it() -> None:
    (only,) = pool_overheads(MIXED, {name: agent(tolerations="all") for name in REQUESTS}, REQUESTS)
    assert only == Overhead("", Decimal("0.25"), 832 * MI, ("nodeExporter", "fluentd", "falco"))


def test_an_agent_that_does_not_tolerate_the_pool_taints_is_not_reserved() -> None:
    # :1024: scheduling.Taints(nodeClaimTemplate.Spec.Taints).ToleratesPod(pod).
    (only,) = pool_overheads(pool("gpu", taints=[GPU_TAINT]), {"fluentd": agent(), "falco": agent(tolerations="all")},
                             REQUESTS)
    assert only.agents == ("falco",)


def test_startup_taints_and_prefer_no_schedule_taints_do_not_keep_an_agent_out() -> None:
    # :1023 tolerates PreferNoSchedule for the daemon pod; :1024 reads Spec.Taints, not Spec.StartupTaints.
    soft = Taint("spot", "", TaintEffect.PREFER_NO_SCHEDULE)
    (only,) = pool_overheads(pool("p", taints=[soft], startup_taints=[GPU_TAINT]), {"fluentd": agent()}, REQUESTS)
    assert only.agents == ("fluentd",)


def test_a_no_execute_toleration_with_seconds_still_counts() -> None:
    # ToleratesPod matches the taint whatever tolerationSeconds says: Karpenter reserves the pod's requests.
    evict = Taint("example.com/evict", "", TaintEffect.NO_EXECUTE)
    brief = Toleration(key="example.com/evict", operator="Exists", effect="NoExecute", toleration_seconds=30)
    (only,) = pool_overheads(pool("p", taints=[evict]), {"fluentd": agent(tolerations=[brief])}, REQUESTS)
    assert only.agents == ("fluentd",)


def test_an_arch_split_gives_one_row_per_arch_with_only_the_agents_that_fit() -> None:
    # :975-980: per instance type, whose requirements must Intersect the pod's (:1033); arch is the instance type's.
    rows = pool_overheads(
        MIXED,
        {"nodeExporter": agent(), "fluentd": agent(expr(ARCH, "In", "amd64")), "falco": agent(expr(ARCH, "In", "arm64"))},
        REQUESTS,
    )
    assert rows == [
        Overhead("kubernetes.io/arch=amd64", Decimal("0.15"), 320 * MI, ("nodeExporter", "fluentd")),
        Overhead("kubernetes.io/arch=arm64", Decimal("0.15"), 576 * MI, ("nodeExporter", "falco")),
    ]


def test_a_split_by_a_label_the_instance_type_does_not_decide_is_reserved_everywhere() -> None:
    # :1030: the template's requirements need only be compatible (some value both allow) for a custom label or the
    # capacity type, so Karpenter reserves the agent on every node, though it lands on some only.
    team = pool("p", req("team", "In", "a", "b"))
    (only,) = pool_overheads(team, {"fluentd": agent(selector={"team": "a"}), "falco": agent()}, REQUESTS)
    assert only == Overhead("", Decimal("0.2"), 768 * MI, ("fluentd", "falco"), ("fluentd",))
    (spot,) = pool_overheads(MIXED, {"fluentd": agent(expr(CAPACITY, "In", "spot"))}, REQUESTS)
    assert (spot.agents, spot.not_landing) == (("fluentd",), ("fluentd",))


def test_a_custom_label_the_pool_does_not_define_keeps_an_agent_that_needs_it_out() -> None:
    # requirements.go Compatible: a custom key the template lacks is denied unless the pod asks NotIn/DoesNotExist.
    (only,) = pool_overheads(pool(), {"fluentd": agent(selector={"team": "a"}), "falco": agent(expr("team", "NotIn", "a"))},
                             REQUESTS)
    assert only.agents == ("falco",)


def test_rows_split_past_a_threshold_name_the_rules() -> None:
    rows = pool_overheads(pool(), {"fluentd": agent(expr(CPU, "Gt", "8"))}, REQUESTS)
    assert sorted((r.where, r.agents) for r in rows) == [(f"{CPU} Gt 8", ("fluentd",)), (f"not {CPU} Gt 8", ())]


def test_rows_for_nodes_with_and_without_a_gpu_label() -> None:
    gpu = "karpenter.k8s.aws/instance-gpu-count"
    rows = pool_overheads(pool(), {"nodeExporter": agent(), "fluentd": agent(expr(gpu, "DoesNotExist"))}, REQUESTS)
    assert {r.where: r.agents for r in rows}[f"no {gpu}"] == ("nodeExporter", "fluentd")
    assert len(rows) == 2 and all("nodeExporter" in r.agents for r in rows)


def test_the_output_is_in_millicores_and_mebibytes() -> None:
    assert (format_cpu(Decimal("0.25")), format_memory(832 * MI)) == ("250m", "832Mi")
    assert to_output(Overhead("", Decimal("0.1"), 256 * MI, ("fluentd",))) == {
        "cpu": "100m", "memory": "256Mi", "agents": ["fluentd"]}
    assert to_output(Overhead("kubernetes.io/arch=arm64", Decimal(0), Decimal(0), (), ("x",))) == {
        "cpu": "0m", "memory": "0Mi", "agents": [], "where": "kubernetes.io/arch=arm64", "reservedWhereItDoesNotRun": ["x"]}


def test_the_overhead_table_in_placement_md() -> None:
    per_node = {
        "system": [{"cpu": "150m", "memory": "576Mi", "agents": ["nodeExporter", "falco"]}],
        "general": [
            {"cpu": "250m", "memory": "832Mi", "agents": ["nodeExporter", "fluentd", "falco"],
             "reservedWhereItDoesNotRun": ["fluentd"]},
        ],
        "gpu": [{"cpu": "0m", "memory": "0Mi", "agents": [], "where": "kubernetes.io/arch=arm64"}],
    }
    assert overhead_markdown(per_node, ["general", "gpu"]).splitlines()[2:] == [
        "| node group or pool | nodes | cpu | memory | agents |",
        "| --- | --- | --- | --- | --- |",
        "| system | every node | 150m | 576Mi | nodeExporter, falco |",
        "| general (pool) | every node | 250m | 832Mi | nodeExporter, fluentd, falco (reserved on every such node, though "
        "fluentd runs on some only) |",
        "| gpu (pool) | kubernetes.io/arch=arm64 | 0m | 0Mi | none |",
    ]
