"""The placement table as Markdown (placement.md) and as the JSON-ready stack output."""

from __future__ import annotations

import json

import pytest

from components.placement import placement, to_markdown, to_output
from components.targeting import NodeTargeting, TargetingError, Verdict
from tests.placement.examples import GPU, PLAIN, SECURITY, SYSTEM


def test_markdown_table_is_exact() -> None:
    piped = NodeTargeting.build(node_selector={"node-role": "a"})
    table = placement({"securityAgent": SECURITY, "nodeExporter": PLAIN, "odd|agent": piped}, [SYSTEM, GPU])
    assert to_markdown(table, [GPU, "system"]) == (
        "Agent placement by node group: ✅ runs; ❌ does not run, with the first rule that keeps it off.\n"
        "\n"
        "| node group | securityAgent | nodeExporter | odd\\|agent |\n"
        "| --- | --- | --- | --- |\n"
        "| gpu | ✅ runs | ❌ taint nvidia.com/gpu=true:NoSchedule is not tolerated "
        "| ❌ nodeSelector node-role=a does not match (label missing) |\n"
        "| system | ✅ runs | ✅ runs | ❌ nodeSelector node-role=a does not match (node has node-role=system) |\n"
    )


def test_markdown_escapes_pipes_in_reasons() -> None:
    table = {"a": {"g": Verdict(False, "x | y")}}
    assert "| ❌ x \\| y |" in to_markdown(table, ["g"])


def test_markdown_rejects_a_group_missing_from_the_table() -> None:
    with pytest.raises(TargetingError):
        to_markdown(placement({"a": PLAIN}, [SYSTEM]), ["system", "gpu"])


def test_output_is_json_ready_and_ordered() -> None:
    table = placement({"nodeExporter": PLAIN}, [SYSTEM, GPU])
    output = to_output(table)
    assert json.loads(json.dumps(output)) == output
    assert output == {
        "nodeExporter": {
            "system": {"runs": True, "reason": ""},
            "gpu": {"runs": False, "reason": "taint nvidia.com/gpu=true:NoSchedule is not tolerated"},
        }
    }


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): behaviour no other test held
# --------------------------------------------------------------------------- #


def test_markdown_cells_turn_newlines_into_spaces() -> None:
    text = to_markdown({"a": {"g": Verdict(False, "line one\nline two")}}, ["g"])
    assert text.splitlines()[-1] == "| g | ❌ line one line two |"


def test_markdown_missing_group_error_names_agent_group_and_known_groups() -> None:
    with pytest.raises(TargetingError) as caught:
        to_markdown({"a": {"g": Verdict(True, "")}}, ["h"])
    assert (caught.value.path, caught.value.value, caught.value.allowed) == (("a", "h"), "h", "g")


def test_markdown_with_no_agents_has_one_column() -> None:
    assert to_markdown({}, ["g"]).splitlines()[2:] == ["| node group |", "| --- |", "| g |"]
