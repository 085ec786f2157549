"""``eks-daemonsets:monitoring``: whether the coverage alert rules ship, and as which object."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from components.monitoring import RulesDelivery
from tests.settings.small_stack import parse, refused, set_in


@pytest.mark.parametrize(
    ("monitoring", "delivery"),
    [
        ({}, None),
        ({"prometheusOperator": True}, RulesDelivery.PROMETHEUS_RULE),
        ({"prometheusOperator": True, "alertRules": True}, RulesDelivery.PROMETHEUS_RULE),
        ({"prometheusOperator": True, "alertRules": False}, None),
        ({"alertRules": True}, RulesDelivery.CONFIG_MAP),
        ({"prometheusOperator": False, "alertRules": None}, None),
    ],
)
def test_alert_rules_follow_the_operator_unless_told(monitoring: dict[str, Any], delivery: Optional[RulesDelivery]) -> None:
    settings = parse(set_in("monitoring", monitoring))
    assert settings.monitoring.alert_rules_delivery() is delivery


@pytest.mark.parametrize("bad", ["often", 2, [True], {"enabled": True}])
def test_alert_rules_must_be_true_or_false(bad: Any) -> None:
    message = refused(set_in("monitoring.alertRules", bad), "monitoring.alertRules")
    assert "bool" in message or "true" in message.lower()
