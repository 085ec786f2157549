"""Deep, long, huge and repeated input is refused quickly and briefly, naming its key, on both ways in.

Nesting, the number of values (YAML aliases counted at each use), the digits of a number, the length of a text and
the per-key bounds AWS and Kubernetes set are checked before anything else reads the value, by the offline render's
YAML reader and by the settings when the Pulumi CLI hands the config over; a message shows a huge value shortened.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from components.settings import NAMESPACE
from tests.input.stack_answers import AGENTS, CLUSTER, NODE_GROUP, cli, stack, through_pulumi


# --------------------------------------------------------------------------------------------- 4. deep nesting


def test_deep_nesting_is_refused_at_its_key_on_both_paths(tmp_path: Path) -> None:
    deep = "[" * 500 + "]" * 500
    message = cli(tmp_path, stack({CLUSTER: f"tags: {deep}"})).message
    assert message.startswith("eks-daemonsets:cluster.tags[0][0]"), message
    assert "nested more than 32 levels deep" in message
    for depth in (500, 5000):
        nested = "[" * depth + "]" * depth
        assert "eks-daemonsets:cluster" in through_pulumi({CLUSTER: '{"tags": ' + nested + "}"})


def test_the_pure_python_yaml_reader_is_bounded_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from components.input import stack_yaml

    monkeypatch.setattr(stack_yaml, "LOADER", stack_yaml.StrictPyLoader)
    deep = "[" * 2000 + "]" * 2000
    message = cli(tmp_path, stack({CLUSTER: f"tags: {deep}"})).message
    assert "nested more than 32 levels deep" in message


# --------------------------------------------------------------------------------------------- 6. long numbers


def test_a_number_of_thousands_of_digits_is_refused_at_its_key(tmp_path: Path) -> None:
    digits = "9" * 5000
    message = cli(tmp_path, stack({CLUSTER: f"tags: {{big: {digits}}}"})).message
    assert message.startswith("eks-daemonsets:cluster.tags.big: the number "), message
    assert "5000 digits" in message and len(message) < 300
    message = through_pulumi({CLUSTER: f'{{"tags": {{"big": {digits}}}}}'})
    assert "eks-daemonsets:cluster.tags.big: the number " in message and "5000 digits" in message


# --------------------------------------------------------------------------------------------- 11. fast and bounded


def test_the_image_pattern_answers_in_linear_time(tmp_path: Path) -> None:
    image = "a/" * 5000 + "a!"
    answer = cli(tmp_path, stack({AGENTS: f"fluentd: {{image: '{image}'}}"}))
    assert answer.message.startswith("eks-daemonsets:agents.fluentd.image: 'a/a/a/"), answer.message
    assert "is not an image reference" in answer.message and len(answer.message) < 500


# The classic "billion laughs": nine lists of nine aliases of the list before, 9^9 strings in under 700 bytes.
ALIAS_BOMB = "tags: {a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol], " + ", ".join(
    f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]" for prev, name in zip("abcdefgh", "bcdefghi")
) + "}"


def test_a_yaml_alias_bomb_is_refused_quickly_and_small(tmp_path: Path) -> None:
    text = stack({CLUSTER: ALIAS_BOMB})
    assert len(text.encode()) < 1000
    message = cli(tmp_path, text).message
    assert message.startswith("eks-daemonsets:cluster: holds more than 20000 values"), message


def test_ten_thousand_node_groups_are_refused_without_reading_them_all(tmp_path: Path) -> None:
    groups = ", ".join(json.dumps(dict(NODE_GROUP, name=f"g{i}")) for i in range(10_000))
    text = stack(values={f"{NAMESPACE}:nodeGroups": f"[{groups}]"})
    message = cli(tmp_path, text).message
    assert message.startswith("eks-daemonsets:nodeGroups: holds more than 20000 values"), message
    groups_json = json.dumps([dict(NODE_GROUP, name=f"g{i}") for i in range(10_000)])
    assert "eks-daemonsets:nodeGroups: holds more than 20000 values" in through_pulumi(
        {f"{NAMESPACE}:nodeGroups": groups_json}
    )


@pytest.mark.parametrize(
    "cluster",
    [
        lambda v: {"tags": {"team": v}},
        lambda v: {"name": v},
        lambda v: {"publicAccessCidrs": [v]},
        lambda v: {"adminPrincipalArns": [v]},
    ],
    ids=["tag", "name", "cidr", "admin"],
)
@pytest.mark.parametrize("size", [500_000, 10_000_000])
def test_a_huge_value_is_shown_shortened(cluster: Any, size: int) -> None:
    message = through_pulumi({CLUSTER: cluster("x" * size)})
    assert len(message) < 400, message[:400]
    assert f"({size} characters)" in message, message


def test_a_rules_file_is_bounded_like_the_stack_file() -> None:
    rules = "".join(f"- list: l{i}\n  items: [a, b, c]\n" for i in range(4000))
    message = through_pulumi({AGENTS: {"securityAgent": {"customRules": rules}}})
    assert message == (
        "eks-daemonsets:agents.securityAgent.customRules: rules file can't be read: the document: holds more than "
        "20000 values; allowed: at most 20000"
    )


def test_the_c_yaml_reader_is_used_where_pyyaml_has_it() -> None:
    from components.input import stack_yaml

    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml (its wheels on PyPI have it)")
    assert issubclass(stack_yaml.LOADER, yaml.CSafeLoader)


# --------------------------------------------------------------------------------------------- 12. accepted but wrong


def _many(count: int, item: Any) -> list[Any]:
    return [item(i) if callable(item) else item for i in range(count)]


@pytest.mark.parametrize(
    "cluster, agents, key, bound",
    [
        ({"tags": {f"k{i}": "v" for i in range(51)}}, None, "cluster.tags", "50"),
        ({"tags": {"k" * 129: "v"}}, None, "cluster.tags", "128"),
        ({"tags": {"aws:owner": "me"}}, None, "cluster.tags", "aws:"),
        ({"publicAccessCidrs": _many(41, lambda i: f"10.0.{i}.0/24")}, None, "cluster.publicAccessCidrs", "40"),
        ({"publicAccessCidrs": ["999.1.1.1/8"]}, None, "cluster.publicAccessCidrs[0]", "IPv4"),
        ({"adminPrincipalArns": _many(51, lambda i: f"arn:aws:iam::123456789012:role/r{i}")}, None,
         "cluster.adminPrincipalArns", "50"),
        (None, {"fluentd": {"targeting": {"tolerations": _many(51, {"operator": "Exists"})}}},
         "agents.fluentd.targeting.tolerations", "50"),
        (None, {"fluentd": {"targeting": {"nodeAffinity": _many(51, lambda i: {"key": f"k{i}", "operator": "In",
                                                                          "values": ["a"]})}}},
         "agents.fluentd.targeting.nodeAffinity", "50"),
        (None, {"securityAgent": {"privileged": True, "privilegedReason": "r" * 1001}},
         "agents.securityAgent.privilegedReason", "1000"),
        (None, {"securityAgent": {"customRules": "- list: l\n  items: []\n" + "#" * 600_000}},
         "agents.securityAgent.customRules", "524288"),
    ],
    ids=["tags-count", "tag-key-length", "tag-aws-prefix", "cidrs", "cidr-octet", "admins", "tolerations",
         "affinity", "privileged-reason", "custom-rules"],
)
def test_aws_and_kubernetes_bounds_are_kept(
    cluster: Optional[dict], agents: Optional[dict], key: str, bound: str
) -> None:
    message = through_pulumi({CLUSTER: cluster or {}, AGENTS: agents or {}})
    assert message.startswith(f"{NAMESPACE}:{key}"), message
    assert bound in message, message


def test_more_than_twenty_instance_types_is_refused() -> None:
    group = dict(NODE_GROUP, instanceTypes=[f"m{i}.large" for i in range(21)])
    message = through_pulumi({f"{NAMESPACE}:nodeGroups": [group]})
    assert message.startswith(f"{NAMESPACE}:nodeGroups[0].instanceTypes: ") and "at most 20" in message, message
