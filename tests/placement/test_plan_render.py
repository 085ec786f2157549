"""The placement plan: hand-made stacks with known placements render the expected tables; gaps stop the program."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.render import render
from components.settings import SettingsError
from tests.conftest import dev_config, run_config

NS = "eks-daemonsets"


def group(name: str, **extra: Any) -> dict:
    return {"name": name, "instanceTypes": ["m6i.large"], "scaling": {"min": 1, "desired": 1, "max": 2}, **extra}


def stack(groups: list[dict], agents: dict) -> dict:
    return {"aws:region": "eu-west-1", f"{NS}:cluster": {"name": "case", "vpc": "default"}, f"{NS}:nodeGroups": groups, f"{NS}:agents": agents}


def placement_md(tmp_path: Path, config: dict) -> str:
    stack_file = tmp_path / "Pulumi.case.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))
    render(stack_file, tmp_path / "out")
    # The table only: the section after it (what each node gives up to the agents) has tests of its own.
    return (tmp_path / "out" / "placement.md").read_text().split("\n", 2)[2].split("\n\nWhat each new node")[0] + "\n"


def table(*rows: str) -> str:
    header = "| node group | nodeExporter | fluentd | securityAgent |\n| --- | --- | --- | --- |\n"
    return header + "".join(row + "\n" for row in rows)


def test_dev_stack_placement_tells_the_truth_for_every_node_group(dev) -> None:
    placement = dev.outputs["placement"]
    assert {agent: [g for g, cell in row.items() if cell["runs"]] for agent, row in placement.items()} == {
        "nodeExporter": ["system", "general", "gpu", "pci"],
        "fluentd": ["system", "general", "pci"],
        "securityAgent": ["system", "general", "gpu", "pci"],
    }
    assert placement["fluentd"]["gpu"] == {"runs": False, "reason": "requires node-role NotIn [gpu] (node has node-role=gpu)"}


def test_spot_only_agent_via_eks_capacity_type_label(tmp_path: Path) -> None:
    spot_only = {"targeting": {"nodeAffinity": [{"key": "eks.amazonaws.com/capacityType", "operator": "In", "values": ["SPOT"]}]}}
    config = stack([group("od"), group("spot", capacityType="SPOT")], {"fluentd": spot_only})
    assert placement_md(tmp_path, config) == table(
        "| od | ✅ runs | ❌ requires eks.amazonaws.com/capacityType In [SPOT] (node has eks.amazonaws.com/capacityType=ON_DEMAND) | ✅ runs |",
        "| spot | ✅ runs | ✅ runs | ✅ runs |",
    )


def test_arm64_versus_x86_64_groups_via_the_arch_label_from_the_ami_type(tmp_path: Path) -> None:
    arm_only = {"targeting": {"nodeSelector": {"kubernetes.io/arch": "arm64"}}}
    config = stack(
        [group("x86", amiType="AL2023_x86_64_STANDARD"), group("graviton", instanceTypes=["m7g.large"], amiType="AL2023_ARM_64_STANDARD")],
        {"nodeExporter": arm_only},
    )
    assert placement_md(tmp_path, config) == table(
        "| x86 | ❌ nodeSelector kubernetes.io/arch=arm64 does not match (node has kubernetes.io/arch=amd64) | ✅ runs | ✅ runs |",
        "| graviton | ✅ runs | ✅ runs | ✅ runs |",
    )


def test_gt_and_lt_on_a_numeric_label(tmp_path: Path) -> None:
    big_nodes = {"targeting": {"nodeAffinity": [{"key": "cores", "operator": "Gt", "values": ["8"]}]}}
    config = stack([group("small", labels={"cores": "4"}), group("large", labels={"cores": "16"})], {"fluentd": big_nodes})
    assert placement_md(tmp_path, config) == table(
        "| small | ✅ runs | ❌ requires cores Gt 8 (node has cores=4) | ✅ runs |",
        "| large | ✅ runs | ✅ runs | ✅ runs |",
    )


def test_tainted_gpu_and_no_execute_pci_groups_with_listed_tolerations(tmp_path: Path) -> None:
    gpu = group("gpu", taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}])
    pci = group("pci", taints=[{"key": "compliance", "value": "pci", "effect": "NoExecute"}])
    only_gpu = {"coverage": "any", "targeting": {"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}]}}
    config = stack([gpu, pci], {"nodeExporter": only_gpu, "securityAgent": {"coverage": "any", **only_gpu}})
    assert placement_md(tmp_path, config) == table(
        "| gpu | ✅ runs | ✅ runs | ✅ runs |",
        "| pci | ❌ taint compliance=pci:NoExecute is not tolerated | ✅ runs | ❌ taint compliance=pci:NoExecute is not tolerated |",
    )


def test_security_agent_kept_off_a_tainted_group_stops_the_program_before_any_resource() -> None:
    config = dev_config()
    config[f"{NS}:agents"]["securityAgent"]["targeting"] = {"tolerations": [{"operator": "Exists", "effect": "NoSchedule"}]}
    with pytest.raises(SettingsError) as caught:
        run_config(config)
    assert str(caught.value) == (
        f"{NS}:agents.securityAgent.coverage: agent securityAgent must run on every node group (coverage: all) "
        "but does not run on node group pci: taint compliance=pci:NoExecute is not tolerated"
    )


def test_agent_that_matches_no_node_group_breaks_coverage_any() -> None:
    config = dev_config()
    config[f"{NS}:agents"]["fluentd"]["targeting"] = {"nodeSelector": {"node-role": "batch"}}
    with pytest.raises(SettingsError, match=rf"^{NS}:agents\.fluentd\.coverage: agent fluentd must run on at least one node group \(coverage: any\) but runs on none: system: nodeSelector node-role=batch does not match"):
        run_config(config)


def test_disabled_agent_is_not_held_to_its_coverage() -> None:
    config = dev_config()
    config[f"{NS}:agents"]["securityAgent"].update(
        {"enabled": False, "targeting": {"nodeSelector": {"node-role": "nowhere"}}}
    )
    result = run_config(config)
    assert set(result.outputs["placement"]) == {"nodeExporter", "fluentd"}
