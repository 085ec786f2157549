"""The whole stack through parse_settings: values at their bounds reach the settings, the defaults, the region,
the CloudWatch output turned off where it can't work, Amazon Linux 2 AMIs against the Kubernetes version, and a
frozen result (issue 15)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable

import pydantic
import pytest

from components.settings import SettingsError, parse_settings
from tests.settings.small_stack import BASE, NS, OIDC, existing, parse, refused, set_in

NUMBERS = [
    ("nodeGroups.0.diskSizeGib", 20, 19),
    ("nodeGroups.0.diskSizeGib", 16384, 16385),
    ("agents.fluentd.buffer.flushIntervalSeconds", 1, 0),
    ("agents.fluentd.buffer.flushIntervalSeconds", 300, 301),
    ("agents.fluentd.terminationGracePeriodSeconds", 30, 29),
    ("agents.fluentd.terminationGracePeriodSeconds", 600, 601),
    ("agents.nodeExporter.maxUnavailable", 1, 0),
]


@pytest.mark.parametrize(("path", "edge", "past"), NUMBERS)
def test_a_number_at_its_bound_is_taken_and_one_past_it_is_refused(path: str, edge: int, past: int) -> None:
    parse(set_in(path, edge))
    key = path.replace(".0.", "[0].")
    refused(set_in(path, past), key)


def test_the_values_at_the_bounds_reach_the_settings() -> None:
    settings = parse(lambda raw: (set_in("nodeGroups.0.diskSizeGib", 20)(raw),
                                  set_in("agents.fluentd.buffer.flushIntervalSeconds", 300)(raw),
                                  set_in("agents.fluentd.terminationGracePeriodSeconds", 30)(raw)))
    assert settings.node_groups[0].disk_size_gib == 20
    assert settings.agents["fluentd"].settings.buffer.flush_interval_seconds == 300
    assert settings.agents["fluentd"].settings.termination_grace_period_seconds == 30


def test_the_defaults_of_an_almost_empty_stack() -> None:
    settings = parse()
    group_ = settings.node_groups[0]
    assert (group_.capacity_type, group_.ami_type, group_.disk_size_gib, group_.labels, group_.taints) == (
        "ON_DEMAND", "AL2023_x86_64_STANDARD", 50, {}, ())
    cluster = settings.cluster
    assert cluster.endpoint_public_access is True
    assert cluster.kubernetes_version == "1.35"
    assert cluster.public_access_cidrs == ("0.0.0.0/0",)
    assert cluster.control_plane_logging == ("api", "audit", "authenticator", "controllerManager", "scheduler")
    assert cluster.admin_principal_arns == ()
    assert cluster.tags == {}
    assert settings.cluster_name == f"{NS}-t"
    fluentd = settings.agents["fluentd"].settings
    assert fluentd.outputs.stdout.enabled is False
    assert fluentd.outputs.cloudwatch.enabled is True
    assert fluentd.outputs.cloudwatch.retention_days == 30
    assert fluentd.outputs.cloudwatch.log_group_name is None
    assert fluentd.buffer.total_limit_size == "2Gi"
    assert fluentd.buffer.flush_interval_seconds == 5
    assert fluentd.termination_grace_period_seconds == 60
    assert fluentd.max_unavailable == "10%"
    assert fluentd.coverage == "any"
    assert settings.monitoring.prometheus_operator is False
    security = settings.agents["securityAgent"].settings
    assert (security.coverage, security.privileged, security.priority) == ("all", False, "notice")
    assert [key for key, agent in settings.agents.items() if agent.enabled] == ["nodeExporter", "fluentd", "securityAgent"]


def test_a_region_is_required_for_a_new_cluster() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(copy.deepcopy(BASE), project=NS, stack="t", region=None)
    assert str(caught.value).startswith("aws:region:")


def test_an_existing_cluster_without_cloudwatch_needs_no_region() -> None:
    raw = copy.deepcopy(BASE)
    raw["cluster"] = {"existing": {"kubeconfigPath": "/k"}}
    settings = parse_settings(raw, project=NS, stack="t", region=None)
    assert settings.region is None
    assert settings.agents["fluentd"].settings.outputs.cloudwatch.enabled is False


def test_settings_and_agents_are_frozen() -> None:
    settings = parse()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.stack = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.agents["fluentd"].key = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        settings.node_groups[0].name = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        settings.cluster.name = "other"  # type: ignore[misc]


def test_an_existing_cluster_without_oidc_sends_logs_to_stdout_and_says_so() -> None:
    settings = parse(existing())
    outputs = settings.agents["fluentd"].settings.outputs
    assert (outputs.cloudwatch.enabled, outputs.stdout.enabled) == (False, True)
    assert settings.notes == (
        f"{NS}:agents.fluentd.outputs.cloudwatch: off on an existing cluster without "
        f"{NS}:cluster.existing.oidcProviderArn (Fluentd's IAM role trusts that provider); logs go to stdout",
    )


@pytest.mark.parametrize(
    "change",
    [existing(oidcProviderArn=OIDC), set_in("agents.fluentd.enabled", False),
     set_in("agents.fluentd.outputs", {"cloudwatch": {"enabled": False}, "stdout": {"enabled": True}})],
)
def test_cloudwatch_is_left_alone_with_oidc_or_on_a_new_cluster_or_when_already_off(change: Callable[[dict], None]) -> None:
    def both(raw: dict) -> None:
        existing()(raw)
        change(raw)
    settings = parse(both)
    assert settings.notes == ()


@pytest.mark.parametrize(("ami", "version", "taken"), [("AL2_x86_64", "1.32", True), ("AL2_ARM_64", "1.33", False),
                                                       ("AL2023_ARM_64_STANDARD", "1.33", True)])
def test_al2_ami_types_end_with_kubernetes_1_32(ami: str, version: str, taken: bool) -> None:
    def change(raw: dict) -> None:
        set_in("nodeGroups.0.amiType", ami)(raw)
        set_in("cluster.kubernetesVersion", version)(raw)
    if taken:
        assert parse(change).node_groups[0].ami_type == ami
    else:
        assert "AL2023_ARM_64_STANDARD" in refused(change, "nodeGroups[0].amiType")


@pytest.mark.parametrize(("ami", "suggestion"), [("AL2_x86_64", "AL2023_x86_64_STANDARD"),
                                                 ("AL2_x86_64_GPU", "AL2023_x86_64_NVIDIA"),
                                                 ("AL2_ARM_64", "AL2023_ARM_64_STANDARD")])
def test_al2_ami_types_are_refused_suggesting_their_al2023_counterpart(ami: str, suggestion: str) -> None:
    def change(raw: dict) -> None:
        set_in("nodeGroups.0.amiType", ami)(raw)
        set_in("cluster.kubernetesVersion", "1.33")(raw)
    assert f"such as {suggestion}" in refused(change, "nodeGroups[0].amiType")
