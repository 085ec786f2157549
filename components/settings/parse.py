"""The stack file's raw values to :class:`~components.settings.stack.Settings`: limits and region first, then the
models, then the decisions made for the user (CloudWatch, the cluster's name) and the checks across keys."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from components.input.error_text import shown
from components.input.limits import LimitError, check_value
from components.settings.agent_targeting import _targeting
from components.settings.agents import AgentSettings, AgentsSettings
from components.settings.constants import AGENT_KEYS, NAMESPACE
from components.settings.errors import SettingsError, config_key
from components.settings.messages import _problems
from components.settings.node_groups import NodeGroupSettings
from components.settings.node_pools import AUTO_MODE_SYSTEM_POOL
from components.settings.stack import Agent, Settings, _StackModel
from components.settings.values import _EKS_NAME, image_digest


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


#: AWS provider keys that give the provider credentials of its own (pulumi-aws 7's config: profile, assumeRoles, ...;
#: assumeRole is pulumi-aws 6's spelling). The cluster's kubeconfig does not see them: pulumi-eks's kubeconfig runs
#: `aws eks get-token` with the AWS CLI's own credential chain (pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts,
#: generateKubeconfig: --profile only in the copy pulumi-eks keeps for itself, and kubeconfigJson is the copy
#: without it), so the Kubernetes half would run as someone else, or not at all.
AWS_CREDENTIAL_KEYS = (
    "aws:profile", "aws:assumeRole", "aws:assumeRoles", "aws:assumeRoleWithWebIdentity", "aws:accessKey",
    "aws:secretKey", "aws:token", "aws:sharedCredentialsFiles", "aws:sharedConfigFiles",
)


def _credentials_the_kubeconfig_shares(keys: Sequence[str], model: _StackModel) -> None:
    """Refuse provider-only AWS credentials on the EKS path, where the kubeconfig would not use them."""
    given = [key for key in AWS_CREDENTIAL_KEYS if key in keys]
    if given and model.cluster.existing is None:
        raise SettingsError(
            f"{given[0]}: is set, but the cluster's kubeconfig runs `aws eks get-token` with the AWS CLI's own "
            "credentials, not the AWS provider's, so the Kubernetes resources would be deployed as someone else or "
            "not at all; allowed: unset it and give the provider and the CLI the same credentials through the "
            "environment (AWS_PROFILE, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN of an "
            "assumed role)"
        )


def parse_settings(
    raw: Mapping[str, Any],
    *,
    project: str,
    stack: str,
    region: Optional[str],
    aws_config_keys: Sequence[str] = (),
) -> Settings:
    """Validate the raw config values (already JSON-decoded) into :class:`Settings`.

    Args:
        aws_config_keys: the ``aws:`` keys the stack sets (only their names are read).

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
    _credentials_the_kubeconfig_shares(aws_config_keys, model)
    _nodes_the_cluster_has(model)
    notes: list[str] = []
    model = _without_unreachable_cloudwatch(model, notes)
    notes.extend(_images_pulled_at_every_start(model.agents))
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
        node_pools=model.node_pools,
    )


def _nodes_the_cluster_has(model: _StackModel) -> None:
    """Node groups, node pools or both; pools on a new cluster only with Auto Mode; each pool's NodeClass known."""
    if not model.node_groups and not model.node_pools:
        raise SettingsError(
            f"{NAMESPACE}:nodeGroups: no node groups and no node pools; allowed: 1 to 30 node groups, 1 to 50 "
            f"{NAMESPACE}:nodePools, or both"
        )
    if model.node_pools and model.cluster.existing is None and not model.cluster.auto_mode:
        raise SettingsError(
            f"{NAMESPACE}:nodePools: on a new cluster the program creates NodePools only with EKS Auto Mode; allowed: "
            f"{NAMESPACE}:cluster.autoMode: true, or cluster.existing to describe the pools a cluster already has"
        )
    if model.cluster.auto_mode and model.cluster.existing is None:
        # The built-in pool has a row in the placement table beside the groups.
        for index, group in enumerate(model.node_groups):
            if group.name == AUTO_MODE_SYSTEM_POOL.name:
                raise SettingsError(
                    f"{config_key(('nodeGroups', index, 'name'))}: {group.name!r} is the name of EKS Auto Mode's "
                    "built-in pool, which the cluster keeps; allowed: another name (the placement table has a row per "
                    "group and pool)"
                )
    for index, pool in enumerate(model.node_pools):
        if pool.node_class is None and not model.cluster.auto_mode:
            raise SettingsError(
                f"{config_key(('nodePools', index, 'nodeClass'))}: required key is missing for pool {pool.name!r} on a "
                "cluster without Auto Mode; allowed: the NodeClass its nodes come from, e.g. {group: karpenter.k8s.aws, "
                "kind: EC2NodeClass, name: default}, or cluster.autoMode: true for Auto Mode's built-in one"
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


def _images_pulled_at_every_start(agents: AgentsSettings) -> list[str]:
    """A warning per image the user set without a digest: it is pulled with imagePullPolicy Always.

    A tag can be re-pushed, so the kubelet asks the registry for it at every container start; while the registry is
    down or rate-limiting, pods of that agent can't start even on nodes that hold the image.
    """
    notes = []
    for agent_key in AGENT_KEYS:
        settings: AgentSettings = getattr(agents, to_snake(agent_key))
        if not settings.enabled:
            continue
        for field in ("image", "rbac_proxy_image"):
            image = getattr(settings, field, None)
            if image and not image_digest(image):
                key = config_key(("agents", agent_key, to_camel(field)))
                notes.append(
                    f"{key}: {shown(image)} has no digest, so it is pulled with imagePullPolicy Always: every pod start "
                    "asks the registry, and fails while the registry is down or rate-limiting; pin it as "
                    "<image>:<tag>@sha256:<digest> (`crane digest <image>:<tag>` prints the digest)"
                )
    return notes


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

