"""``eks-daemonsets:cluster``: the EKS cluster to create (version, endpoint access, logging, administrators, VPC,
tags), or the existing cluster to put the agents on."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from components.input.error_text import short_repr
from components.input.limits import MAX_ADMIN_PRINCIPALS, MAX_ARN
from components.settings.addon_versions import ADDON_VERSION_PATTERN, DEFAULT_ADDON_VERSIONS, AddonPins
from components.settings.constants import CONTROL_PLANE_LOG_TYPES, SUPPORTED_KUBERNETES_VERSIONS
from components.settings.model_base import _Model
from components.settings.values import Ipv4Cidr, Text, _admin_principal, _aws_tags


class VpcSettings(_Model):
    """Where the cluster lives: the nodes go in the private subnets, load balancers may use the public ones."""

    id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    private_subnet_ids: tuple[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")], ...] = Field(min_length=2)
    public_subnet_ids: tuple[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")], ...] = ()


class AddonVersionSettings(_Model):
    """``eks-daemonsets:cluster.addonVersions``: the EKS add-on versions, each pinned (default: the table in
    ``components/settings/addon_versions.py`` for the cluster's Kubernetes version)."""

    vpc_cni: Optional[str] = Field(default=None, pattern=ADDON_VERSION_PATTERN)
    kube_proxy: Optional[str] = Field(default=None, pattern=ADDON_VERSION_PATTERN)
    core_dns: Optional[str] = Field(default=None, pattern=ADDON_VERSION_PATTERN)


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
    addon_versions: AddonVersionSettings = AddonVersionSettings()
    # EKS Auto Mode: on a new cluster, EKS runs the nodes (Karpenter inside EKS) and the stack's nodePools are
    # created on its built-in NodeClass; on an existing cluster, the cluster is an Auto Mode one (its pools' nodes
    # carry eks.amazonaws.com/compute-type: auto).
    auto_mode: bool = False

    @property
    def addon_pins(self) -> AddonPins:
        """The add-on versions this cluster runs: the stack's own, else the defaults for its Kubernetes version."""
        default = DEFAULT_ADDON_VERSIONS[self.kubernetes_version]
        given = self.addon_versions
        return AddonPins(
            vpc_cni=given.vpc_cni or default.vpc_cni,
            kube_proxy=given.kube_proxy or default.kube_proxy,
            core_dns=given.core_dns or default.core_dns,
        )

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
