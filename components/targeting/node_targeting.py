"""The one targeting value object: its named constructor, its pod-spec rendering, and its verdict for a node.

The same :class:`NodeTargeting` renders the DaemonSet's scheduling fields (:meth:`NodeTargeting.pod_scheduling`) and
answers the placement question for a node (:meth:`NodeTargeting.evaluate`), so what we deploy and what we report
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from components.targeting.contradictions import _Constraint, _reject_contradictions
from components.targeting.errors import TargetingError
from components.targeting.label_expressions import FARGATE_GUARD, LINUX_GUARD, LabelExpression, Operator
from components.targeting.labels import _parse_go_int, validate_label_key, validate_label_value
from components.targeting.preferred_terms import PreferredTerm
from components.targeting.taints import Taint, TaintEffect
from components.targeting.tolerations import DAEMONSET_AUTOMATIC_TOLERATIONS, Toleration


@dataclass(frozen=True)
class Verdict:
    """Whether an agent's pod runs on a node, and if not, the first reason why.

    For a Karpenter NodePool, whose nodes differ, a third answer: it runs on some of them (``split`` says which).

    Attributes:
        runs: True when the DaemonSet would keep a pod on the node (on every node of a pool).
        reason: ``""`` when it runs; otherwise one line naming the blocker (on a pool's other nodes, for ``split``).
        split: for a pool whose nodes it runs on only in part, which ones (``only nodes with kubernetes.io/arch=amd64``).
    """

    runs: bool
    reason: str
    split: str = ""

    @property
    def some(self) -> bool:
        return bool(self.split)


@dataclass(frozen=True)
class NodeTargeting:
    """Where a DaemonSet's pods may run: nodeSelector, node affinity, tolerations.

    Build it with :meth:`build`, which validates, adds the default guards and
    rejects contradictions. The direct constructor only sorts and deduplicates.

    Attributes:
        node_selector: Exact label matches, sorted by key.
        required: Expressions that must all hold (rendered as one
            ``nodeSelectorTerm``, whose expressions Kubernetes ANDs).
        preferred: Scoring-only terms.
        tolerations: The pod's own tolerations (the DaemonSet controller adds
            :data:`DAEMONSET_AUTOMATIC_TOLERATIONS` on top).
    """

    node_selector: tuple[tuple[str, str], ...] = ()
    required: tuple[LabelExpression, ...] = ()
    preferred: tuple[PreferredTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_selector", tuple(sorted(dict(self.node_selector).items())))
        object.__setattr__(
            self, "required", tuple(sorted(set(self.required), key=LabelExpression.sort_key))
        )
        # Duplicated preferred terms are kept: each one adds its weight.
        object.__setattr__(
            self, "preferred", tuple(sorted(self.preferred, key=PreferredTerm.sort_key))
        )
        object.__setattr__(
            self, "tolerations", tuple(sorted(set(self.tolerations), key=Toleration.sort_key))
        )

    @classmethod
    def build(
        cls,
        *,
        node_selector: Mapping[str, str] | None = None,
        required: Sequence[LabelExpression] = (),
        preferred: Sequence[PreferredTerm] = (),
        tolerations: Sequence[Toleration] | Literal["all"] = (),
        keep_off_fargate: bool = True,
        linux_only: bool = True,
    ) -> NodeTargeting:
        """Validate, normalise and guard a DaemonSet's node targeting.

        Args:
            node_selector: Exact label matches.
            required: Expressions that must all hold.
            preferred: Scoring-only terms.
            tolerations: The pod's tolerations, or ``"all"`` for a single
                toleration of every taint (security/log agents that must be
                on every node).
            keep_off_fargate: Add :data:`FARGATE_GUARD` (Fargate cannot run
                DaemonSets; without it the pods sit Pending on Fargate "nodes").
            linux_only: Add :data:`LINUX_GUARD` (the agents ship Linux images).

        Returns:
            The normalised targeting.

        Raises:
            TargetingError: For a malformed entry, or a requirement that no
                node could satisfy together with the others. The path starts
                with the config key of the argument (``nodeSelector``,
                ``nodeAffinity`` for ``required``, ``preferredAffinity`` for
                ``preferred``, ``tolerations``), e.g. ``("nodeAffinity", 2)``
                or ``("nodeSelector", "kubernetes.io/os")``.
        """
        selector: dict[str, str] = {}
        if node_selector is not None:
            if not isinstance(node_selector, Mapping):
                raise TargetingError(
                    "node_selector must be a mapping of label key to value",
                    path=("nodeSelector",),
                    value=node_selector,
                    allowed="a mapping of label key to label value",
                )
            for key, value in node_selector.items():
                validate_label_key(key, path=("nodeSelector", key if isinstance(key, str) else repr(key)))
                validate_label_value(value, path=("nodeSelector", key))
                selector[key] = value

        if isinstance(required, (str, Mapping)) or not isinstance(required, Sequence):
            raise TargetingError(
                "required must be a list of LabelExpression",
                path=("nodeAffinity",),
                value=required,
                allowed="a list of LabelExpression",
            )
        for index, expression in enumerate(required):
            if not isinstance(expression, LabelExpression):
                raise TargetingError(
                    "must be a LabelExpression",
                    path=("nodeAffinity", index),
                    value=expression,
                    allowed="a LabelExpression (see LabelExpression.from_k8s)",
                )

        if isinstance(preferred, (str, Mapping)) or not isinstance(preferred, Sequence):
            raise TargetingError(
                "preferred must be a list of PreferredTerm",
                path=("preferredAffinity",),
                value=preferred,
                allowed="a list of PreferredTerm",
            )
        for index, term in enumerate(preferred):
            if not isinstance(term, PreferredTerm):
                raise TargetingError(
                    "must be a PreferredTerm",
                    path=("preferredAffinity", index),
                    value=term,
                    allowed="a PreferredTerm (see PreferredTerm.from_k8s)",
                )

        if isinstance(tolerations, str):
            if tolerations != "all":
                raise TargetingError(
                    "tolerations must be a list or the string 'all'",
                    path=("tolerations",),
                    value=tolerations,
                    allowed="'all' or a list of Toleration",
                )
            toleration_list: tuple[Toleration, ...] = (Toleration.everything(),)
        else:
            if isinstance(tolerations, Mapping) or not isinstance(tolerations, Sequence):
                raise TargetingError(
                    "tolerations must be a list or the string 'all'",
                    path=("tolerations",),
                    value=tolerations,
                    allowed="'all' or a list of Toleration",
                )
            for index, toleration in enumerate(tolerations):
                if not isinstance(toleration, Toleration):
                    raise TargetingError(
                        "must be a Toleration",
                        path=("tolerations", index),
                        value=toleration,
                        allowed="a Toleration (see Toleration.from_k8s)",
                    )
            # Everything-plus-others is kept as is: a NoExecute toleration with
            # tolerationSeconds still limits the stay even next to everything().
            toleration_list = tuple(tolerations)

        guards: list[_Constraint] = []
        if keep_off_fargate:
            guards.append(_Constraint(FARGATE_GUARD, f"{FARGATE_GUARD.describe()} (keep_off_fargate guard)", ()))
        if linux_only:
            guards.append(_Constraint(LINUX_GUARD, f"{LINUX_GUARD.describe()} (linux_only guard)", ()))
        constraints = [
            *guards,
            *(
                _Constraint(LabelExpression(key, Operator.IN, (value,)), f"nodeSelector {key}={value}", ("nodeSelector", key))
                for key, value in selector.items()
            ),
            *(
                _Constraint(expression, expression.describe(), ("nodeAffinity", index))
                for index, expression in enumerate(required)
            ),
        ]
        _reject_contradictions(constraints)

        return cls(
            node_selector=tuple(selector.items()),
            required=tuple(required) + tuple(g.expression for g in guards),
            preferred=tuple(preferred),
            tolerations=toleration_list,
        )

    # -- rendering --------------------------------------------------------- #

    def pod_scheduling(self) -> dict[str, Any]:
        """The pod-spec scheduling fields, in a stable order with sorted contents.

        Returns:
            A dict with, each only when non-empty: ``nodeSelector``,
            ``affinity.nodeAffinity`` (``requiredDuringSchedulingIgnoredDuringExecution``
            with one term, ``preferredDuringSchedulingIgnoredDuringExecution``)
            and ``tolerations``.
        """
        out: dict[str, Any] = {}
        if self.node_selector:
            out["nodeSelector"] = dict(self.node_selector)
        node_affinity: dict[str, Any] = {}
        if self.required:
            # One term: expressions inside a term are ANDed, terms are ORed.
            # The term must not be empty: an empty term matches no node.
            node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
                "nodeSelectorTerms": [{"matchExpressions": [e.to_k8s() for e in self.required]}]
            }
        if self.preferred:
            node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] = [
                term.to_k8s() for term in self.preferred
            ]
        if node_affinity:
            out["affinity"] = {"nodeAffinity": node_affinity}
        if self.tolerations:
            out["tolerations"] = [t.to_k8s() for t in self.tolerations]
        return out

    # -- placement --------------------------------------------------------- #

    def effective_tolerations(self) -> tuple[Toleration, ...]:
        """The tolerations the created pods carry: ours plus the DaemonSet controller's.

        The controller's automatic tolerations replace ours when they match
        the same key/operator/value/effect.
        """
        own = tuple(
            t for t in self.tolerations
            if not any(t._same_match_as(auto) for auto in DAEMONSET_AUTOMATIC_TOLERATIONS)
        )
        return own + DAEMONSET_AUTOMATIC_TOLERATIONS

    def untolerated(self, taints: Sequence[Taint]) -> list[Taint]:
        """The taints that keep this DaemonSet's pods off a node (PreferNoSchedule ones never do), sorted."""
        tolerations = self.effective_tolerations()
        return [
            taint for taint in sorted(taints, key=Taint.sort_key)
            if taint.effect is not TaintEffect.PREFER_NO_SCHEDULE and not any(t.tolerates(taint) for t in tolerations)
        ]

    def evaluate(self, labels: Mapping[str, str], taints: Sequence[Taint]) -> Verdict:
        """Would the DaemonSet keep a pod on a node with these labels and taints?

        Checks, in this order, reporting the first blocker: nodeSelector
        entries (by key), required expressions (sorted), then taints (sorted by
        key, value, effect). PreferNoSchedule taints and preferred terms never
        keep a pod off. A NoExecute taint counts as blocking when a matching
        toleration sets tolerationSeconds: the pod would be evicted after that
        time and recreated, over and over.

        Args:
            labels: The node's labels.
            taints: The node's taints.

        Returns:
            The verdict.
        """
        for key, want in self.node_selector:
            if labels.get(key) != want:
                return Verdict(False, f"nodeSelector {key}={want} does not match ({_node_has(key, labels)})")
        for expression in self.required:
            if not expression.matches(labels):
                return Verdict(False, f"requires {expression.describe()} ({_node_has(expression.key, labels, expression)})")
        tolerations = self.effective_tolerations()
        for taint in sorted(taints, key=Taint.sort_key):
            if taint.effect is TaintEffect.PREFER_NO_SCHEDULE:
                continue  # only lowers the node's score
            matching = [t for t in tolerations if t.tolerates(taint)]
            if not matching:
                return Verdict(False, f"taint {taint.describe()} is not tolerated")
            if taint.effect is TaintEffect.NO_EXECUTE:
                # The taint manager evicts after the smallest tolerationSeconds
                # among all matching tolerations.
                limits = [t.toleration_seconds for t in matching if t.toleration_seconds is not None]
                if limits:
                    return Verdict(
                        False,
                        f"taint {taint.describe()} is tolerated for only {min(limits)}s "
                        "(tolerationSeconds), then the pod is evicted",
                    )
        return Verdict(True, "")


def _node_has(key: str, labels: Mapping[str, str], expression: LabelExpression | None = None) -> str:
    if key not in labels:
        return "label missing"
    value = labels[key]
    text = f"node has {key}={value}"
    if expression is not None and expression.operator in (Operator.GT, Operator.LT):
        if _parse_go_int(value) is None:
            text += ", not an integer"
    return text
