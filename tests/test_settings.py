"""Stack settings: every mistake is caught before any resource, with one message naming the key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from components.settings import SettingsError, parse_settings
from tests.conftest import dev_config

NS = "eks-daemonsets"


def _raw(config: dict[str, Any]) -> dict[str, Any]:
    return {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(NS + ":")}


def _parse(config: dict[str, Any]):
    return parse_settings(_raw(config), project=NS, stack="test", region=config.get("aws:region"))


def _error(mutate) -> str:
    config = dev_config()
    mutate(config)
    with pytest.raises(SettingsError) as caught:
        _parse(config)
    return str(caught.value)


def test_dev_stack_parses_into_frozen_settings() -> None:
    settings = _parse(dev_config())
    assert settings.cluster_name == "dev-agents"
    assert [g.name for g in settings.node_groups] == ["system", "general", "gpu", "pci"]
    assert settings.node_groups[0].taints[0].effect == "NoSchedule"
    with pytest.raises(ValidationError, match="frozen"):
        settings.node_groups[0].name = "other"  # type: ignore[misc]


def _set(path: list, value: Any):
    def mutate(config: dict) -> None:
        target = config
        for part in path[:-1]:
            target = target.setdefault(part, {}) if isinstance(target, dict) else target[part]
        target[path[-1]] = value

    return mutate


def _group(index: int, key: str, value: Any):
    return _set([f"{NS}:nodeGroups", index, key], value)


BAD = [
    pytest.param(
        _set([f"{NS}:nodeGroups", 2, "taints", 0, "effect"], "NoSchedul"),
        f"{NS}:nodeGroups[2].taints[0].effect: \"NoSchedul\" is not allowed",
        "allowed: 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'",
        id="bad-taint-effect",
    ),
    pytest.param(
        _group(0, "instanceType", ["t3.large"]),
        f"{NS}:nodeGroups[0].instanceType: unknown key; allowed keys: amiType, capacityType, diskSizeGib, "
        "instanceTypes, labels, name, scaling, taints",
        "",
        id="unknown-key",
    ),
    pytest.param(
        _set([f"{NS}:agents", "fluentd", "targeting"], {"tolerations": [{"key": "a", "operator": "Exists", "efect": "NoSchedule"}]}),
        f"{NS}:agents.fluentd.targeting.tolerations[0].efect: unknown key; allowed keys: effect, key, operator, "
        "tolerationSeconds, value",
        "",
        id="unknown-key-inside-a-union",
    ),
    pytest.param(
        _group(1, "labels", {"node role": "general"}),
        f"{NS}:nodeGroups[1].labels",
        "node role",
        id="label-key-with-space",
    ),
    pytest.param(
        _group(1, "labels", {"tier": "-general"}),
        f"{NS}:nodeGroups[1].labels",
        "-general",
        id="label-value-bad-start",
    ),
    pytest.param(
        _group(0, "scaling", {"min": 3, "desired": 2, "max": 4}),
        f"{NS}:nodeGroups[0].scaling: min 3, desired 2, max 4 are out of order; allowed: min <= desired <= max",
        "",
        id="min-above-desired",
    ),
    pytest.param(
        _group(0, "scaling", {"min": 1, "desired": 5, "max": 4}),
        f"{NS}:nodeGroups[0].scaling: min 1, desired 5, max 4 are out of order",
        "",
        id="desired-above-max",
    ),
    pytest.param(
        _group(3, "name", "system"),
        f"{NS}:nodeGroups: node group name 'system' is used twice; allowed: each name once",
        "",
        id="duplicate-node-group",
    ),
    pytest.param(
        _group(0, "instanceTypes", []),
        f"{NS}:nodeGroups[0].instanceTypes: [] is not allowed",
        "allowed: at least 1 item(s)",
        id="no-instance-types",
    ),
    pytest.param(
        _set([f"{NS}:cluster", "kubernetesVersion"], "1.27"),
        f"{NS}:cluster.kubernetesVersion: '1.27' is not a Kubernetes version EKS supports; "
        "allowed: 1.32, 1.33, 1.34, 1.35, 1.36",
        "",
        id="unsupported-version",
    ),
    pytest.param(
        _group(0, "capacityType", "RESERVED"),
        f"{NS}:nodeGroups[0].capacityType: \"RESERVED\" is not allowed",
        "allowed: 'ON_DEMAND', 'SPOT' or 'CAPACITY_BLOCK'",
        id="bad-capacity-type",
    ),
    pytest.param(
        _group(0, "amiType", "UBUNTU"),
        f"{NS}:nodeGroups[0].amiType: 'UBUNTU' is not an EKS AMI type; allowed: ",
        "AL2023_x86_64_STANDARD",
        id="bad-ami-type",
    ),
    pytest.param(
        _group(0, "labels", {"eks.amazonaws.com/nodegroup": "x"}),
        f"{NS}:nodeGroups[0].labels",
        "reserved domain",
        id="reserved-label-domain",
    ),
    pytest.param(
        _group(0, "taints", [{"key": "a", "value": "1", "effect": "NoSchedule"}, {"key": "a", "value": "2", "effect": "NoSchedule"}]),
        f"{NS}:nodeGroups[0].taints: taint a:NoSchedule appears twice",
        "",
        id="duplicate-taint",
    ),
    pytest.param(
        _set([f"{NS}:agents", "securityAgent", "privileged"], True),
        f"{NS}:agents.securityAgent.privilegedReason: privileged: true needs a reason here",
        "",
        id="privileged-without-reason",
    ),
    pytest.param(
        _set([f"{NS}:agents", "fluentd", "targeting", "nodeAffinity"], [{"key": "node-role", "operator": "In"}]),
        f"{NS}:agents.fluentd.targeting.nodeAffinity[0]",
        "In",
        id="in-without-values",
    ),
    pytest.param(
        _set([f"{NS}:agents", "nodeExporter", "image"], "quay.io/prometheus/node-exporter:latest"),
        f"{NS}:agents.nodeExporter.image: 'quay.io/prometheus/node-exporter:latest' uses the floating tag 'latest'",
        "",
        id="floating-image",
    ),
    pytest.param(
        _set([f"{NS}:agents", "fluentd", "resources"], {"requests": {"cpu": "1", "memory": "512Mi"}, "limits": {"memory": "256Mi"}}),
        f"{NS}:agents.fluentd.resources: the memory request 512Mi exceeds the limit 256Mi; allowed: request <= limit",
        "",
        id="request-above-limit",
    ),
]


@pytest.mark.parametrize("mutate, starts, contains", BAD)
def test_invalid_setting_names_the_key_value_and_what_is_allowed(mutate, starts: str, contains: str) -> None:
    message = _error(mutate)
    assert message.startswith(starts), message
    assert contains in message
    assert "\n" not in message
    assert "Traceback" not in message


def test_missing_region_is_named() -> None:
    config = dev_config()
    del config["aws:region"]
    with pytest.raises(SettingsError, match=r"^aws:region: required key is missing"):
        _parse(config)


def test_missing_node_groups_is_named() -> None:
    with pytest.raises(SettingsError, match=rf"^{NS}:nodeGroups: required key is missing"):
        parse_settings({"cluster": {}}, project=NS, stack="t", region="us-west-2")


def test_settings_errors_stop_the_program_before_any_resource(run) -> None:
    config = dev_config()
    config[f"{NS}:nodeGroups"][0]["scaling"]["min"] = 9
    with pytest.raises(SettingsError):
        run(config)


def test_unknown_top_level_key_is_named(run) -> None:
    config = dev_config()
    config[f"{NS}:nodegroups"] = copy.deepcopy(config[f"{NS}:nodeGroups"])
    with pytest.raises(SettingsError, match=rf"^{NS}:nodegroups: unknown key; allowed keys: {NS}:agents"):
        run(config)
