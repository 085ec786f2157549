"""Where an agent runs: its ``targeting`` keys, and the :class:`~components.targeting.NodeTargeting` built from them,
with every mistake named by its full config key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from pydantic import Field, field_validator

from components.input.limits import MAX_TARGETING_ITEMS
from components.placement import NODE_GROUP_LABEL
from components.settings.constants import EKS_NODEGROUP_LABEL
from components.settings.errors import SettingsError, config_key
from components.settings.model_base import _Model
from components.settings.values import Text
from components.targeting import LabelExpression, NodeTargeting, PreferredTerm, TargetingError, Toleration

if TYPE_CHECKING:
    from components.settings.agents import AgentSettings


class AffinityExpression(_Model):
    key: Text
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: tuple[Text, ...] = ()


class PreferredAffinity(_Model):
    weight: int = Field(ge=1, le=100)
    expressions: tuple[AffinityExpression, ...] = Field(min_length=1, max_length=MAX_TARGETING_ITEMS)


class TolerationSettings(_Model):
    key: Text = ""
    operator: Literal["Equal", "Exists"] = "Equal"
    value: Text = ""
    effect: Optional[Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]] = None
    # core/v1 Toleration.tolerationSeconds is an int64.
    toleration_seconds: Optional[int] = Field(default=None, le=2**63 - 1)


class TargetingSettings(_Model):
    """Where an agent runs: labels it needs, expressions that must all hold, and taints it tolerates."""

    node_selector: dict[str, Text] = Field(default_factory=dict)
    node_affinity: tuple[AffinityExpression, ...] = ()
    preferred_affinity: tuple[PreferredAffinity, ...] = ()
    tolerations: Union[Literal["all"], tuple[TolerationSettings, ...]] = "all"

    @field_validator("tolerations", mode="before")
    @classmethod
    def _all_or_list(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "all":
            raise ValueError(f"{value!r} is not allowed; allowed: 'all' (every taint) or a list of tolerations")
        return value

    @field_validator("node_selector", "node_affinity", "preferred_affinity", "tolerations", mode="before")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        # Kubernetes sets no count here; more than this is a paste gone wrong (EKS puts at most 50 taints on a node).
        if isinstance(value, (list, tuple, dict)) and len(value) > MAX_TARGETING_ITEMS:
            raise ValueError(f"{len(value)} items; allowed: at most {MAX_TARGETING_ITEMS}")
        return value


def _unknowable_node_group_label(base: tuple[Union[str, int], ...], raw: TargetingSettings) -> None:
    """Refuse aiming at ``eks.amazonaws.com/nodegroup``: EKS sets it to a name it generates when it creates the group."""
    keys: list[tuple[tuple[Union[str, int], ...], str]] = [(("nodeSelector", k), k) for k in raw.node_selector]
    keys += [(("nodeAffinity", i, "key"), e.key) for i, e in enumerate(raw.node_affinity)]
    keys += [
        (("preferredAffinity", i, "expressions", j, "key"), e.key)
        for i, term in enumerate(raw.preferred_affinity)
        for j, e in enumerate(term.expressions)
    ]
    for loc, key in keys:
        if key == EKS_NODEGROUP_LABEL:
            raise SettingsError(
                f"{config_key(base + loc)}: {EKS_NODEGROUP_LABEL!r} holds the name EKS gives the node group "
                f"(<name>-<unique suffix>), unknown before it exists; allowed: {NODE_GROUP_LABEL}, which every node "
                "carries with its node group's name from the stack file"
            )


def _targeting(agent_key: str, settings: AgentSettings) -> NodeTargeting:
    base = ("agents", agent_key, "targeting")
    raw = settings.targeting
    _unknowable_node_group_label(base, raw)
    required = []
    for index, expression in enumerate(raw.node_affinity):
        try:
            required.append(LabelExpression.from_k8s(expression.model_dump(by_alias=True)))
        except TargetingError as error:
            raise _targeting_error(base + ("nodeAffinity", index), error) from None
    preferred = []
    for index, term in enumerate(raw.preferred_affinity):
        expressions = []
        for position, expression in enumerate(term.expressions):
            try:
                expressions.append(LabelExpression.from_k8s(expression.model_dump(by_alias=True)))
            except TargetingError as error:
                raise _targeting_error(base + ("preferredAffinity", index, "expressions", position), error) from None
        preferred.append(PreferredTerm(weight=term.weight, expressions=tuple(expressions)))
    tolerations: Any = "all"
    if raw.tolerations != "all":
        tolerations = []
        for index, toleration in enumerate(raw.tolerations):
            try:
                tolerations.append(Toleration.from_k8s(toleration.model_dump(by_alias=True, exclude_none=True)))
            except TargetingError as error:
                raise _targeting_error(base + ("tolerations", index), error) from None
    try:
        return NodeTargeting.build(
            node_selector=raw.node_selector, required=required, preferred=preferred, tolerations=tolerations
        )
    except TargetingError as error:
        raise _targeting_error(base, error) from None


def _targeting_error(loc: tuple[Union[str, int], ...], error: TargetingError) -> SettingsError:
    return SettingsError(f"{config_key(loc + tuple(error.path))}: {error}")
