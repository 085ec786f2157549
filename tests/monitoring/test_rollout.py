"""The rules' timing: ``for:`` from one rollout step, and the number of pods a rollout may take down."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.monitoring.rollout import (
    DETECTION_SECONDS,
    START_UP_SECONDS,
    Rollout,
    alert_for_seconds,
    duration,
    step_seconds,
    unavailable_budget,
)


@pytest.mark.parametrize(
    ("grace", "min_ready", "seconds"),
    [
        (30, 10, 480),  # node-exporter and falco: 30 + 300 + 10 + 120 = 460 s, rounded up to 8 minutes
        (60, 10, 540),  # fluentd's default grace period: 490 s -> 9 minutes
        (600, 10, 1080),  # fluentd's longest: 1030 s -> 18 minutes
        (0, 0, 420),  # exactly 7 minutes stays 7
    ],
)
def test_for_is_one_step_and_the_time_to_see_it_in_whole_minutes(grace: int, min_ready: int, seconds: int) -> None:
    assert alert_for_seconds(Rollout("10%", min_ready, grace)) == seconds


def test_max_unavailable_does_not_lengthen_for() -> None:
    # A node waits only for its own step; maxUnavailable says how many nodes share one.
    assert {alert_for_seconds(Rollout(m, 10, 30)) for m in (1, 5, "1%", "10%", "100%")} == {480}


@given(
    grace=st.integers(min_value=0, max_value=3600),
    min_ready=st.integers(min_value=0, max_value=3600),
    more=st.integers(min_value=1, max_value=600),
)
def test_for_covers_the_step_and_grows_with_it(grace: int, min_ready: int, more: int) -> None:
    rollout = Rollout(1, min_ready, grace)
    seconds = alert_for_seconds(rollout)
    assert seconds % 60 == 0
    assert step_seconds(rollout) + DETECTION_SECONDS <= seconds < step_seconds(rollout) + DETECTION_SECONDS + 60
    assert step_seconds(rollout) == grace + START_UP_SECONDS + min_ready
    assert alert_for_seconds(Rollout(1, min_ready, grace + more)) >= seconds
    assert alert_for_seconds(Rollout(1, min_ready + more, grace)) >= seconds


@pytest.mark.parametrize(("seconds", "text"), [(480, "8m"), (3600, "1h"), (5400, "90m"), (90, "90s"), (0, "0s")])
def test_duration_is_the_largest_exact_unit(seconds: int, text: str) -> None:
    assert duration(seconds) == text


def test_a_count_is_its_own_budget_and_a_percentage_scales_rounding_up() -> None:
    assert unavailable_budget(2, "D") == "2"
    assert unavailable_budget("10%", "D") == "ceil(D * 10 / 100)"


@pytest.mark.parametrize("bad", [0, -1, True, "0%", "101%", "10", "ten%", 1.5])
def test_a_max_unavailable_kubernetes_would_not_roll_with_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="maxUnavailable"):
        Rollout(bad, 10, 30)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["min_ready_seconds", "termination_grace_period_seconds"])
def test_negative_seconds_are_refused(field: str) -> None:
    values = {"max_unavailable": 1, "min_ready_seconds": 10, "termination_grace_period_seconds": 30, field: -1}
    with pytest.raises(ValueError, match=field):
        Rollout(**values)
