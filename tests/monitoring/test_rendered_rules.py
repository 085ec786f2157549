"""The rules the stacks actually ship: the render writes each agent's as a plain rules file (``alert-rules/``), what
its ConfigMap or PrometheusRule holds; promtool accepts every one, and the dev stack's fire as they should."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.monitoring import RULES_FILE_KEY, rules_file
from tests.judges import ROOT, rendered, stack_label, valid_stack_files
from tests.monitoring.promtool import Cluster, alerts_at, check_rules, scenario, unit_test_rules

DEV = ROOT / "Pulumi.dev.yaml"


def _rules_objects(stack_file: Path) -> dict[str, str]:
    """Each rules object of a render, as the rules file it holds, by object name."""
    held = {}
    for manifest in rendered(stack_file).manifests.values():
        if manifest["kind"] == "PrometheusRule":
            held[manifest["metadata"]["name"]] = rules_file(manifest["spec"]["groups"])
        elif manifest["kind"] == "ConfigMap" and RULES_FILE_KEY in manifest.get("data", {}):
            held[manifest["metadata"]["name"]] = manifest["data"][RULES_FILE_KEY]
    return held


@pytest.mark.parametrize("stack_file", valid_stack_files(), ids=stack_label)
def test_the_render_writes_each_rules_object_as_a_file_promtool_accepts(stack_file: Path) -> None:
    render = rendered(stack_file)
    assert render.error is None, render.error
    files = sorted((render.out / "alert-rules").glob("*.yaml")) if (render.out / "alert-rules").exists() else []
    held = _rules_objects(stack_file)
    assert {f.stem: f.read_text() for f in files} == held
    if files:
        outcome = check_rules(*files)
        assert outcome.returncode == 0, outcome.output


def test_the_dev_and_oldest_stacks_ship_rules_for_every_agent() -> None:
    for stack_file in (DEV, ROOT / "tests" / "stacks" / "Pulumi.oldest.yaml"):
        assert sorted(_rules_objects(stack_file)) == ["falco-alert-rules", "fluentd-alert-rules", "node-exporter-alert-rules"]


def test_the_dev_rules_fire_for_a_node_falco_misses_and_never_for_fargate(tmp_path: Path) -> None:
    text = (rendered(DEV).out / "alert-rules" / "falco-alert-rules.yaml").read_text()
    (missing,) = [r for r in yaml.safe_load(text)["groups"][0]["rules"] if r["alert"] == "NodeAgentMissingFromNode"]
    assert missing["for"] == "8m"
    cluster = Cluster().node("ip-10-0-1-5").node("fargate-ip-10-0-9-9", labels={"eks.amazonaws.com/compute-type": "fargate"})
    expected = {
        "exp_labels": {"agent": "falco", "daemonset": "falco", "namespace": "falco", "severity": "warning", "node": "ip-10-0-1-5"},
        "exp_annotations": {
            "agent": "falco",
            "node": "ip-10-0-1-5",
            "rule": "eks-daemonsets:agents.securityAgent.coverage: all",
            "summary": "falco has no running pod on node ip-10-0-1-5",
            "description": missing["annotations"]["description"],
        },
    }
    checks = [alerts_at(7, "NodeAgentMissingFromNode", []), alerts_at(8, "NodeAgentMissingFromNode", [expected])]
    outcome = unit_test_rules(tmp_path, text, [scenario(cluster, checks)])
    assert outcome.returncode == 0, outcome.output
