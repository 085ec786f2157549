"""Stack settings: the stack file, parsed once into frozen typed objects.

Every key lives under the project's namespace (``eks-daemonsets:``). The raw values come from ``pulumi.Config``
(the CLI hands structured values over as JSON), are validated by pydantic models that forbid unknown keys, and the
node targeting of each agent is then built into :class:`~components.targeting.NodeTargeting` objects, the same
objects the DaemonSets and the placement check use.

Any mistake raises :class:`SettingsError` before a single resource is registered. Its message names the full key
(``eks-daemonsets:nodeGroups[2].taints[0].effect``), the bad value and what is allowed. ``SettingsError`` is a
``pulumi.RunError``, so ``pulumi preview`` prints the message without a Python traceback.

The modules, in the order a value passes through them: ``load`` (the Pulumi wiring: ``pulumi.Config`` and the
region), ``parse`` (raw values to :class:`Settings`), the models ``cluster``, ``node_groups``, ``agents`` and
``agent_targeting`` under ``stack``, built on ``model_base`` and the value types of ``values``; ``messages`` turns
pydantic's errors into one line, raised as the ``errors`` module's :class:`SettingsError`; ``constants`` holds the
fixed facts.
"""

from components.settings.agent_targeting import (
    AffinityExpression,
    PreferredAffinity,
    TargetingSettings,
    TolerationSettings,
)
from components.settings.agents import (
    AgentSettings,
    AgentsSettings,
    CloudWatchOutputSettings,
    FalcoPriority,
    FluentdBuffer,
    FluentdOutputs,
    FluentdSettings,
    NodeExporterSettings,
    ResourceList,
    Resources,
    SecurityAgentSettings,
    StdoutOutputSettings,
)
from components.settings.cluster import AddonVersionSettings, ClusterSettings, ExistingClusterSettings, VpcSettings
from components.settings.constants import (
    AGENT_KEYS,
    CONTROL_PLANE_LOG_TYPES,
    EKS_NODEGROUP_LABEL,
    NAMESPACE,
    NODE_GROUP_NAME_MAX,
    RESERVED_LABEL_DOMAINS,
    SUPPORTED_KUBERNETES_VERSIONS,
)
from components.settings.errors import SettingsError, config_key
from components.settings.load import aws_region, load_settings
from components.settings.node_groups import NodeGroupSettings, Scaling, TaintSettings
from components.settings.node_pools import NodeClassRef, NodePoolSettings, PoolRequirement, PoolTaint
from components.settings.parse import LAST_KUBERNETES_WITH_AL2_AMIS, parse_settings, to_snake
from components.settings.stack import Agent, MonitoringSettings, Settings
from components.settings.values import (
    EksName,
    ImageRef,
    InstanceType,
    Ipv4Cidr,
    MaxUnavailable,
    NodeLabels,
    QuantityStr,
    Text,
    image_digest,
    parse_quantity,
)

__all__ = [
    # Reading the stack file
    "load_settings",
    "parse_settings",
    "aws_region",
    "Settings",
    "Agent",
    "SettingsError",
    "config_key",
    # Fixed facts
    "NAMESPACE",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "CONTROL_PLANE_LOG_TYPES",
    "RESERVED_LABEL_DOMAINS",
    "NODE_GROUP_NAME_MAX",
    "AGENT_KEYS",
    "EKS_NODEGROUP_LABEL",
    "LAST_KUBERNETES_WITH_AL2_AMIS",
    # Value types
    "parse_quantity",
    "image_digest",
    "to_snake",
    "Text",
    "QuantityStr",
    "EksName",
    "ImageRef",
    "InstanceType",
    "Ipv4Cidr",
    "NodeLabels",
    "MaxUnavailable",
    "FalcoPriority",
    # Models
    "VpcSettings",
    "AddonVersionSettings",
    "ExistingClusterSettings",
    "ClusterSettings",
    "Scaling",
    "TaintSettings",
    "NodeGroupSettings",
    "NodeClassRef",
    "NodePoolSettings",
    "PoolRequirement",
    "PoolTaint",
    "ResourceList",
    "Resources",
    "AffinityExpression",
    "PreferredAffinity",
    "TolerationSettings",
    "TargetingSettings",
    "AgentSettings",
    "NodeExporterSettings",
    "CloudWatchOutputSettings",
    "StdoutOutputSettings",
    "FluentdOutputs",
    "FluentdBuffer",
    "FluentdSettings",
    "SecurityAgentSettings",
    "AgentsSettings",
    "MonitoringSettings",
]
