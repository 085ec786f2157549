"""A managed node group's nodes as the scheduler will see them: the labels EKS and kubelet put on them, and taints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple, Protocol

from components.targeting import Taint, TargetingError, validate_label_key, validate_label_value


class AmiPlatform(NamedTuple):
    """What kubelet will report for nodes of an AMI type.

    Attributes:
        arch: The ``kubernetes.io/arch`` value, or None when it cannot be
            known from the AMI type alone.
        os: The ``kubernetes.io/os`` value.
    """

    arch: str | None
    os: str


_AMD64_LINUX = AmiPlatform("amd64", "linux")
_ARM64_LINUX = AmiPlatform("arm64", "linux")
_AMD64_WINDOWS = AmiPlatform("amd64", "windows")

#: Every ``amiType`` the EKS CreateNodegroup API accepts (its AMITypes enum),
#: mapped to the platform labels kubelet sets on those nodes.
AMI_ARCH: Mapping[str, AmiPlatform] = MappingProxyType(
    {
        "AL2_x86_64": _AMD64_LINUX,
        "AL2_x86_64_GPU": _AMD64_LINUX,
        "AL2_ARM_64": _ARM64_LINUX,
        "AL2023_x86_64_STANDARD": _AMD64_LINUX,
        "AL2023_ARM_64_STANDARD": _ARM64_LINUX,
        "AL2023_x86_64_NEURON": _AMD64_LINUX,
        "AL2023_x86_64_NVIDIA": _AMD64_LINUX,
        "AL2023_ARM_64_NVIDIA": _ARM64_LINUX,
        "BOTTLEROCKET_ARM_64": _ARM64_LINUX,
        "BOTTLEROCKET_x86_64": _AMD64_LINUX,
        "BOTTLEROCKET_ARM_64_FIPS": _ARM64_LINUX,
        "BOTTLEROCKET_x86_64_FIPS": _AMD64_LINUX,
        "BOTTLEROCKET_ARM_64_NVIDIA": _ARM64_LINUX,
        "BOTTLEROCKET_x86_64_NVIDIA": _AMD64_LINUX,
        "BOTTLEROCKET_ARM_64_NVIDIA_FIPS": _ARM64_LINUX,
        "BOTTLEROCKET_x86_64_NVIDIA_FIPS": _AMD64_LINUX,
        "WINDOWS_CORE_2019_x86_64": _AMD64_WINDOWS,
        "WINDOWS_FULL_2019_x86_64": _AMD64_WINDOWS,
        "WINDOWS_CORE_2022_x86_64": _AMD64_WINDOWS,
        "WINDOWS_FULL_2022_x86_64": _AMD64_WINDOWS,
        "WINDOWS_CORE_2025_x86_64": _AMD64_WINDOWS,
        "WINDOWS_FULL_2025_x86_64": _AMD64_WINDOWS,
        # A custom AMI comes from the launch template, so its architecture is
        # unknown here. Managed node groups only take Linux custom AMIs
        # (Amazon Linux, Bottlerocket, Ubuntu), hence "linux".
        "CUSTOM": AmiPlatform(None, "linux"),
    }
)

#: Values of ``eks.amazonaws.com/capacityType``, which EKS sets from the node
#: group's capacity type.
CAPACITY_TYPES: tuple[str, ...] = ("ON_DEMAND", "SPOT", "CAPACITY_BLOCK")


#: Our own label, on every node of every node group, holding the node group's name from the stack file. EKS names
#: each group ``<name>-<unique suffix>`` (so that a replacement can be created before the old group goes), and so
#: the ``eks.amazonaws.com/nodegroup`` label it sets is not known until the group exists; aim at this one instead.
NODE_GROUP_LABEL = "eks-daemonsets.io/node-group"


class NodeGroupSpec(Protocol):
    """What a node group's labels follow from: the fields of a ``nodeGroups`` entry."""

    name: str
    labels: Mapping[str, str]
    capacity_type: str
    ami_type: str
    instance_types: Sequence[str]


def node_group_labels(group: NodeGroupSpec) -> dict[str, str]:
    """The labels a managed node group asks EKS to put on its nodes: the group's own, and ours."""
    return dict(sorted({**group.labels, NODE_GROUP_LABEL: group.name}.items()))


def node_labels(group: NodeGroupSpec, *, nodegroup_name: str | None = None) -> dict[str, str]:
    """Every label a node of ``group`` carries, as EKS and kubelet label it.

    On top of :func:`node_group_labels`, EKS sets ``eks.amazonaws.com/capacityType`` (and
    ``eks.amazonaws.com/nodegroup``, the group's EKS name), and kubelet/the cloud provider set ``kubernetes.io/os``,
    ``kubernetes.io/arch`` (from the AMI type) and, when the group has exactly one instance type,
    ``node.kubernetes.io/instance-type`` (with several, each node's value depends on what was launched). Those win
    over configured labels of the same key, as on the real node.

    Args:
        group: The node group.
        nodegroup_name: The EKS name of the group (``<name>-<suffix>``), once it is known; without it there is no
            ``eks.amazonaws.com/nodegroup`` label.

    Returns:
        The labels, sorted by key.

    Raises:
        TargetingError: For an unknown AMI or capacity type, or a malformed label.
    """
    return _node_labels(
        name=group.name,
        labels=group.labels,
        capacity_type=group.capacity_type,
        ami_type=group.ami_type,
        instance_types=group.instance_types,
        nodegroup_name=nodegroup_name,
    )


def _node_labels(
    *,
    name: str,
    labels: Mapping[str, str],
    capacity_type: str,
    ami_type: str,
    instance_types: Sequence[str],
    nodegroup_name: str | None,
) -> dict[str, str]:
    if not isinstance(name, str) or not name:
        raise TargetingError("node group name must be a non-empty string", path=("name",), value=name, allowed="a node group name")
    if ami_type not in AMI_ARCH:
        raise TargetingError("unknown EKS AMI type", path=("amiType",), value=ami_type, allowed=", ".join(sorted(AMI_ARCH)))
    if capacity_type not in CAPACITY_TYPES:
        raise TargetingError(
            "unknown EKS capacity type", path=("capacityType",), value=capacity_type, allowed=", ".join(CAPACITY_TYPES)
        )
    merged: dict[str, str] = {}
    for key, value in labels.items():
        validate_label_key(key, path=("labels", key if isinstance(key, str) else repr(key)))
        validate_label_value(value, path=("labels", key))
        merged[key] = value
    for index, instance_type in enumerate(instance_types):
        if not isinstance(instance_type, str) or not instance_type:
            raise TargetingError(
                "instance type must be a non-empty string", path=("instanceTypes", index), value=instance_type,
                allowed="an EC2 instance type such as m7i.large",
            )

    platform = AMI_ARCH[ami_type]
    merged[NODE_GROUP_LABEL] = name
    merged.pop("eks.amazonaws.com/nodegroup", None)
    if nodegroup_name is not None:
        merged["eks.amazonaws.com/nodegroup"] = nodegroup_name
    merged["eks.amazonaws.com/capacityType"] = capacity_type
    merged["kubernetes.io/os"] = platform.os
    if platform.arch is not None:
        merged["kubernetes.io/arch"] = platform.arch
    else:
        # The real node will have an arch label; we just cannot tell which.
        merged.pop("kubernetes.io/arch", None)
    if len(instance_types) == 1:
        merged["node.kubernetes.io/instance-type"] = instance_types[0]
    else:
        merged.pop("node.kubernetes.io/instance-type", None)
    return dict(sorted(merged.items()))


@dataclass(frozen=True)
class NodeGroupView:
    """The labels and taints every node of one managed node group carries.

    Attributes:
        name: The node group name.
        labels: Sorted ``(key, value)`` pairs, including the labels EKS and
            kubelet add.
        taints: The node group's taints, sorted.
    """

    name: str
    labels: tuple[tuple[str, str], ...]
    taints: tuple[Taint, ...]

    def label_map(self) -> dict[str, str]:
        """The labels as a dict."""
        return dict(self.labels)


def node_group_view(
    *,
    name: str,
    labels: Mapping[str, str],
    taints: Sequence[Taint],
    capacity_type: str,
    ami_type: str,
    instance_types: Sequence[str],
) -> NodeGroupView:
    """Describe a managed node group's nodes as the scheduler will see them: :func:`node_labels` and its taints.

    The ``eks.amazonaws.com/nodegroup`` label is left out: EKS names the group ``<name>-<suffix>`` when it creates it.

    Args:
        name: Node group name (also the :data:`NODE_GROUP_LABEL` value).
        labels: Labels configured on the node group.
        taints: Taints configured on the node group.
        capacity_type: ``ON_DEMAND``, ``SPOT`` or ``CAPACITY_BLOCK``.
        ami_type: An EKS AMI type, a key of :data:`AMI_ARCH`.
        instance_types: The node group's instance types.

    Returns:
        The view.

    Raises:
        TargetingError: For an unknown AMI or capacity type, a malformed label,
            or a taint that is not a :class:`~components.targeting.Taint`. The
            path uses the node group's config keys (``amiType``, ``labels``...).
    """
    merged = _node_labels(
        name=name,
        labels=labels,
        capacity_type=capacity_type,
        ami_type=ami_type,
        instance_types=instance_types,
        nodegroup_name=None,
    )
    for index, taint in enumerate(taints):
        if not isinstance(taint, Taint):
            raise TargetingError("must be a Taint", path=("taints", index), value=taint, allowed="a Taint (see Taint.from_k8s)")
    return NodeGroupView(
        name=name,
        labels=tuple(merged.items()),
        taints=tuple(sorted(set(taints), key=Taint.sort_key)),
    )
