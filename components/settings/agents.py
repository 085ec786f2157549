"""``eks-daemonsets:agents``: what every agent has (image, resources, rollout pace, coverage, targeting), and what is
each agent's own: Fluentd's outputs and buffer, the security agent's privilege, priority and rules."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.agents.falco_conf import validate_custom_rules
from components.input.limits import MAX_CUSTOM_RULES, MAX_PRIVILEGED_REASON
from components.placement import Coverage
from components.settings.agent_targeting import TargetingSettings
from components.settings.model_base import _Model
from components.settings.values import ImageRef, MaxUnavailable, QuantityStr, parse_quantity


class ResourceList(_Model):
    cpu: Optional[QuantityStr] = None
    memory: Optional[QuantityStr] = None


class Resources(_Model):
    """Requests and limits. Memory needs a limit: an agent that leaks must not take the node down with it."""

    requests: ResourceList
    limits: ResourceList

    @model_validator(mode="after")
    def _consistent(self) -> "Resources":
        if self.requests.cpu is None or self.requests.memory is None:
            raise ValueError("requests need both cpu and memory; allowed: {cpu: 50m, memory: 64Mi} and the like")
        if self.limits.memory is None:
            raise ValueError("limits need memory; allowed: a memory limit at or above the memory request")
        for kind in ("cpu", "memory"):
            request, limit = getattr(self.requests, kind), getattr(self.limits, kind)
            if limit is not None and parse_quantity(request) > parse_quantity(limit):
                raise ValueError(f"the {kind} request {request} exceeds the limit {limit}; allowed: request <= limit")
        return self


class AgentSettings(_Model):
    """What every agent has: on/off, image, resources, rollout pace, coverage rule and targeting."""

    enabled: bool = True
    image: Optional[ImageRef] = None
    resources: Optional[Resources] = None
    max_unavailable: MaxUnavailable = "10%"
    coverage: Coverage = Coverage.ANY
    targeting: TargetingSettings = TargetingSettings()


class NodeExporterSettings(AgentSettings):
    """``eks-daemonsets:agents.nodeExporter``."""

    rbac_proxy_image: Optional[ImageRef] = None


class CloudWatchOutputSettings(_Model):
    enabled: bool = True
    log_group_name: Optional[str] = Field(default=None, min_length=1, max_length=512, pattern=r"^[\.\-_/#A-Za-z0-9]+$")
    # CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
    retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
    ] = 30
    kms_key_arn: Optional[str] = Field(default=None, pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$")

    @field_validator("log_group_name")
    @classmethod
    def _not_aws_prefixed(cls, name: Optional[str]) -> Optional[str]:
        # CreateLogGroup: "Log group names can't start with the string aws/" (botocore's logs service-2.json, the
        # operation's documentation). The default, /aws/eks/<cluster>/containers, starts with "/aws/", which is fine.
        if name is not None and name.startswith("aws/"):
            raise ValueError(
                f"{name!r} starts with aws/, which CloudWatch Logs keeps for AWS; allowed: another name, such as "
                f"/{name}"
            )
        return name


class StdoutOutputSettings(_Model):
    enabled: bool = False


class FluentdOutputs(_Model):
    cloudwatch: CloudWatchOutputSettings = CloudWatchOutputSettings()
    stdout: StdoutOutputSettings = StdoutOutputSettings()

    @model_validator(mode="after")
    def _one_output(self) -> "FluentdOutputs":
        if not (self.cloudwatch.enabled or self.stdout.enabled):
            raise ValueError("no output is enabled; allowed: cloudwatch, stdout or both with enabled: true")
        return self


class FluentdBuffer(_Model):
    """The file buffer on the host: bounded, and blocking rather than dropping when full."""

    total_limit_size: QuantityStr = "2Gi"
    flush_interval_seconds: int = Field(default=5, ge=1, le=300)

    @field_validator("total_limit_size")
    @classmethod
    def _bounded(cls, value: str) -> str:
        size = parse_quantity(value)
        if not 64 * 2**20 <= size <= 64 * 2**30:
            raise ValueError(f"{value!r} is outside the range; allowed: 64Mi to 64Gi")
        return value


class FluentdSettings(AgentSettings):
    """``eks-daemonsets:agents.fluentd``."""

    outputs: FluentdOutputs = FluentdOutputs()
    buffer: FluentdBuffer = FluentdBuffer()
    termination_grace_period_seconds: int = Field(default=60, ge=30, le=600)


FalcoPriority = Literal["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"]


class SecurityAgentSettings(AgentSettings):
    """``eks-daemonsets:agents.securityAgent``: a security agent covers every node unless told otherwise."""

    coverage: Coverage = Coverage.ALL
    privileged: bool = False
    privileged_reason: Optional[str] = Field(default=None, min_length=10, max_length=MAX_PRIVILEGED_REASON)
    priority: FalcoPriority = "notice"
    custom_rules: Optional[str] = Field(default=None, max_length=MAX_CUSTOM_RULES)

    @field_validator("custom_rules")
    @classmethod
    def _rules(cls, text: Optional[str]) -> Optional[str]:
        if text is not None:
            validate_custom_rules(text)
        return text

    @field_validator("privileged_reason")
    @classmethod
    def _reason_for_privilege(cls, reason: Optional[str], info: ValidationInfo) -> Optional[str]:
        # Runs for the default too (validate_default), after `privileged`, which is declared first.
        if info.data.get("privileged") and not reason:
            raise ValueError(
                "privileged: true needs a reason here; allowed: privileged: false, or a written reason "
                "(why the least-privileged modern eBPF set is not enough)"
            )
        return reason


class AgentsSettings(_Model):
    """``eks-daemonsets:agents``."""

    node_exporter: NodeExporterSettings = NodeExporterSettings()
    fluentd: FluentdSettings = FluentdSettings()
    security_agent: SecurityAgentSettings = SecurityAgentSettings()
