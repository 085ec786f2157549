"""Which agent runs on which EKS managed node group, and why not where it doesn't.

Pure functions over plain data: a node group is reduced to the labels and
taints its nodes will carry (:func:`node_group_view`, in ``node_groups``), and each agent's
:class:`~components.targeting.NodeTargeting` (the same object its DaemonSet is
rendered from) is evaluated against it (:func:`placement`, in ``table``). The result feeds the coverage rules
(``coverage``) and the ``placement.md`` report (``report``). Standard library only, deterministic output.

``plan`` puts these together over the validated settings; it is imported as ``components.placement.plan`` and not
re-exported here, since it depends on the settings package, which itself imports this one.
"""

from components.placement.coverage import Coverage, coverage_violations
from components.placement.node_groups import (
    AMI_ARCH,
    CAPACITY_TYPES,
    NODE_GROUP_LABEL,
    AmiPlatform,
    NodeGroupSpec,
    NodeGroupView,
    node_group_labels,
    node_group_view,
    node_labels,
)
from components.placement.report import to_markdown, to_output
from components.placement.table import placement

__all__ = [
    "AMI_ARCH",
    "CAPACITY_TYPES",
    "NODE_GROUP_LABEL",
    "AmiPlatform",
    "Coverage",
    "NodeGroupSpec",
    "NodeGroupView",
    "coverage_violations",
    "node_group_labels",
    "node_group_view",
    "node_labels",
    "placement",
    "to_markdown",
    "to_output",
]
