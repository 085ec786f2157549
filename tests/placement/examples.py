"""Example node groups, taints and agents shared by the placement tests."""

from __future__ import annotations

from components.placement import NodeGroupView, node_group_view
from components.targeting import NodeTargeting, Taint, TaintEffect


GPU_TAINT = Taint("nvidia.com/gpu", "true", TaintEffect.NO_SCHEDULE)
PCI_TAINT = Taint("compliance", "pci", TaintEffect.NO_EXECUTE)


def group(name: str, *, ami: str = "AL2023_x86_64_STANDARD", capacity: str = "ON_DEMAND", labels=None, taints=(), instance_types=("m7i.large",)) -> NodeGroupView:
    return node_group_view(
        name=name,
        labels=labels or {},
        taints=list(taints),
        capacity_type=capacity,
        ami_type=ami,
        instance_types=list(instance_types),
    )


def view(name: str = "g", **overrides: object) -> NodeGroupView:
    args: dict = {
        "name": name, "labels": {}, "taints": [], "capacity_type": "ON_DEMAND",
        "ami_type": "AL2023_x86_64_STANDARD", "instance_types": ["m7i.large"],
    }
    args.update(overrides)
    return node_group_view(**args)


SYSTEM = group("system", labels={"node-role": "system"})
GPU = group("gpu", ami="AL2023_x86_64_NVIDIA", taints=[GPU_TAINT], instance_types=("g5.xlarge", "g5.2xlarge"))
PCI = group("pci", taints=[PCI_TAINT])
SPOT = group("spot", capacity="SPOT", instance_types=("m7i.large", "m6i.large"))
GRAVITON = group("graviton", ami="AL2023_ARM_64_STANDARD", instance_types=("m7g.large",))
WINDOWS = group("windows", ami="WINDOWS_CORE_2022_x86_64")

SECURITY = NodeTargeting.build(tolerations="all")
PLAIN = NodeTargeting.build()
