"""(e) ``daemonset-must-cover-tolerations``: an agent labelled to cover every node tolerates every taint that would
keep it off one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from resource_props import _dig, _is_daemonset, _mapping, _object_name, _pod_spec, _pod_template, _sequence

__all__ = ["COVERAGE_LABEL"]

COVERAGE_LABEL = "eks-daemonsets.io/coverage"


def _tolerates_every(tolerations: Sequence[Any], effect: str) -> bool:
    """Whether some toleration matches every taint with ``effect``, for good (no tolerationSeconds)."""
    for toleration in tolerations:
        toleration = _mapping(toleration)
        if (
            toleration.get("key") in (None, "")
            and toleration.get("operator") == "Exists"
            and toleration.get("effect") in (None, "", effect)
            and toleration.get("tolerationSeconds") is None
        ):
            return True
    return False


def _must_cover(props: Mapping[str, Any]) -> bool:
    for labels in (_dig(props, "metadata", "labels"), _dig(_pod_template(props), "metadata", "labels")):
        if _mapping(labels).get(COVERAGE_LABEL) == "all":
            return True
    return False


def _validate_must_cover(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not _is_daemonset(args) or not _must_cover(args.props):
        return
    daemonset = _object_name(args.props, args.name)
    tolerations = _sequence(_pod_spec(args.props).get("tolerations"))
    if not tolerations:
        report_violation(
            f"DaemonSet {daemonset} is labelled {COVERAGE_LABEL}: all but has no tolerations, so any tainted node "
            "group goes without it; add {operator: Exists} (every taint) or {operator: Exists, effect: NoSchedule} "
            "and {operator: Exists, effect: NoExecute}",
            None,
        )
        return
    missing = [effect for effect in ("NoSchedule", "NoExecute") if not _tolerates_every(tolerations, effect)]
    if missing:
        report_violation(
            f"DaemonSet {daemonset} is labelled {COVERAGE_LABEL}: all but does not tolerate every "
            f"{' and every '.join(missing)} taint, so a node group tainted that way goes without it; add "
            "{operator: Exists} (every taint) or {operator: Exists, effect: <effect>} without tolerationSeconds",
            None,
        )
