"""Each agent's coverage alert rules as registered: a ConfigMap without the Prometheus Operator, a PrometheusRule with
it, nothing when off; generated from the very targeting and rollout values its DaemonSet is rendered from."""

from __future__ import annotations

import yaml

from components.agents.coverage_alerts import KSM_FLAG_ANNOTATION
from components.monitoring import RULES_FILE_KEY
from offline.mocks import RunResult
from tests.agents.registered import NS, daemonsets, k8s_object, with_agent
from tests.conftest import dev_config, run_config

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
AGENTS = ("node-exporter", "fluentd", "falco")


def _groups(result: RunResult, agent: str) -> list[dict]:
    rules = k8s_object(result, CONFIG_MAP, f"{agent}-alert-rules")
    return yaml.safe_load(rules["data"][RULES_FILE_KEY])["groups"]


def _alerts(result: RunResult, agent: str) -> list[str]:
    (group,) = _groups(result, agent)
    return [rule["alert"] for rule in group["rules"]]


def test_the_dev_stack_ships_each_agents_rules_in_a_config_map_beside_it(dev: RunResult) -> None:
    for agent in AGENTS:
        rules = k8s_object(dev, CONFIG_MAP, f"{agent}-alert-rules")
        assert rules["metadata"]["namespace"] == daemonsets(dev)[agent].inputs["metadata"]["namespace"]
        assert list(rules["data"]) == [RULES_FILE_KEY]
    assert not dev.of_type(PROMETHEUS_RULE)
    # node-exporter and falco must cover every node; fluentd need not, so it gets no node-level alert.
    assert _alerts(dev, "falco") == _alerts(dev, "node-exporter") == [
        "NodeAgentMissingFromNode",
        "NodeAgentCoverageRulesBlind",
        "NodeAgentTooManyUnavailable",
    ]
    assert _alerts(dev, "fluentd") == ["NodeAgentTooManyUnavailable"]


def test_the_objects_that_read_node_labels_say_which_kube_state_metrics_flag_they_need(dev: RunResult) -> None:
    flag = "--metric-labels-allowlist=nodes=[eks.amazonaws.com/compute-type,kubernetes.io/os]"
    for agent, needs in (("falco", True), ("node-exporter", True), ("fluentd", False)):
        annotations = k8s_object(dev, CONFIG_MAP, f"{agent}-alert-rules")["metadata"].get("annotations", {})
        assert (annotations.get(KSM_FLAG_ANNOTATION) == flag) is needs, agent


def test_with_the_operator_they_are_prometheus_rules() -> None:
    config = dev_config()
    config[f"{NS}:monitoring"] = {"prometheusOperator": True}
    result = run_config(config)
    rules = {r.inputs["metadata"]["name"]: r.inputs for r in result.of_type(PROMETHEUS_RULE)}
    assert sorted(rules) == sorted(f"{agent}-alert-rules" for agent in AGENTS)
    assert [g["name"] for g in rules["falco-alert-rules"]["spec"]["groups"]] == ["eks-daemonsets.falco"]
    assert not [r for r in result.of_type(CONFIG_MAP) if r.inputs["metadata"]["name"].endswith("-alert-rules")]


def test_off_means_no_rules_object() -> None:
    for monitoring in ({"prometheusOperator": False}, {"prometheusOperator": True, "alertRules": False}):
        config = dev_config()
        config[f"{NS}:monitoring"] = monitoring
        result = run_config(config)
        assert not result.of_type(PROMETHEUS_RULE)
        assert not [r for r in result.of_type(CONFIG_MAP) if r.inputs["metadata"]["name"].endswith("-alert-rules")]


def test_the_rules_wait_as_long_as_the_daemonset_rolls() -> None:
    # fluentd's grace period reaches for: (120 + 300 s start-up + 10 minReadySeconds + 120 s to see it: 10 minutes);
    # its maxUnavailable reaches the threshold.
    result = with_agent(fluentd={"terminationGracePeriodSeconds": 120, "maxUnavailable": 3})
    spec = daemonsets(result)["fluentd"].inputs["spec"]
    assert spec["template"]["spec"]["terminationGracePeriodSeconds"] == 120
    (group,) = _groups(result, "fluentd")
    (rule,) = group["rules"]
    assert rule["for"] == "10m"
    assert rule["expr"].endswith(" > 3")


def test_the_taint_rule_is_made_of_the_daemonsets_own_tolerations() -> None:
    tolerations = [
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
    ]
    result = with_agent(securityAgent={"targeting": {"tolerations": tolerations}, "coverage": "any"})
    pod_tolerations = daemonsets(result)["falco"].inputs["spec"]["template"]["spec"]["tolerations"]
    assert pod_tolerations == [
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
    ]
    # coverage any: no node-level rule at all, whatever the tolerations.
    assert _alerts(result, "falco") == ["NodeAgentTooManyUnavailable"]
    config = dev_config()
    config[f"{NS}:agents"]["securityAgent"]["targeting"] = {"tolerations": tolerations}
    config[f"{NS}:nodeGroups"] = [g for g in config[f"{NS}:nodeGroups"] if g["name"] in ("system", "general")]
    (group,) = _groups(run_config(config), "falco")
    (taint_rule,) = [r for r in group["rules"] if r["alert"] == "NodeAgentTaintNotTolerated"]
    assert 'kube_node_spec_taint{key="CriticalAddonsOnly"}' in taint_rule["expr"]
    assert 'kube_node_spec_taint{key="nvidia.com/gpu", value="true", effect="NoSchedule"}' in taint_rule["expr"]
