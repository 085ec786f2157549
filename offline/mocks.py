"""Run the real Pulumi program in-process under recording mocks.

This is the one harness behind both the offline render and the unit tests: it drives the real ``pulumi``,
``pulumi-eks`` and ``pulumi-kubernetes`` SDKs, answers every registration with plausible outputs, and records what
was registered (type, name, parent, provider, inputs with secrets masked) and what the stack exported.

The mock monitor does not advertise resource references. With them on, the SDK rebuilds resources such as
``eks.Cluster`` from references on the monitor's worker thread, and tests fail now and then with "attached to a
different loop" (pulumi/pulumi#6561). Without them a resource input is sent as its URN, which is all we record.
"""

from __future__ import annotations

import json
import os
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Optional

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

SECRET = "[secret]"
ACCOUNT_ID = "123456789012"

# Markers of Pulumi's property serialisation (pulumi/sdk/python/lib/pulumi/runtime/rpc.py).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Registration:
    """One registered resource, as the engine would have seen it."""

    type: str
    name: str
    urn: str
    parent: str
    provider: str
    custom: bool
    inputs: Mapping[str, Any]
    depends_on: tuple[str, ...] = ()
    #: The URNs the resource was known by before (``aliases``), as the SDK computes them.
    aliases: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "parent": self.parent,
            "provider": self.provider,
            "custom": self.custom,
            "dependsOn": list(self.depends_on),
            **({"aliases": list(self.aliases)} if self.aliases else {}),
            "inputs": self.inputs,
        }


@dataclass
class RunResult:
    """What one run of the program registered and exported."""

    resources: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> Registration:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


class Partition(NamedTuple):
    name: str
    dns_suffix: str


#: The AWS partitions by region prefix, as botocore's endpoints data has them (partitions.json: each partition's
#: regionRegex and dnsSuffix; tests/offline/test_mocks.py holds this table to botocore's). Longest prefix first.
PARTITIONS: tuple[tuple[str, Partition], ...] = (
    ("us-isob-", Partition("aws-iso-b", "sc2s.sgov.gov")),
    ("us-isof-", Partition("aws-iso-f", "csp.hci.ic.gov")),
    ("us-iso-", Partition("aws-iso", "c2s.ic.gov")),
    ("eu-isoe-", Partition("aws-iso-e", "cloud.adc-e.uk")),
    ("eusc-", Partition("aws-eusc", "amazonaws.eu")),
    ("us-gov-", Partition("aws-us-gov", "amazonaws.com")),
    ("cn-", Partition("aws-cn", "amazonaws.com.cn")),
)
COMMERCIAL = Partition("aws", "amazonaws.com")


def partition_of(region: str) -> Partition:
    """The partition a region belongs to (``cn-north-1`` -> aws-cn), as the AWS provider reports it."""
    return next((partition for prefix, partition in PARTITIONS if region.startswith(prefix)), COMMERCIAL)


def _masked(value: Any) -> Any:
    """Plain JSON of a serialised property value, with secrets replaced by a marker."""
    if isinstance(value, dict):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return SECRET
        return {k: _masked(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if value == _UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _provider_urn(reference: str) -> str:
    """A provider reference is ``<urn>::<id>``; keep the URN, which is stable across runs."""
    return "::".join(reference.split("::")[:4]) if reference else ""


def _computed_outputs(type_: str, name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """Outputs a real provider would compute, for the types the program reads outputs of."""
    arn = f"arn:{partition_of(region).name}"
    if type_ == "eks:index:Cluster":
        cluster = inputs.get("name") or name
        issuer = f"oidc.eks.{region}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster, "cluster": {"server": f"https://EXAMPLE.gr7.{region}.eks.amazonaws.com"}}],
            "contexts": [{"name": "aws", "context": {"cluster": cluster, "user": "aws"}}],
            "current-context": "aws",
            "users": [{"name": "aws", "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", cluster, "--output", "json"]}}}],
        }
        return {
            "kubeconfig": kubeconfig,
            "kubeconfigJson": json.dumps(kubeconfig, sort_keys=True),
            "oidcIssuer": issuer,
            "oidcProviderUrl": f"https://{issuer}",
            "oidcProviderArn": f"{arn}:iam::{ACCOUNT_ID}:oidc-provider/{issuer}",
        }
    if type_ == "aws:iam/role:Role":
        role = inputs.get("name") or f"{name}-mock"
        return {"name": role, "arn": f"{arn}:iam::{ACCOUNT_ID}:role/{role}"}
    if type_ == "aws:cloudwatch/logGroup:LogGroup":
        group = inputs.get("name") or name
        # Without the ":*" the Logs API adds: the Terraform AWS provider trims it (aws_cloudwatch_log_group's arn).
        return {"name": group, "arn": f"{arn}:logs:{region}:{ACCOUNT_ID}:log-group:{group}"}
    if type_ == "aws:iam/policy:Policy":
        return {"arn": f"{arn}:iam::{ACCOUNT_ID}:policy/{inputs.get('name') or name}"}
    return {}


class RecordingMocks(pulumi_mocks.Mocks):
    """Answers every registration with its inputs plus the outputs the program reads."""

    def __init__(self, region: str) -> None:
        self.region = region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[Optional[str], dict]:
        state = dict(args.inputs)
        state.update(_computed_outputs(args.typ, args.name, args.inputs, self.region))
        return f"{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict:
        # A bare dict: the SDK's mock monitor iterates the second element of a tuple as check failures.
        partition = partition_of(self.region)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:{partition.name}:iam::{ACCOUNT_ID}:user/mock", "userId": "mock"}
        if args.token == "aws:index/getPartition:getPartition":
            # As the provider answers: the partition of its region (pulumi-aws's getPartition: partition, dnsSuffix,
            # reverseDnsPrefix).
            return {
                "id": partition.name,
                "partition": partition.name,
                "dnsSuffix": partition.dns_suffix,
                "reverseDnsPrefix": ".".join(reversed(partition.dns_suffix.split("."))),
            }
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region}
        return {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock monitor that records registrations and does not advertise resource references."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the stack out of a child's type chain; so do we, so URNs read as they would in a real
        # state file.
        if parent and parent.split("::")[2] == "pulumi:pulumi:Stack":
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = _masked(json_format.MessageToDict(request.object, preserving_proto_field_name=True))
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    provider=_provider_urn(request.provider),
                    custom=bool(request.custom),
                    inputs=inputs,
                    depends_on=tuple(sorted(request.dependencies)),
                    aliases=tuple(sorted(request.aliasURNs)),
                )
            )
        return response

    # Nor alias specs: without them the SDK computes each alias's full URN (a parent's aliases carried to its
    # children included), which is what the engine matches against the state, and what we record.
    def SupportsFeature(self, request):  # noqa: N802 - gRPC method name
        response = super().SupportsFeature(request)
        if request.id in ("resourceReferences", "aliasSpecs"):
            response.hasSupport = False
        return response

    def GetDeploymentInfo(self, request):  # noqa: N802 - gRPC method name
        info = super().GetDeploymentInfo(request)
        hidden = {
            resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
            resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
        }
        return resource_pb2.DeploymentInfo(supportedFeatures=[f for f in info.supportedFeatures if f not in hidden])


async def _resolve_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for name in sorted(outputs):
        output = pulumi.Output.from_input(outputs[name])
        value = await output.future()
        resolved[name] = SECRET if await output.is_secret() else value
    return resolved


def run_program(
    program: Callable[[], None],
    *,
    config: Mapping[str, str],
    project: str,
    stack: str,
    secret_keys: tuple[str, ...] = (),
) -> RunResult:
    """Run ``program`` under recording mocks with the given flat config (``ns:key`` -> string).

    Exceptions the program raises (such as a settings error) propagate after the runtime has settled.
    """
    # As the AWS provider does (and components.settings.aws_region): aws:region, else the environment.
    region = config.get("aws:region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-west-2"
    monitor = RecordingMonitor(RecordingMocks(region))
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    pulumi_mocks.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor)
    _sync_await(run_pulumi_func(program))
    root = pulumi_settings.get_root_resource()
    outputs = _sync_await(_resolve_outputs(getattr(root, "outputs", {})))
    return RunResult(resources=sorted(monitor.registrations, key=lambda r: r.urn), outputs=outputs)


def main_program(project_dir: Path) -> Callable[[], None]:
    """The project's own ``__main__.py``, as a callable: never a second copy of the wiring."""

    def run() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__pulumi_program__")

    return run


def run_config(config: Mapping[str, Any], *, stack: str, project: str = "eks-daemonsets") -> RunResult:
    """Run the project's ``__main__.py`` under the recording mocks with a stack file's ``config`` map."""
    from offline.render import flatten_config

    flat, secret_keys = flatten_config(config, project=project)
    project_dir = Path(__file__).resolve().parent.parent
    return run_program(main_program(project_dir), config=flat, project=project, stack=stack, secret_keys=secret_keys)
