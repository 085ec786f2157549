"""Stack settings: the stack file, parsed once into frozen typed objects.

Every key lives under the project's namespace (``eks-daemonsets:``). The raw values come from ``pulumi.Config``
(the CLI hands structured values over as JSON), are validated by pydantic models that forbid unknown keys, and the
node targeting of each agent is then built into :class:`~components.targeting.NodeTargeting` objects, the same
objects the DaemonSets and the placement check use.

Any mistake raises :class:`SettingsError` before a single resource is registered. Its message names the full key
(``eks-daemonsets:nodeGroups[2].taints[0].effect``), the bad value and what is allowed. ``SettingsError`` is a
``pulumi.RunError``, so ``pulumi preview`` prints the message without a Python traceback.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union, get_args

import pulumi
from pydantic import (
    AfterValidator,
    BeforeValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components.input.error_text import config_key as _key_text
from components.input.error_text import SHOWN_CHARACTERS, one_line, short_repr, shown
from components.agents.falco_conf import validate_custom_rules
from components.input.limits import (
    MAX_ADMIN_PRINCIPALS,
    MAX_ARN,
    MAX_CUSTOM_RULES,
    MAX_DEPTH,
    MAX_PRIVILEGED_REASON,
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    MAX_TAGS,
    MAX_TARGETING_ITEMS,
    LimitError,
    check_value,
    json_loads,
)
from components.placement import AMI_ARCH, NODE_GROUP_LABEL, Coverage
from components.targeting import (
    LabelExpression,
    NodeTargeting,
    PreferredTerm,
    TargetingError,
    Toleration,
    validate_label_key,
    validate_label_value,
)

NAMESPACE = "eks-daemonsets"

#: Kubernetes minor versions Amazon EKS supports (standard or extended support) as of 2026-11, per the EKS user
#: guide's "Understand the Kubernetes version lifecycle on EKS". Keep in step with the schemas kubernetes-validate
#: ships, since every rendered object is validated against its cluster version.
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.32", "1.33", "1.34", "1.35", "1.36")

#: Control plane log types EKS can send to CloudWatch Logs.
CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")

#: Label key prefixes nodes may not be given through a node group: EKS sets its own ``eks.amazonaws.com/`` labels,
#: the NodeRestriction admission plugin refuses kubelet-set labels under ``kubernetes.io``/``k8s.io``, and this
#: program sets ``eks-daemonsets.io/node-group`` itself.
RESERVED_LABEL_DOMAINS = ("eks.amazonaws.com", "kubernetes.io", "k8s.io", "eks-daemonsets.io")

#: EKS names each node group ``<name>-<26-character unique suffix>`` (a name prefix, so that a replacement is created
#: before the old group is deleted), and a node group name has at most 63 characters: 63 - 26 - 1.
NODE_GROUP_NAME_MAX = 36

AGENT_KEYS = ("nodeExporter", "fluentd", "securityAgent")

EKS_NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"


class SettingsError(pulumi.RunError):
    """A stack-file mistake: one line naming the key, the bad value and what is allowed."""

    def __init__(self, message: str) -> None:
        # One line whatever a key or value holds: `pulumi preview` and the render print it as it is.
        super().__init__(one_line(message))


# --------------------------------------------------------------------------------------------- validators

# Python patterns end in \Z, not $ (which also matches before a trailing newline), and spell digits [0-9], not \d
# (which also matches Arabic-Indic and other Unicode digits). Pydantic's `pattern=` runs Rust's regex, where $ is the
# end of the text, but \d is Unicode there too.
_EKS_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]*\Z")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+\Z")
# Kubernetes' quantity grammar (k8s.io/apimachinery resource.Quantity): a number, then a binary or decimal SI suffix
# or a decimal exponent (1e3, 5E-1). "E" alone is exa; "E" followed by digits is an exponent.
_QUANTITY = re.compile(
    r"^(?P<num>\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:[eE](?P<exp>[+-]?[0-9]{1,9})|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|))\Z"
)
#: No quantity may be larger than 2^63-1 in magnitude (resource.Quantity); no real one is longer than this.
_QUANTITY_MAX, _QUANTITY_MAX_CHARACTERS = 2**63 - 1, 64
_SUFFIX = {
    "": 1, "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": 10**3, "M": 10**6, "G": 10**9,
    "T": 10**12, "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
    "Ei": 2**60,
}
# An image reference must pin a version: a tag other than "latest", a digest, or both. The grammar is
# distribution/reference's (regexp.go), lowercase: path components joined by "/", each alphanumeric runs joined by
# ".", "_", "__" or dashes. The separators hold no "/", so every split is unique and matching is linear; a separator
# class that also held "/" made "a/a/…/a!" backtrack exponentially (50 characters took seconds).
_IMAGE_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"^(?P<repo>{_IMAGE_COMPONENT}(?::[0-9]+)?(?:/{_IMAGE_COMPONENT})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?\Z"
)
#: distribution/reference's NameTotalLengthMax.
_IMAGE_NAME_MAX = 255
_PERCENT = re.compile(r"^(?:[1-9][0-9]?|100)%\Z")


def _ipv4_cidr(text: str) -> str:
    try:
        ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an IPv4 CIDR; allowed: an address and prefix such as 203.0.113.0/24"
        ) from None
    return text


def _aws_tags(tags: dict[str, str]) -> dict[str, str]:
    # The AWS tagging rules: at most 50 per resource, keys of 1-128 characters, values of at most 256, and no aws:
    # prefix (AWS's own).
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags; allowed: at most {MAX_TAGS} per resource")
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY or key.lower().startswith("aws:"):
            raise ValueError(
                f"tag key {short_repr(key)} is not allowed; allowed: 1 to {MAX_TAG_KEY} characters, not starting "
                "with aws:"
            )
        if len(value) > MAX_TAG_VALUE:
            raise ValueError(
                f"tag {short_repr(key)}: the value {short_repr(value)} is longer than {MAX_TAG_VALUE} characters; "
                f"allowed: at most {MAX_TAG_VALUE}"
            )
    return tags


# Rust's regex reads \d as any Unicode digit, so the shape is spelt [0-9]; ipaddress checks the numbers.
Ipv4Cidr = Annotated[str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$"), AfterValidator(_ipv4_cidr)]


def parse_quantity(text: str) -> Decimal:
    """Parse a Kubernetes resource quantity (``250m``, ``128Mi``, ``1.5``, ``1e3``) into a number."""
    match = _QUANTITY.match(text) if len(text) <= _QUANTITY_MAX_CHARACTERS else None
    if not match:
        raise ValueError(
            f"{text!r} is not a Kubernetes quantity; allowed: a number with an optional suffix "
            "(m, k, M, G, Ki, Mi, Gi, ...) or exponent (e3), such as 250m or 128Mi"
        )
    if match["exp"] is not None:
        value = Decimal(f"{match['num']}E{match['exp']}")
    else:
        value = Decimal(match["num"]) * Decimal(_SUFFIX[match["suffix"]])
    if value > _QUANTITY_MAX:
        raise ValueError(f"{text!r} is larger than any Kubernetes quantity; allowed: at most 2^63-1")
    return value


def _quantity(text: str) -> str:
    parse_quantity(text)
    return text


def _eks_name(text: str) -> str:
    if not (1 <= len(text) <= NODE_GROUP_NAME_MAX and _EKS_NAME.match(text)):
        raise ValueError(
            f"{text!r} is not a valid name; allowed: 1 to {NODE_GROUP_NAME_MAX} letters, digits, '-' or '_', starting "
            "with a letter or digit (EKS appends a 27-character unique suffix within its 63-character limit)"
        )
    return text


def _instance_type(text: str) -> str:
    if not _INSTANCE_TYPE.match(text):
        raise ValueError(f"{text!r} is not an EC2 instance type; allowed: <family>.<size>, such as m6i.large")
    return text


def _image(text: str) -> str:
    match = _IMAGE.match(text)
    if not match or len(match["repo"]) > _IMAGE_NAME_MAX:
        raise ValueError(
            f"{text!r} is not an image reference; allowed: registry/repository:tag[@sha256:digest], the name at most "
            f"{_IMAGE_NAME_MAX} characters"
        )
    if not match["tag"] and not match["digest"]:
        raise ValueError(f"{text!r} does not pin a version; allowed: an exact tag or a sha256 digest")
    if match["tag"] == "latest" and not match["digest"]:
        raise ValueError(f"{text!r} uses the floating tag 'latest'; allowed: an exact version tag or a sha256 digest")
    return text


# ASCII and \Z, as the patterns above: IAM names are ASCII, and $ would let a trailing newline through.
_IAM_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+\Z", re.ASCII)
_STS_ASSUMED_ROLE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):sts::(?P<account>[0-9]{12}):assumed-role/(?P<role>[^/]+)/.+\Z", re.ASCII
)


def _admin_principal(arn: str) -> str:
    # EKS takes IAM role and user ARNs in access entries, never an STS session ("You can't use the STS session
    # principal type with access entries", CreateAccessEntry). A role ARN may carry its path.
    session = _STS_ASSUMED_ROLE.match(arn)
    if session:
        iam = f"arn:{session['partition']}:iam::{session['account']}:role"
        hint = f"{iam}/{session['role']}"
        if session["role"].startswith("AWSReservedSSO_"):
            hint = f"{iam}/aws-reserved/sso.amazonaws.com/{session['role']}"
        raise ValueError(
            f"{arn!r} is an STS session, which EKS refuses in an access entry; allowed: the ARN of the IAM role "
            f"behind it, such as {hint} (with the role's path: `aws iam get-role --role-name {session['role']} "
            "--query Role.Arn` prints it)"
        )
    if not _IAM_PRINCIPAL.match(arn):
        raise ValueError(
            f"{arn!r} is not an IAM principal ARN; allowed: arn:aws:iam::<account>:role/<path/name> or :user/<name>"
        )
    return arn


def _node_label_key(key: str) -> str:
    validate_label_key(key)
    domain = key.split("/", 1)[0] if "/" in key else ""
    if any(domain == d or domain.endswith("." + d) for d in RESERVED_LABEL_DOMAINS):
        raise ValueError(
            f"label key {key!r} uses a reserved domain; allowed: keys outside {', '.join(RESERVED_LABEL_DOMAINS)}"
        )
    return key


def _label_value(value: str) -> str:
    validate_label_value(value)
    return value


def _sorted(mapping: dict[str, str]) -> dict[str, str]:
    return dict(sorted(mapping.items()))


def _as_text(value: Any) -> Any:
    """``true``/``false`` and whole numbers as the text they were typed as.

    ``pulumi config set --path`` stores ``true``/``false`` as booleans and digit strings as integers (and YAML does
    the same in a stack file); Kubernetes labels, taints and AWS tags hold them as the strings "true" and "1".
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value


def _quantity_text(value: Any) -> Any:
    # `cpu: 1` or `cpu: 0.5` is a quantity too, as Kubernetes takes it.
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


#: A string key of the stack file that a user may type as a bare number or true/false.
Text = Annotated[str, BeforeValidator(_as_text)]
QuantityStr = Annotated[str, BeforeValidator(_quantity_text), AfterValidator(_quantity)]
EksName = Annotated[str, BeforeValidator(_as_text), AfterValidator(_eks_name)]
ImageRef = Annotated[str, AfterValidator(_image)]
InstanceType = Annotated[str, AfterValidator(_instance_type)]
# Keys and values are validated one by one, so that a mistake is reported at its own key (labels.team), not the map's.
NodeLabels = Annotated[
    dict[Annotated[str, AfterValidator(_node_label_key)], Annotated[Text, AfterValidator(_label_value)]],
    AfterValidator(_sorted),
]


class _Model(BaseModel):
    """Frozen, camelCase, and strict about unknown keys: a typo is an error, not a silent default."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True, validate_default=True
    )


# --------------------------------------------------------------------------------------------- cluster


class VpcSettings(_Model):
    """Where the cluster lives: the nodes go in the private subnets, load balancers may use the public ones."""

    id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    private_subnet_ids: tuple[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")], ...] = Field(min_length=2)
    public_subnet_ids: tuple[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")], ...] = ()


class ExistingClusterSettings(_Model):
    """``eks-daemonsets:cluster.existing``: put the agents on a cluster you already have.

    No EKS or AWS resource is created for the cluster; ``nodeGroups`` describe the groups it already has, for the
    placement table and the coverage rules. Fluentd's CloudWatch output needs the cluster's IAM OIDC provider (IRSA):
    without ``oidcProviderArn`` it is off, and the program registers no AWS resource at all.
    """

    kubeconfig: Optional[str] = Field(default=None, min_length=1)
    kubeconfig_path: Optional[str] = Field(default=None, min_length=1)
    context: Optional[str] = Field(default=None, min_length=1)
    oidc_provider_arn: Optional[str] = Field(default=None, pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/[^/].+$")

    @model_validator(mode="after")
    def _one_kubeconfig(self) -> "ExistingClusterSettings":
        if (self.kubeconfig is None) == (self.kubeconfig_path is None):
            raise ValueError(
                "give the cluster's kubeconfig one way; allowed: kubeconfig (a secret: pulumi config set --secret "
                "--path) or kubeconfigPath (a file), not both and not neither"
            )
        return self

    @property
    def oidc_provider_url(self) -> Optional[str]:
        """The provider's issuer, as IAM names it: the ARN's part after ``oidc-provider/``."""
        return self.oidc_provider_arn.split(":oidc-provider/", 1)[1] if self.oidc_provider_arn else None


class ClusterSettings(_Model):
    """``eks-daemonsets:cluster``."""

    name: Optional[Text] = Field(default=None, min_length=1, max_length=100, pattern=r"^[0-9A-Za-z][A-Za-z0-9\-_]*$")
    kubernetes_version: str = "1.35"
    endpoint_public_access: bool = True
    # EKS quota "Public endpoint access CIDR ranges per cluster": 40, not adjustable.
    public_access_cidrs: tuple[Ipv4Cidr, ...] = Field(default=("0.0.0.0/0",), max_length=40)
    control_plane_logging: tuple[Literal["api", "audit", "authenticator", "controllerManager", "scheduler"], ...] = (
        CONTROL_PLANE_LOG_TYPES
    )
    admin_principal_arns: tuple[Annotated[str, AfterValidator(_admin_principal)], ...] = ()
    # Declared before vpc, which it makes unnecessary: validators see the fields declared before theirs.
    existing: Optional[ExistingClusterSettings] = None
    # No default: the account's default VPC may not exist, and its subnets are all public, so nodes there get public
    # IP addresses. A stack takes it only by saying `vpc: default`.
    vpc: Union[Literal["default"], VpcSettings, None] = None
    tags: dict[str, Text] = Field(default_factory=dict)

    @field_validator("vpc", mode="before")
    @classmethod
    def _vpc_chosen(cls, value: Any, info: ValidationInfo) -> Any:
        allowed = (
            "allowed: {id: vpc-..., privateSubnetIds: [subnet-..., subnet-...], publicSubnetIds: [...]} (the nodes go "
            "in the private subnets), or default: the account's default VPC, which must exist and has public subnets "
            "only, so nodes there get public IP addresses"
        )
        if value is None and info.data.get("existing") is None:
            raise ValueError(f"required key is missing; {allowed}")
        if isinstance(value, str) and value != "default":
            raise ValueError(f"{value!r} is not allowed; {allowed}")
        return value

    @property
    def given_vpc(self) -> Optional[VpcSettings]:
        """The VPC the stack names, or None for the account's default VPC."""
        return self.vpc if isinstance(self.vpc, VpcSettings) else None

    @field_validator("kubernetes_version", mode="before")
    @classmethod
    def _supported_version(cls, value: Any) -> Any:
        if str(value) not in SUPPORTED_KUBERNETES_VERSIONS:
            raise ValueError(
                f"{value!r} is not a Kubernetes version EKS supports; allowed: {', '.join(SUPPORTED_KUBERNETES_VERSIONS)}"
            )
        return str(value)

    @field_validator("admin_principal_arns")
    @classmethod
    def _one_entry_each(cls, arns: tuple[str, ...]) -> tuple[str, ...]:
        # An IAM principal can be in one access entry only (EKS "Create access entries").
        if len(set(arns)) != len(arns):
            raise ValueError(f"{list(arns)} lists a principal twice; allowed: each principal once")
        return arns

    @field_validator("control_plane_logging")
    @classmethod
    def _sorted_logs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))

    @field_validator("admin_principal_arns", mode="before")
    @classmethod
    def _few_admins(cls, value: Any) -> Any:
        # EKS sets no count; a handful of administrators is usual. An IAM ARN is at most 2048 characters.
        if isinstance(value, (list, tuple)):
            if len(value) > MAX_ADMIN_PRINCIPALS:
                raise ValueError(f"{len(value)} principals; allowed: at most {MAX_ADMIN_PRINCIPALS}")
            for arn in value:
                if isinstance(arn, str) and len(arn) > MAX_ARN:
                    raise ValueError(f"{short_repr(arn)} is longer than an IAM ARN; allowed: at most {MAX_ARN} characters")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        return _aws_tags(tags)


# --------------------------------------------------------------------------------------------- node groups


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


class TaintSettings(_Model):
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
        validate_label_value(value)
        return value


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


# --------------------------------------------------------------------------------------------- agents


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


def _max_unavailable(value: Union[int, str]) -> Union[int, str]:
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"{value} would stop a rolling update; allowed: a whole number >= 1 or a percentage 1%..100%")
        return value
    if not _PERCENT.match(value):
        raise ValueError(f"{value!r} is not a percentage; allowed: a whole number >= 1 or a percentage 1%..100%")
    return value


MaxUnavailable = Annotated[Union[int, str], AfterValidator(_max_unavailable)]


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


class MonitoringSettings(_Model):
    """``eks-daemonsets:monitoring``: what else runs in the cluster that the agents can plug into."""

    prometheus_operator: bool = False


class _StackModel(_Model):
    cluster: ClusterSettings
    node_groups: tuple[NodeGroupSettings, ...] = Field(min_length=1, max_length=30)
    agents: AgentsSettings = AgentsSettings()
    monitoring: MonitoringSettings = MonitoringSettings()

    @field_validator("node_groups")
    @classmethod
    def _unique_names(cls, groups: tuple[NodeGroupSettings, ...]) -> tuple[NodeGroupSettings, ...]:
        seen: set[str] = set()
        for group in groups:
            if group.name in seen:
                raise ValueError(f"node group name {group.name!r} is used twice; allowed: each name once")
            seen.add(group.name)
        return groups


# --------------------------------------------------------------------------------------------- result


@dataclass(frozen=True)
class Agent:
    """One agent's settings with its targeting built: what a NodeAgent component consumes."""

    key: str
    settings: AgentSettings
    targeting: NodeTargeting

    @property
    def enabled(self) -> bool:
        return self.settings.enabled


@dataclass(frozen=True)
class Settings:
    """The whole stack file, validated."""

    project: str
    stack: str
    region: Optional[str]
    cluster_name: str
    cluster: ClusterSettings
    node_groups: tuple[NodeGroupSettings, ...]
    agents: Mapping[str, Agent]
    monitoring: MonitoringSettings
    #: Things the program decided for the user that they should hear about (``pulumi.log.warn`` at preview).
    notes: tuple[str, ...] = ()

    def enabled_agents(self) -> dict[str, Agent]:
        return {key: agent for key, agent in self.agents.items() if agent.enabled}


# --------------------------------------------------------------------------------------------- loading

_TOP_LEVEL = {"cluster": "cluster", "nodeGroups": "node_groups", "agents": "agents", "monitoring": "monitoring"}


def config_key(loc: Sequence[Union[str, int]]) -> str:
    """``("nodeGroups", 2, "taints", 0, "effect")`` -> ``eks-daemonsets:nodeGroups[2].taints[0].effect``.

    Keys that are not plain names are quoted and escaped (``labels["node-role"]``, ``tags["a\\nb"]``), and cut
    when long, so the key reads as the stack file writes it, on one line.
    """
    return _key_text(f"{NAMESPACE}:{loc[0]}", loc[1:])


# The AWS SDKs' partitions (partitions.json `regionRegex`: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e,
# aws-iso-f, aws-eusc), spelt with ASCII classes.
_AWS_REGION = re.compile(
    r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)-[a-z]+-[0-9]+"
)


def _check_bounds(raw: Mapping[str, Any], region: Optional[str]) -> None:
    """What every stack file is checked for before pydantic reads it: the limits, and a region that is one."""
    try:
        check_value(dict(raw))
    except LimitError as error:
        raise SettingsError(f"{config_key(error.path)}: {error}") from None
    # Checked here, not only where Fluentd's CloudWatch output uses it: the region names every ARN and endpoint.
    if region and not _AWS_REGION.fullmatch(region):
        raise SettingsError(
            f"aws:region: {shown(region)} is not an AWS region; allowed: a region name such as us-west-2 or "
            "eu-central-1"
        )


def _default_cluster_name(project: str, stack: str) -> str:
    name = f"{project}-{stack}"
    if not (len(name) <= 100 and _EKS_NAME.match(name)):
        raise SettingsError(
            f"{NAMESPACE}:cluster.name: is not set, and the default {shown(name)} (<project>-<stack>) is not an EKS "
            "cluster name; allowed: set cluster.name to 1 to 100 letters, digits, '-' or '_', starting with a letter "
            "or digit"
        )
    return name


def _allowed_keys(model: type[BaseModel]) -> str:
    return ", ".join(sorted(field.alias or name for name, field in model.model_fields.items()))


def _inner_model(annotation: Any) -> Optional[type[BaseModel]]:
    """The model inside an annotation such as ``Optional[X]``, ``tuple[X, ...]`` or ``Union[Literal[...], tuple[X]]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_inner_model, get_args(annotation)) if m is not None), None)


def _model_at(loc: Sequence[Union[str, int]]) -> Optional[type[BaseModel]]:
    """The pydantic model that holds the last element of ``loc`` (for listing the allowed keys)."""
    model: Optional[type[BaseModel]] = _StackModel
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None) if model else None
        model = _inner_model(field.annotation) if field else None
    return model


def _all_models(root: type[BaseModel] = _Model) -> Iterator[type[BaseModel]]:
    for model in root.__subclasses__():
        yield model
        yield from _all_models(model)


# Python field names that differ from their stack-file key (``privileged_reason`` -> ``privilegedReason``).
_FIELD_ALIASES = {
    name: info.alias
    for model in _all_models()
    for name, info in model.model_fields.items()
    if info.alias and info.alias != name
}


# Every key a model has, by its stack-file name and its Python name: what a location may name that the input lacks.
_FIELD_KEYS = frozenset(
    key for model in _all_models() for name, info in model.model_fields.items() for key in (name, info.alias) if key
)
_MISSING = object()


def _location(error: Mapping[str, Any], raw: Any) -> tuple[Union[str, int], ...]:
    """Where pydantic's error sits, as keys the stack file writes, found by walking the input along its ``loc``.

    A part that is a key of the input is kept as written, whatever it holds (``tags[env]``, ``function-x``). A key
    the input lacks (a missing or defaulted one) is named by its alias. Any other part is pydantic's own and is
    dropped: union members tag the location with ``tuple[...]``, ``literal['all']``, ``int`` or a model's name.
    """
    where: list[Union[str, int]] = []
    node = raw
    for part in error["loc"]:
        if isinstance(part, int):
            where.append(part)
            node = node[part] if isinstance(node, (list, tuple)) and -len(node) <= part < len(node) else _MISSING
        elif isinstance(node, Mapping) and part in node:
            where.append(part)
            node = node[part]
        elif (isinstance(node, Mapping) or node is _MISSING) and part in _FIELD_KEYS:
            where.append(_FIELD_ALIASES.get(part, part))
            node = _MISSING
        # Anything else is a union member's tag: pydantic's, not the file's.
    return tuple(where)


#: Problems named in one message; the rest are counted.
_SHOWN_PROBLEMS = 3


def _problems(error: ValidationError, raw: Any) -> list[str]:
    """The innermost problems, described and sorted; past three, a count of the rest."""
    problems = sorted({_describe(loc, e) for loc, e in _most_specific(error.errors(), raw)})
    more = len(problems) - _SHOWN_PROBLEMS
    return problems[:_SHOWN_PROBLEMS] + ([f"and {more} more problem(s)"] if more > 0 else [])


def _most_specific(
    errors: Sequence[Mapping[str, Any]], raw: Any
) -> list[tuple[tuple[Union[str, int], ...], Mapping[str, Any]]]:
    """Drop an error on a key when a key inside it has its own: the inner one says what is actually wrong."""
    located = [(_location(e, raw), e) for e in errors]
    # Every proper prefix of a location: an error located at one of them is about an outer key.
    outer = {loc[:n] for loc, _ in located for n in range(len(loc))}
    return [(loc, error) for loc, error in located if loc not in outer]


def _describe(loc: Sequence[Union[str, int]], error: Mapping[str, Any]) -> str:
    loc = list(loc)
    key = config_key(loc)
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = f"; allowed keys: {_allowed_keys(model)}" if model else ""
        return f"{key}: unknown key{allowed}"
    if kind == "missing":
        return f"{key}: required key is missing"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if isinstance(value, str) and len(value) > SHOWN_CHARACTERS:
        # Validators quote the value with repr(): show a long one shortened.
        message = message.replace(repr(value), short_repr(value))
    if kind in ("value_error", "assertion_error"):
        return f"{key}: {message}"
    ctx = error.get("ctx") or {}
    allowed = {
        "literal_error": lambda: f"allowed: {ctx.get('expected')}",
        "enum": lambda: f"allowed: {ctx.get('expected')}",
        "bool_parsing": lambda: "allowed: true or false",
        "bool_type": lambda: "allowed: true or false",
        "int_parsing": lambda: "allowed: a whole number",
        "int_type": lambda: "allowed: a whole number",
        "too_short": lambda: f"allowed: at least {ctx.get('min_length')} item(s)",
        "too_long": lambda: f"allowed: at most {ctx.get('max_length')} item(s)",
        "string_too_short": lambda: f"allowed: at least {ctx.get('min_length')} character(s)",
        "string_too_long": lambda: f"allowed: at most {ctx.get('max_length')} characters",
        "string_pattern_mismatch": lambda: f"allowed: text matching {ctx.get('pattern')}",
        "greater_than_equal": lambda: f"allowed: a number >= {ctx.get('ge')}",
        "less_than_equal": lambda: f"allowed: a number <= {ctx.get('le')}",
        "int_from_float": lambda: "allowed: a whole number",
        "finite_number": lambda: "allowed: a finite number",
        "string_type": lambda: "allowed: text",
        "dict_type": lambda: "allowed: a map",
        "model_type": lambda: "allowed: a map",
        "model_attributes_type": lambda: "allowed: a map",
        "list_type": lambda: "allowed: a list",
        "tuple_type": lambda: "allowed: a list",
    }.get(kind, lambda: f"{message[0].lower()}{message[1:]}")()
    return f"{key}: {shown(value)} is not allowed; {allowed}"


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


def _read_raw(config: pulumi.Config) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for key in _TOP_LEVEL:
        text = config.get(key)
        if text is None:
            continue
        try:
            raw[key] = json_loads(text)
        except json.JSONDecodeError:
            raise SettingsError(
                f"{NAMESPACE}:{key}: {short_repr(text)} is not structured config; allowed: a YAML map or list in the "
                "stack file"
            ) from None
        except RecursionError:
            raise SettingsError(
                f"{NAMESPACE}:{key}: is nested too deeply to read; allowed: at most {MAX_DEPTH} levels"
            ) from None
    for key in _TOP_LEVEL:
        if pulumi.runtime.config.is_config_secret(f"{NAMESPACE}:{key}") and not _holds_inline_kubeconfig(key, raw):
            # Config.get hands over the decrypted JSON; from here on nothing would keep it secret.
            raise SettingsError(
                f"{NAMESPACE}:{key}: holds a secret (secure:) value; allowed: plain values only: every value under "
                f"{NAMESPACE}:{key} becomes an AWS tag, a Kubernetes label, annotation or ConfigMap entry, or a "
                "resource argument, which Pulumi keeps in plain text in state and diffs (the one secret taken is "
                f"{NAMESPACE}:cluster.existing.kubeconfig)"
            )
    unknown = sorted(
        k.split(":", 1)[1]
        for k in {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
        if k.startswith(NAMESPACE + ":") and k.split(":", 1)[1] not in _TOP_LEVEL
    )
    if unknown:
        raise SettingsError(
            f"{_key_text(f'{NAMESPACE}:{unknown[0]}')}: unknown key; allowed keys: "
            + ", ".join(f"{NAMESPACE}:{k}" for k in sorted(_TOP_LEVEL))
        )
    if "cluster" not in raw:
        raw["cluster"] = {}
    if "nodeGroups" not in raw:
        raise SettingsError(f"{NAMESPACE}:nodeGroups: required key is missing; allowed: a list of 1 to 30 node groups")
    return raw


def _holds_inline_kubeconfig(key: str, raw: Mapping[str, Any]) -> bool:
    """The one secret the program takes: an existing cluster's kubeconfig, which the provider keeps secret.

    The CLI marks the whole ``cluster`` object secret for it; the other keys under ``cluster`` are not secrets.
    """
    cluster = raw.get(key) if key == "cluster" else None
    existing = cluster.get("existing") if isinstance(cluster, dict) else None
    return isinstance(existing, dict) and isinstance(existing.get("kubeconfig"), str)


def parse_settings(raw: Mapping[str, Any], *, project: str, stack: str, region: Optional[str]) -> Settings:
    """Validate the raw config values (already JSON-decoded) into :class:`Settings`.

    Raises:
        SettingsError: the first problem found, naming the full config key.
    """
    _check_bounds(raw, region)
    try:
        # by_name=False: a key is its camelCase name only; `instance_types` is an unknown key, not a silent twin.
        model = _StackModel.model_validate(dict(raw), by_name=False)
    except ValidationError as error:
        problems = _problems(error, raw)
        raise SettingsError("; ".join(problems)) from None
    notes: list[str] = []
    model = _without_unreachable_cloudwatch(model, notes)
    # An existing cluster without CloudWatch registers nothing of AWS's: no region needed.
    if not region and (model.cluster.existing is None or model.agents.fluentd.outputs.cloudwatch.enabled):
        raise SettingsError(
            "aws:region: required key is missing; allowed: an AWS region such as us-west-2, here or in the "
            "AWS_REGION or AWS_DEFAULT_REGION environment variable"
        )
    _ami_types_published_for(model.cluster.kubernetes_version, model.node_groups)
    agents = {}
    for agent_key in AGENT_KEYS:
        agent_settings: AgentSettings = getattr(model.agents, to_snake(agent_key))
        agents[agent_key] = Agent(agent_key, agent_settings, _targeting(agent_key, agent_settings))
    return Settings(
        project=project,
        stack=stack,
        region=region,
        cluster_name=model.cluster.name or _default_cluster_name(project, stack),
        cluster=model.cluster,
        node_groups=model.node_groups,
        agents=agents,
        monitoring=model.monitoring,
        notes=tuple(notes),
    )


def _without_unreachable_cloudwatch(model: _StackModel, notes: list[str]) -> _StackModel:
    """On an existing cluster with no OIDC provider given, Fluentd can't assume an IAM role: CloudWatch is off.

    Logs then go to stdout (``kubectl logs``) unless another output is on, so that a stack file written for EKS runs
    unchanged on any cluster, the local one included.
    """
    existing = model.cluster.existing
    fluentd = model.agents.fluentd
    if existing is None or existing.oidc_provider_arn or not fluentd.outputs.cloudwatch.enabled or not fluentd.enabled:
        return model
    outputs = fluentd.outputs.model_copy(
        update={
            "cloudwatch": fluentd.outputs.cloudwatch.model_copy(update={"enabled": False}),
            "stdout": fluentd.outputs.stdout.model_copy(update={"enabled": True}),
        }
    )
    notes.append(
        f"{NAMESPACE}:agents.fluentd.outputs.cloudwatch: off on an existing cluster without "
        f"{NAMESPACE}:cluster.existing.oidcProviderArn (Fluentd's IAM role trusts that provider); logs go to stdout"
    )
    agents = model.agents.model_copy(update={"fluentd": fluentd.model_copy(update={"outputs": outputs})})
    return model.model_copy(update={"agents": agents})


#: EKS published Amazon Linux 2 AMIs up to Kubernetes 1.32 and none for 1.33 or later (EKS user guide, "Kubernetes
#: versions on standard support": AL2 AMIs end with 1.32; awslabs/amazon-eks-ami#2545: AL2 AMIs out of support).
LAST_KUBERNETES_WITH_AL2_AMIS = (1, 32)


def _ami_types_published_for(version: str, groups: Sequence[NodeGroupSettings]) -> None:
    major, minor = (int(part) for part in version.split("."))
    if (major, minor) <= LAST_KUBERNETES_WITH_AL2_AMIS:
        return
    for index, group in enumerate(groups):
        if group.ami_type.startswith("AL2_"):
            replacement = {"AL2_x86_64": "AL2023_x86_64_STANDARD", "AL2_x86_64_GPU": "AL2023_x86_64_NVIDIA"}.get(
                group.ami_type, "AL2023_ARM_64_STANDARD"
            )
            raise SettingsError(
                f"{config_key(('nodeGroups', index, 'amiType'))}: {group.ami_type!r} has no EKS AMI for Kubernetes "
                f"{version} (EKS published Amazon Linux 2 AMIs up to 1.32); allowed: an AL2023 or Bottlerocket AMI "
                f"type, such as {replacement}"
            )


def to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def load_settings() -> Settings:
    """Read and validate the current stack's settings through ``pulumi.Config``."""
    return parse_settings(
        _read_raw(pulumi.Config(NAMESPACE)),
        project=pulumi.get_project(),
        stack=pulumi.get_stack(),
        region=aws_region(),
    )


def aws_region() -> Optional[str]:
    """The region the AWS provider will use: ``aws:region``, else AWS_REGION, else AWS_DEFAULT_REGION."""
    region = pulumi.Config("aws").get("region")
    if region:
        return region
    # pulumi-aws's own fallback to the environment (pulumi_aws.config.region), imported only when it is needed.
    import pulumi_aws.config

    return pulumi_aws.config.region
