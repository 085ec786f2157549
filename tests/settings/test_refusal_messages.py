"""What a refusal says: the key as the stack file writes it, the keys allowed there, what each kind of mistake
allows (the essential words only), and several problems together in key order (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.settings.small_stack import group, refused, set_in


def test_a_stack_without_a_cluster_key_is_refused() -> None:
    message = refused(lambda raw: raw.pop("cluster"), "cluster")
    assert "required key is missing" in message


def test_a_stack_without_node_groups_is_refused() -> None:
    assert "no node groups and no node pools" in refused(lambda raw: raw.pop("nodeGroups"), "nodeGroups")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("nodeGroups.0.foo", "amiType, capacityType, clusterAddons, diskSizeGib, instanceTypes, labels, name, scaling, taints"),
        ("cluster.foo", "addonVersions, adminPrincipalArns, autoMode, controlPlaneLogging, endpointPublicAccess, "
                        "existing, kubernetesVersion, name, publicAccessCidrs, tags, vpc"),
        ("agents.fluentd.buffer.foo", "flushIntervalSeconds, totalLimitSize"),
    ],
)
def test_an_unknown_key_message_lists_the_keys_allowed_there(path: str, allowed: str) -> None:
    message = refused(set_in(path, 1), path.replace(".0.", "[0]."))
    assert "unknown key" in message
    assert allowed in message


def test_an_unknown_key_inside_a_list_of_tolerations_is_named_with_its_index() -> None:
    message = refused(set_in("agents.fluentd.targeting.tolerations", [{"key": "a", "operator": "Exists", "foo": 1}]),
                      "agents.fluentd.targeting.tolerations[0].foo")
    assert "effect, key, operator, tolerationSeconds, value" in message


@pytest.mark.parametrize(
    ("path", "value", "key", "words"),
    [
        ("nodeGroups.0.diskSizeGib", 19, "nodeGroups[0].diskSizeGib", "19 is not allowed; allowed: a number >= 20"),
        ("nodeGroups.0.diskSizeGib", 16385, "nodeGroups[0].diskSizeGib", "allowed: a number <= 16384"),
        ("nodeGroups.0.diskSizeGib", "big", "nodeGroups[0].diskSizeGib", '"big" is not allowed; allowed: a whole number'),
        ("nodeGroups.0.diskSizeGib", [1], "nodeGroups[0].diskSizeGib", "allowed: a whole number"),
        ("nodeGroups.0.instanceTypes", [], "nodeGroups[0].instanceTypes", "allowed: at least 1 item(s)"),
        ("nodeGroups.0.taints", [{"key": f"t{i}", "effect": "NoSchedule"} for i in range(51)], "nodeGroups[0].taints",
         "allowed: at most 50 item(s)"),
        ("agents.fluentd.outputs.cloudwatch.logGroupName", "", "agents.fluentd.outputs.cloudwatch.logGroupName",
         "allowed: at least 1 character(s)"),
        ("agents.fluentd.outputs.cloudwatch.logGroupName", "a" * 513, "agents.fluentd.outputs.cloudwatch.logGroupName",
         "allowed: at most 512 characters"),
        ("cluster.name", "a b", "cluster.name", "allowed: text matching ^[0-9A-Za-z][A-Za-z0-9\\-_]*$"),
        ("cluster.name", [1], "cluster.name", "is not allowed; allowed: text"),
        ("nodeGroups.0.taints", [{"key": "k", "effect": "Bad"}], "nodeGroups[0].taints[0].effect",
         "allowed: 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'"),
        ("agents.fluentd.coverage", "most", "agents.fluentd.coverage", "allowed: 'all' or 'any'"),
        ("agents.fluentd.enabled", "maybe", "agents.fluentd.enabled", "allowed: true or false"),
        ("agents.fluentd.enabled", [1], "agents.fluentd.enabled", "allowed: true or false"),
        ("nodeGroups.0.scaling", {"min": 1, "desired": 1}, "nodeGroups[0].scaling.max", "required key is missing"),
        ("nodeGroups.0.scaling", {"min": 2, "desired": 1, "max": 3}, "nodeGroups[0].scaling",
         "allowed: min <= desired <= max"),
    ],
)
def test_each_kind_of_refusal_says_what_is_allowed(path: str, value: Any, key: str, words: str) -> None:
    message = refused(set_in(path, value), key)
    assert words in message
    assert "Value error" not in message


def test_several_problems_are_reported_together_in_key_order() -> None:
    def change(raw: dict) -> None:
        group(raw)["diskSizeGib"] = 19
        group(raw)["capacityType"] = "NONE"
    message = refused(change, "nodeGroups[0].capacityType")
    assert "; eks-daemonsets:nodeGroups[0].diskSizeGib: 19 is not allowed" in message


def test_a_problem_inside_an_entry_is_reported_there_not_on_the_list() -> None:
    message = refused(set_in("nodeGroups.0.taints", [{"key": "k", "effect": "Bad"}]), "nodeGroups[0].taints[0].effect")
    assert "nodeGroups[0].taints:" not in message


def test_a_label_key_with_a_slash_or_odd_characters_is_quoted_in_the_key() -> None:
    message = refused(set_in("agents.fluentd.targeting.nodeSelector", {"a/b": "-x"}),
                      'agents.fluentd.targeting.nodeSelector["a/b"]')
    assert "label value" in message


def test_a_failing_default_is_named_by_its_stack_file_key() -> None:
    # privilegedReason's default (None) fails once privileged is true: pydantic locates it by the Python name.
    message = refused(set_in("agents.securityAgent.privileged", True), "agents.securityAgent.privilegedReason")
    assert "needs a reason" in message
