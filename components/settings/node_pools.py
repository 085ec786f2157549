"""``eks-daemonsets:nodePools``: Karpenter NodePools (``karpenter.sh/v1``), made by EKS Auto Mode or a self-managed
Karpenter: the labels and taints their nodes get, and the requirements that leave some labels open.

The checks are the NodePool CRD's own (sigs.k8s.io/karpenter v1.14.1, ``kwok/charts/crds/karpenter.sh_nodepools.yaml``:
``spec.template.metadata.labels``, ``spec.template.spec.requirements``, ``taints``, ``startupTaints``), so a pool the
preview accepts is one the API server admits.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.input.error_text import short_repr
from components.settings.model_base import _Model
from components.settings.values import Text
from components.targeting import validate_label_key, validate_label_value

#: The NodePool CRD's operators (v1.14: In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, Lte).
PoolOperator = Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"]
NUMERIC_OPERATORS = ("Gt", "Lt", "Gte", "Lte")
#: A NodePool is named like a label value, since Karpenter puts its name on every node (karpenter.sh/nodepool).
_POOL_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
POOL_NAME_MAX = 63
#: The only karpenter.sh keys the CRD lets a pool's labels and requirements name (karpenter.sh/nodepool only in
#: requirements' allowed list, and refused by a rule of its own).
KARPENTER_OPEN_KEYS = ("karpenter.sh/capacity-type",)
#: Our own label domain: pool nodes carry karpenter.sh/nodepool instead of our node-group label.
OUR_DOMAIN = "eks-daemonsets.io"


def _karpenter_key(key: str, what: str) -> str:
    """``key`` if the NodePool CRD lets a pool use it (``what``: label or requirement), else a ValueError."""
    validate_label_key(key)
    domain = key.split("/", 1)[0] if "/" in key else ""
    if key == "kubernetes.io/hostname":
        raise ValueError(f"{what} key {key!r} is restricted by Karpenter; allowed: any other key")
    if (domain == "karpenter.sh" or domain.endswith(".karpenter.sh")) and key not in KARPENTER_OPEN_KEYS:
        raise ValueError(
            f"{what} key {key!r} uses the karpenter.sh domain, which Karpenter reserves; allowed: "
            f"{', '.join(KARPENTER_OPEN_KEYS)} or a key outside it"
        )
    if domain == OUR_DOMAIN or domain.endswith("." + OUR_DOMAIN):
        raise ValueError(f"{what} key {key!r} uses this program's own domain; allowed: a key outside {OUR_DOMAIN}")
    return key


def _label_value(value: str) -> str:
    validate_label_value(value)
    return value


class PoolRequirement(_Model):
    """One of ``requirements``: a label the pool's nodes must satisfy, which Karpenter picks within."""

    key: Text
    operator: PoolOperator
    values: tuple[Text, ...] = Field(default=(), max_length=100)
    min_values: Optional[int] = Field(default=None, ge=1, le=50)

    @field_validator("key")
    @classmethod
    def _key(cls, key: str) -> str:
        if key == "karpenter.sh/nodepool":
            raise ValueError("'karpenter.sh/nodepool' is restricted by Karpenter; allowed: any other key")
        return _karpenter_key(key, "requirement")

    @field_validator("values")
    @classmethod
    def _values(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            _label_value(value)
        return values

    @model_validator(mode="after")
    def _values_fit_the_operator(self) -> "PoolRequirement":
        if self.operator in ("In", "NotIn") and not self.values:
            raise ValueError(f"operator {self.operator} needs values; allowed: one or more label values")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"operator {self.operator} takes no values; allowed: values: [] or no values key")
        if self.operator in NUMERIC_OPERATORS and not (len(self.values) == 1 and self.values[0].isdigit()):
            raise ValueError(
                f"operator {self.operator} takes one value, {short_repr(list(self.values))} given; allowed: a single "
                "non-negative integer"
            )
        if self.min_values is not None and self.operator == "In" and len(self.values) < self.min_values:
            raise ValueError(
                f"minValues {self.min_values} with {len(self.values)} values; allowed: at least minValues values"
            )
        if self.min_values is not None and self.operator == "DoesNotExist":
            raise ValueError("minValues with DoesNotExist leaves nothing to count; allowed: no minValues")
        return self


class PoolTaint(_Model):
    """A taint on every node of the pool (``taints``), or until something removes it (``startupTaints``)."""

    key: Text
    value: Text = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]

    @field_validator("key")
    @classmethod
    def _key(cls, key: str) -> str:
        validate_label_key(key)
        return key

    @field_validator("value")
    @classmethod
    def _value(cls, value: str) -> str:
        return _label_value(value)


class NodeClassRef(_Model):
    """The NodeClass a pool's nodes are launched from (``spec.template.spec.nodeClassRef``)."""

    group: Text = Field(min_length=1, pattern=r"^[^/]*$")
    kind: Text = Field(min_length=1)
    name: Text = Field(min_length=1)

    @property
    def label(self) -> tuple[str, str]:
        """The label Karpenter puts on each node for its NodeClass: ``<group>/<kind, lower case>: <name>``
        (karpenter pkg/apis/v1 labels.go NodeClassLabelKey; nodeclaimtemplate.go NewNodeClaimTemplate)."""
        return f"{self.group}/{self.kind.lower()}", self.name


#: EKS Auto Mode's built-in NodeClass, which the pools this program creates use.
AUTO_MODE_NODE_CLASS = NodeClassRef(group="eks.amazonaws.com", kind="NodeClass", name="default")


class NodePoolSettings(_Model):
    """One entry of ``eks-daemonsets:nodePools``."""

    name: Text
    labels: dict[Text, Text] = Field(default_factory=dict, max_length=100)
    taints: tuple[PoolTaint, ...] = Field(default=(), max_length=50)
    startup_taints: tuple[PoolTaint, ...] = Field(default=(), max_length=50)
    requirements: tuple[PoolRequirement, ...] = Field(default=(), max_length=100)
    node_class: Optional[NodeClassRef] = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not (len(name) <= POOL_NAME_MAX and _POOL_NAME.match(name)):
            raise ValueError(
                f"{short_repr(name)} is not a NodePool name; allowed: 1 to {POOL_NAME_MAX} lower-case letters, digits "
                "and '-', starting and ending with a letter or digit (it becomes the karpenter.sh/nodepool label)"
            )
        return name

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, str]) -> dict[str, str]:
        for key, value in labels.items():
            _karpenter_key(key, "label")
            _label_value(value)
        return dict(sorted(labels.items()))

    @field_validator("taints", "startup_taints")
    @classmethod
    def _one_taint_per_key_and_effect(cls, taints: tuple[PoolTaint, ...], info: ValidationInfo) -> tuple[PoolTaint, ...]:
        # A field validator, so the message names the list (nodePools[0].startupTaints), as node groups' taints do.
        key = "startupTaints" if info.field_name == "startup_taints" else "taints"
        seen = set()
        for taint in taints:
            if (taint.key, taint.effect) in seen:
                raise ValueError(f"taint {taint.key}:{taint.effect} appears twice in {key}; allowed: once")
            seen.add((taint.key, taint.effect))
        return taints


#: EKS Auto Mode's built-in ``system`` NodePool, which a new Auto Mode cluster keeps on: the built-in NodeClass, which
#: the stack's pools use, exists only while a built-in pool does (EKS user guide, "Create a Node Pool for EKS Auto
#: Mode": without built-in node pools "the default NodeClass is not automatically provisioned"). As AWS describes it
#: ("Enable or Disable Built-in NodePools"; EKS best practices guide, Auto Mode): on-demand C, M and R instances of
#: generation 5 and later, amd64 and arm64, tainted CriticalAddonsOnly:NoSchedule. Agents land on its nodes too, so
#: it has a row in the placement table.
AUTO_MODE_SYSTEM_POOL = NodePoolSettings(
    name="system",
    taints=(PoolTaint(key="CriticalAddonsOnly", effect="NoSchedule"),),
    requirements=(
        PoolRequirement(key="karpenter.sh/capacity-type", operator="In", values=("on-demand",)),
        PoolRequirement(key="eks.amazonaws.com/instance-category", operator="In", values=("c", "m", "r")),
        PoolRequirement(key="eks.amazonaws.com/instance-generation", operator="Gt", values=("4",)),
        PoolRequirement(key="kubernetes.io/arch", operator="In", values=("amd64", "arm64")),
        PoolRequirement(key="kubernetes.io/os", operator="In", values=("linux",)),
    ),
    node_class=AUTO_MODE_NODE_CLASS,
)
