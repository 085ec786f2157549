"""Kubernetes node-matching rules for DaemonSet pods, in one place.

This package is the single implementation of "which nodes does this agent's pod
land on". The same frozen objects render the pod-spec scheduling fields
(:meth:`NodeTargeting.pod_scheduling`) and answer the placement question for a
node (:meth:`NodeTargeting.evaluate`), so what we deploy and what we report can
not drift apart.

The rules follow the Kubernetes API reference (core/v1 ``NodeSelectorRequirement``,
``Toleration``, ``Taint``) and the DaemonSet controller's behaviour. The package
is pure: no Pulumi, no I/O, standard library only (and components.input.error_text, itself
pure), deterministic output.

Where each rule lives:

- ``label_expressions``: In/NotIn/Exists/DoesNotExist/Gt/Lt and how each matches a node's labels; the Fargate and
  Linux guards.
- ``taints`` and ``tolerations``: taint effects, how a toleration matches a taint, and the tolerations the DaemonSet
  controller adds to every pod.
- ``preferred_terms``: weighted, scoring-only affinity terms.
- ``node_targeting``: :class:`NodeTargeting`, built with :meth:`NodeTargeting.build`, and its :class:`Verdict` for a
  node.
- ``contradictions``: the check that refuses requirements no node could meet together.
- ``labels``, ``errors``, ``input_checks``: label syntax, :class:`TargetingError` and its path, checks on raw input.
"""

from components.targeting.errors import PathPart, TargetingError, format_path
from components.targeting.label_expressions import FARGATE_GUARD, LINUX_GUARD, LabelExpression, Operator
from components.targeting.labels import validate_label_key, validate_label_value
from components.targeting.node_targeting import NodeTargeting, Verdict
from components.targeting.preferred_terms import PreferredTerm
from components.targeting.taints import Taint, TaintEffect
from components.targeting.tolerations import DAEMONSET_AUTOMATIC_TOLERATIONS, Toleration, TolerationOperator

__all__ = [
    "DAEMONSET_AUTOMATIC_TOLERATIONS",
    "FARGATE_GUARD",
    "LINUX_GUARD",
    "LabelExpression",
    "NodeTargeting",
    "Operator",
    "PathPart",
    "PreferredTerm",
    "Taint",
    "TaintEffect",
    "TargetingError",
    "Toleration",
    "TolerationOperator",
    "Verdict",
    "format_path",
    "validate_label_key",
    "validate_label_value",
]
