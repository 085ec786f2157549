"""(e) An agent labelled to cover every node must tolerate every taint that would keep it off one."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from must_cover_policy import COVERAGE_LABEL
from tests.judges.policy_engine import violations
from tests.judges.policy_resources import good_daemonset, pod_spec


# --------------------------------------------------------------------------------------------- (e) must-cover


def must_cover(tolerations: Optional[list[dict[str, Any]]], *, on: str = "both") -> dict[str, Any]:
    daemonset = good_daemonset()
    if on == "template":
        daemonset["metadata"]["labels"].pop(COVERAGE_LABEL)
    if on == "daemonset":
        daemonset["spec"]["template"]["metadata"]["labels"].pop(COVERAGE_LABEL)
    if tolerations is None:
        pod_spec(daemonset).pop("tolerations")
    else:
        pod_spec(daemonset)["tolerations"] = tolerations
    return daemonset


@pytest.mark.parametrize(
    "tolerations",
    [
        [{"operator": "Exists"}],
        [{"key": "", "operator": "Exists", "effect": ""}],
        [{"operator": "Exists", "effect": "NoSchedule"}, {"operator": "Exists", "effect": "NoExecute"}],
    ],
)
def test_must_cover_tolerating_every_blocking_taint_passes(tolerations: list[dict[str, Any]]) -> None:
    assert violations("daemonset-must-cover-tolerations", must_cover(tolerations)) == []


@pytest.mark.parametrize("on", ["both", "daemonset", "template"])
def test_must_cover_without_tolerations_is_a_violation(on: str) -> None:
    assert violations("daemonset-must-cover-tolerations", must_cover(None, on=on)) == [
        "DaemonSet agents/agent is labelled eks-daemonsets.io/coverage: all but has no tolerations, so any tainted "
        "node group goes without it; add {operator: Exists} (every taint) or {operator: Exists, effect: NoSchedule} "
        "and {operator: Exists, effect: NoExecute}",
    ]


@pytest.mark.parametrize(
    ("tolerations", "missing"),
    [
        ([{"key": "nvidia.com/gpu", "operator": "Exists"}], "NoSchedule and every NoExecute"),
        ([{"operator": "Exists", "effect": "NoSchedule"}], "NoExecute"),
        ([{"operator": "Exists", "effect": "NoSchedule"}, {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}], "NoExecute"),
        ([{"operator": "Exists", "effect": "NoExecute"}, {"operator": "Exists", "effect": "PreferNoSchedule"}], "NoSchedule"),
        ([{"operator": "Equal", "effect": "NoSchedule"}, {"operator": "Exists", "effect": "NoExecute"}], "NoSchedule"),
    ],
)
def test_must_cover_with_partial_tolerations_names_the_missing_effects(tolerations: list[dict[str, Any]], missing: str) -> None:
    assert violations("daemonset-must-cover-tolerations", must_cover(tolerations)) == [
        f"DaemonSet agents/agent is labelled eks-daemonsets.io/coverage: all but does not tolerate every {missing} "
        "taint, so a node group tainted that way goes without it; add {operator: Exists} (every taint) or "
        "{operator: Exists, effect: <effect>} without tolerationSeconds",
    ]


def test_an_agent_that_may_skip_nodes_needs_no_tolerations() -> None:
    daemonset = must_cover(None)
    daemonset["metadata"]["labels"][COVERAGE_LABEL] = "any"
    daemonset["spec"]["template"]["metadata"]["labels"][COVERAGE_LABEL] = "any"
    assert violations("daemonset-must-cover-tolerations", daemonset) == []
