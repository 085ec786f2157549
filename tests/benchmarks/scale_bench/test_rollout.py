"""A rollout followed event by event (nodes without a ready or available agent, waves, completion), and
maxUnavailable as the DaemonSet controller scales it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.scale_bench.rollout import PodEvent, Rollout, count_waves, scaled_max_unavailable

OLD, NEW = "agent:1.0", "agent:1.1"


@pytest.mark.parametrize(
    ("max_unavailable", "desired", "max_surge", "expected"),
    [
        ("10%", 1000, 0, 100),
        ("10%", 875, 0, 88),  # 87.5 rounds up
        ("10%", 1, 0, 1),
        (None, 375, None, 1),  # no rollingUpdate: the API server's default of 1
        (25, 1000, 0, 25),
        (0, 1000, 0, 1),  # both 0: the controller accepts one
        (0, 1000, 1, 0),  # surging instead
    ],
)
def test_max_unavailable_scales_as_the_daemonset_controller_does(max_unavailable, desired, max_surge, expected) -> None:
    assert scaled_max_unavailable(max_unavailable, desired, max_surge=max_surge) == expected


def event(kind: str, uid: str, node: str, *, ready: bool = True, since: float = 0.0, image: str = OLD, deleting: bool = False) -> PodEvent:
    return PodEvent(kind, uid, node, deleting, ready, since if ready else None, image)


def test_a_watch_line_parses_into_a_pod_event() -> None:
    line = "MODIFIED|u1|ip-10-0-0-1|2026-11-28T05:04:01Z|True|2026-11-28T05:03:00Z|quay.io/x:v1\n"
    parsed = PodEvent.parse(line)
    assert parsed == PodEvent("MODIFIED", "u1", "ip-10-0-0-1", True, True, 1795842180.0, "quay.io/x:v1")
    assert parsed.gone
    assert PodEvent.parse("ADDED|u2|||||img").node == ""


def rolled(events: list[tuple[float, PodEvent]], *, nodes=("n1", "n2"), min_ready: int = 0) -> Rollout:
    rollout = Rollout(nodes=frozenset(nodes), new_image=NEW, min_ready_seconds=min_ready)
    for node in nodes:
        rollout.observe(event("ADDED", f"old-{node}", node), 0.0)
    rollout.started = 100.0
    for at, pod_event in events:
        rollout.observe(pod_event, at)
    return rollout


def replace(node: str, at: float, *, ready_after: float = 1.0) -> list[tuple[float, PodEvent]]:
    """The controller deletes the old pod, kwok removes it, the new pod is created, then turns ready."""
    return [
        (at, event("MODIFIED", f"old-{node}", node, deleting=True)),
        (at + 0.1, event("DELETED", f"old-{node}", node, deleting=True)),
        (at + 0.2, event("ADDED", f"new-{node}", node, ready=False, image=NEW)),
        (at + ready_after, event("MODIFIED", f"new-{node}", node, since=int(at + ready_after), image=NEW)),
    ]


def test_one_node_at_a_time_leaves_one_node_without_an_agent_and_makes_a_wave_per_node() -> None:
    rollout = rolled(replace("n1", 101) + replace("n2", 103))
    assert rollout.most_without_ready == 1
    assert rollout.waves() == 2
    assert rollout.finished == 104
    assert rollout.updated_nodes() == 2


def test_both_nodes_at_once_is_one_wave_with_two_nodes_without_an_agent() -> None:
    first, second = replace("n1", 101), replace("n2", 101.05)
    rollout = rolled(sorted(first + second, key=lambda pair: pair[0]))
    assert rollout.most_without_ready == 2
    assert rollout.waves() == 1


def test_a_terminating_pod_is_no_agent_even_while_it_still_says_ready() -> None:
    rollout = rolled([(101, event("MODIFIED", "old-n1", "n1", deleting=True))])
    assert rollout.most_without_ready == 1
    assert rollout.finished is None


def test_a_new_pod_counts_as_unavailable_until_ready_for_min_ready_seconds() -> None:
    # n1 is replaced and ready at 102; n2's old pod goes at 105, inside n1's 10 s: two unavailable, one without ready.
    events = replace("n1", 101) + [(105, event("MODIFIED", "old-n2", "n2", deleting=True))]
    rollout = rolled(events, min_ready=10)
    assert rollout.most_without_ready == 1
    assert rollout.most_unavailable == 2
    # Without minReadySeconds n1 is available as soon as it is ready.
    assert rolled(events).most_unavailable == 1


def test_the_rollout_is_not_finished_while_an_old_pod_remains() -> None:
    rollout = rolled(replace("n1", 101))
    assert rollout.finished is None
    assert rollout.updated_nodes() == 1


def test_waves_start_at_a_deletion_that_follows_a_new_pod_turning_ready() -> None:
    assert count_waves([], []) == 0
    assert count_waves([1.0, 1.01, 1.02], [2.0, 2.1, 2.2]) == 1
    assert count_waves([1.0, 1.01, 5.0, 5.01], [2.0, 2.1, 6.0, 6.1]) == 2
    # A deletion with no new pod ready since the previous one belongs to the same wave, however late.
    assert count_waves([1.0, 9.0], []) == 1


@given(st.integers(1, 40), st.integers(1, 10))
def test_a_lockstep_rollout_has_as_many_waves_as_batches(nodes, batch) -> None:
    deletions, readies = [], []
    for index in range(nodes):
        wave = index // batch
        deletions.append(wave * 10.0 + index * 0.001)
        readies.append(wave * 10.0 + 5.0 + index * 0.001)
    assert count_waves(deletions, readies) == -(-nodes // batch)
