"""Planted faults in the rule generator must fail the promtool scenarios: the scenarios can tell right rules from
wrong ones. Each fault is one small change a careless edit could make; each must turn at least one scenario red, and
the scenario must be the one about what the fault breaks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from components.monitoring import alert_rules
from components.monitoring.kube_state_metrics import NODE_TAINT
from components.monitoring.promql import MatchOp, Matcher, selector
from components.targeting import LINUX_GUARD
from tests.monitoring.agents import rules_text
from tests.monitoring.promtool import unit_test_rules
from tests.monitoring.scenarios import SCENARIOS


def _without(label: str) -> Callable[[pytest.MonkeyPatch], None]:
    def plant(monkeypatch: pytest.MonkeyPatch) -> None:
        real = alert_rules.toleration_matchers
        monkeypatch.setattr(alert_rules, "toleration_matchers", lambda t: tuple(m for m in real(t) if m.label != label))

    return plant


def _prefer_no_schedule_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    def blocking(extra=()):  # the start of the taint expressions, with the PreferNoSchedule term dropped
        keys = [Matcher("key", MatchOp.NOT_EQUAL, key) for key in alert_rules.NODE_CONDITION_TAINTS]
        return selector(NODE_TAINT, (*keys, *extra))

    monkeypatch.setattr(alert_rules, "_blocking_taints", blocking)


def _fargate_guard_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alert_rules, "COVERED_NODES", (LINUX_GUARD,))


def _for_one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alert_rules, "alert_for_seconds", lambda rollout: 60)


GENERATOR_FAULTS = {
    "tolerations ignore the effect": (_without("effect"), "NodeAgentTaintNotTolerated"),
    "Equal tolerations ignore the value": (_without("value"), "NodeAgentTaintNotTolerated"),
    "PreferNoSchedule taints count": (_prefer_no_schedule_blocks, "NodeAgentTaintNotTolerated"),
    "Fargate nodes must be covered": (_fargate_guard_dropped, "NodeAgentMissingFromNode"),
    "for: ignores the rollout": (_for_one_minute, "NodeAgentMissingFromNode"),
}


def _all_scenarios(tmp_path: Path, text: str):
    return unit_test_rules(tmp_path, text, [make() for make in SCENARIOS.values()])


def test_the_scenarios_pass_without_a_fault(tmp_path: Path) -> None:
    outcome = _all_scenarios(tmp_path, rules_text())
    assert outcome.returncode == 0, outcome.output


@pytest.mark.parametrize("fault", GENERATOR_FAULTS)
def test_a_fault_in_the_generator_fails_promtool(fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant, alertname = GENERATOR_FAULTS[fault]
    plant(monkeypatch)
    outcome = _all_scenarios(tmp_path, rules_text())
    assert outcome.returncode != 0, f"promtool passed the rules with the fault '{fault}' planted"
    assert f"alertname: {alertname}," in outcome.output, outcome.output


def test_dropping_one_taint_term_fails_promtool(tmp_path: Path) -> None:
    # The mutation the issue names: one toleration's `unless` term gone from the generated rules.
    text = rules_text()
    term = re.compile(r'\n *unless\n *kube_node_spec_taint\{key="CriticalAddonsOnly"\}')
    mutated, count = term.subn("", text)
    assert count == 1, "the CriticalAddonsOnly term is where the mutation expects it"
    outcome = _all_scenarios(tmp_path, mutated)
    assert outcome.returncode != 0, "promtool passed the rules with a taint term dropped"
    assert "CriticalAddonsOnly" in outcome.output and "alertname: NodeAgentTaintNotTolerated," in outcome.output
