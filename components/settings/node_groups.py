"""``eks-daemonsets:nodeGroups``: each EKS managed node group, with its scaling, AMI type, labels and taints."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.placement import AMI_ARCH
from components.settings.model_base import _Model
from components.settings.node_pools import PoolTaint
from components.settings.values import EksName, InstanceType, NodeLabels, Text, eks_key_length
from components.targeting import validate_label_key


class Scaling(_Model):
    min: int = Field(ge=0, le=1000)
    desired: int = Field(ge=0, le=1000)
    max: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> "Scaling":
        if not self.min <= self.desired <= self.max:
            raise ValueError(
                f"min {self.min}, desired {self.desired}, max {self.max} are out of order; allowed: min <= desired <= max"
            )
        return self


class TaintSettings(PoolTaint):
    """A node group's taint: a Kubernetes taint within the EKS node group API's limits."""

    @field_validator("key")
    @classmethod
    def _key(cls, key: str) -> str:
        validate_label_key(key)
        return eks_key_length(key, "taint")


class NodeGroupSettings(_Model):
    """One entry of ``eks-daemonsets:nodeGroups``: an EKS managed node group."""

    name: EksName
    # CreateNodegroup takes 0 to 20 instance types.
    instance_types: tuple[InstanceType, ...] = Field(min_length=1, max_length=20)
    scaling: Scaling
    capacity_type: Literal["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"] = "ON_DEMAND"
    ami_type: str = "AL2023_x86_64_STANDARD"
    disk_size_gib: int = Field(default=50, ge=20, le=16384)
    labels: NodeLabels = Field(default_factory=dict)
    taints: tuple[TaintSettings, ...] = Field(default=(), max_length=50)
    # The group that runs the cluster's add-ons: the stack's CoreDNS is aimed at it (components/cluster/addons.py).
    cluster_addons: bool = False

    @field_validator("ami_type")
    @classmethod
    def _ami(cls, value: str) -> str:
        if value not in AMI_ARCH:
            raise ValueError(f"{value!r} is not an EKS AMI type; allowed: {', '.join(sorted(AMI_ARCH))}")
        return value

    @field_validator("instance_types")
    @classmethod
    def _unique_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"{list(value)} lists an instance type twice; allowed: each instance type once")
        return value

    @field_validator("cluster_addons")
    @classmethod
    def _linux_for_addons(cls, marked: bool, info: ValidationInfo) -> bool:
        # CoreDNS is a Linux image; its add-on schema's default affinity asks for kubernetes.io/os=linux.
        ami = info.data.get("ami_type")
        if marked and ami in AMI_ARCH and AMI_ARCH[ami].os != "linux":
            raise ValueError(
                f"{ami} nodes run Windows, and CoreDNS runs on Linux only; allowed: true on a Linux node group"
            )
        return marked

    @field_validator("taints")
    @classmethod
    def _unique_taints(cls, taints: tuple[TaintSettings, ...]) -> tuple[TaintSettings, ...]:
        seen = set()
        for taint in taints:
            if (taint.key, taint.effect) in seen:
                raise ValueError(
                    f"taint {taint.key}:{taint.effect} appears twice; allowed: one taint per key and effect"
                )
            seen.add((taint.key, taint.effect))
        return taints
