"""A refusal is one ``error:`` line that names the key as the stack file writes it, and nothing else.

A key holding a newline is written escaped, one holding brackets is quoted, a snake_case twin of a key is unknown
under its own name, a value of the wrong kind is told the kind allowed, a union member's name never shows as a key,
a broken Falco rules file is placed within the rules, and an ``--out`` that names a file leaves the file alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Union

import pytest

from components.settings import NAMESPACE
from tests.input.stack_answers import AGENTS, CLUSTER, NODE_GROUP, cli, stack, through_pulumi


# --------------------------------------------------------------------------------------------- 8. --out


@pytest.mark.parametrize("under", [False, True], ids=["a-file", "under-a-file"])
def test_out_naming_a_file_or_a_path_under_one_is_refused(tmp_path: Path, under: bool) -> None:
    existing = tmp_path / "existing"
    existing.write_text("keep me\n")
    out = existing / "render" if under else existing
    answer = cli(tmp_path, stack(), out=out)
    lines = answer.stderr.splitlines()
    assert answer.code == 2 and len(lines) == 1, answer.stderr
    assert lines[0].startswith(f"error: --out {out}: "), lines[0]
    assert existing.read_text() == "keep me\n"


# --------------------------------------------------------------------------------------------- 9. one line


def test_a_broken_rules_file_is_one_line_placed_in_the_rules(tmp_path: Path) -> None:
    rules = '"- rule: x\\n  desc: [unclosed\\n"'
    message = cli(tmp_path, stack({AGENTS: f"securityAgent: {{customRules: {rules}}}"}))
    assert message.message.startswith("eks-daemonsets:agents.securityAgent.customRules: rules file is not valid YAML: "
                                      "line 3, column 1: ")


def test_a_key_holding_a_newline_is_named_escaped_on_one_line(tmp_path: Path) -> None:
    message = cli(tmp_path, stack(lines=('"eks-daemonsets:clus\\nter": {}',))).message
    assert message.startswith('eks-daemonsets:"clus\\nter": unknown key'), message


# --------------------------------------------------------------------------------------------- 10. keys as written


def test_a_key_holding_brackets_is_named_as_written(tmp_path: Path) -> None:
    message = cli(tmp_path, stack({CLUSTER: "tags: {'tags[env]': [dev]}"})).message
    assert message.startswith('eks-daemonsets:cluster.tags["tags[env]"]: ["dev"] is not allowed'), message


def test_a_snake_case_key_is_unknown_and_named_as_written(tmp_path: Path) -> None:
    text = stack().replace("instanceTypes", "instance_types")
    message = cli(tmp_path, text).message
    assert "eks-daemonsets:nodeGroups[0].instance_types: unknown key" in message, message
    message = cli(tmp_path, stack({CLUSTER: "kubernetes_version: '1.33'"})).message
    assert message.startswith("eks-daemonsets:cluster.kubernetes_version: unknown key"), message


@pytest.mark.parametrize(
    "config, key, allowed",
    [
        ({"cluster": {"tags": {"team": ["a"]}}}, "cluster.tags.team", "allowed: text"),
        ({"cluster": ["a"]}, "cluster", "allowed: a map"),
        ({"nodeGroups": [dict(NODE_GROUP, instanceTypes="m7i.large")]}, "nodeGroups[0].instanceTypes",
         "allowed: a list"),
        ({"nodeGroups": [dict(NODE_GROUP, diskSizeGib=50.5)]}, "nodeGroups[0].diskSizeGib",
         "allowed: a whole number"),
    ],
    ids=["text", "map", "list", "whole-number"],
)
def test_a_value_of_the_wrong_kind_is_told_what_kind_is_allowed(config: dict, key: str, allowed: str) -> None:
    message = through_pulumi({f"{NAMESPACE}:{k}": v for k, v in config.items()})
    assert message.startswith(f"{NAMESPACE}:{key}: ") and message.endswith(allowed), message


# --------------------------------------------------------------------------------------------- union members


def test_a_union_members_tag_is_not_named_as_a_key() -> None:
    """pydantic puts a union member's name in an error's location (``vpc.VpcSettings.id``); the file has no such key."""
    from pydantic import BaseModel, ConfigDict, ValidationError

    from components.settings.messages import _location

    class Vpc(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: str

    class Cluster(BaseModel):
        vpc: Union[Literal["default"], Vpc]

    raw = {"vpc": {"idd": "vpc-1"}}
    with pytest.raises(ValidationError) as caught:
        Cluster.model_validate(raw)
    named = {_location(error, raw) for error in caught.value.errors()}
    assert ("vpc", "id") in named and ("vpc", "idd") in named, named
    assert not any("Vpc" in part for loc in named for part in loc if isinstance(part, str)), named
