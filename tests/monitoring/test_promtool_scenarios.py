"""promtool runs the generated rules over synthetic kube-state-metrics history (tests/monitoring/scenarios.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.monitoring.agents import FALCO_FOR, rules_text
from tests.monitoring.promtool import check_rules, unit_test_rules
from tests.monitoring.scenarios import SCENARIOS


def test_the_scenarios_assume_falco_waits_eight_minutes() -> None:
    # 30 s grace + 300 s start-up + 10 s minReadySeconds + 120 s to see it = 460 s, rounded up to 8 minutes.
    assert FALCO_FOR == 8


def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(rules_text())
    outcome = check_rules(tmp_path / "rules.yaml")
    assert outcome.returncode == 0, outcome.output


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(name: str, tmp_path: Path) -> None:
    outcome = unit_test_rules(tmp_path, rules_text(), [SCENARIOS[name]()])
    assert outcome.returncode == 0, outcome.output
