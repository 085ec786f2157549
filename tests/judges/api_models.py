"""AWS's own API models as a judge of the EKS half: every value the rendered resources would send to AWS, checked
against the input shapes botocore loads for the EKS, IAM and CloudWatch Logs operations they end in.

The mocks accept anything; kubernetes-validate judges the Kubernetes objects. This judges the AWS resources the same
way: :data:`REQUESTS` maps each registered resource's inputs to the API members of the call(s) it becomes (one small
table, read by every test), :func:`api_calls` builds those calls from a render's ``resources.json``, and
:func:`problems` walks each against its operation's input shape: required members, string lengths and patterns,
enums, list and map sizes, numeric ranges, and members the shape does not have.

Members the provider fills in itself (the cluster's service role, a node group's subnets in the default VPC, names
it generates) are :class:`Provided`: present, not checked. Where the provider makes a value from ours, the table says
how (a node group's name is our prefix plus the Terraform AWS provider's 26-character unique suffix).

The models come from botocore's loader (``botocore.session``), never from a file path, so the judge follows the
installed botocore (requirements-dev.txt). Smithy patterns are not anchored; the services match the whole value,
and so does this judge (``fullmatch``), with the ``regex`` module, which knows the models' ``\\p{L}`` classes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import botocore.session
import regex


@dataclass(frozen=True)
class Provided:
    """A member the provider fills in (a role ARN it creates, a name it generates): present, not judged."""

    why: str


#: What a source returns for a call the resource does not make (an add-on pulumi-eks leaves out with Auto Mode).
NOT_CALLED = object()


def _vpc_cni_made(inputs: Mapping[str, Any]) -> Any:
    # pulumi-eks cluster.ts: the VPC CNI add-on unless useDefaultVpcCni; with Auto Mode only when it is false.
    auto = (inputs.get("autoMode") or {}).get("enabled")
    made = inputs.get("useDefaultVpcCni") is False if auto else not inputs.get("useDefaultVpcCni")
    return "vpc-cni" if made else NOT_CALLED


def _kube_proxy_made(inputs: Mapping[str, Any]) -> Any:
    # pulumi-eks cluster.ts: kube-proxy unless disabled; with Auto Mode only when kubeProxyAddonOptions.enabled.
    options = inputs.get("kubeProxyAddonOptions") or {}
    auto = (inputs.get("autoMode") or {}).get("enabled")
    return "kube-proxy" if (options.get("enabled") is True if auto else options.get("enabled") is not False) else NOT_CALLED


#: What an input of a member comes from: an input path (``scalingConfig.minSize``), a function of the inputs, or a
#: :class:`Provided` value.
Source = Union[str, Callable[[Mapping[str, Any]], Any], Provided]

#: terraform-plugin-sdk helper/id: UniqueIDSuffixLength = 26 hex digits, appended to a name prefix by the provider.
PROVIDER_SUFFIX = "0123456789abcdef0123456789"
#: Pulumi's auto-name: the resource name, "-" and 7 random hex characters (Pulumi's default autonaming).
AUTONAME_SUFFIX = "-0a1b2c3"


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """IAM takes tags as a list of {Key, Value}; the EKS and Logs APIs as a map."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _taints(taints: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [dict(t) for t in taints]


def _subnets(inputs: Mapping[str, Any]) -> Any:
    given = list(inputs.get("privateSubnetIds") or []) + list(inputs.get("publicSubnetIds") or [])
    return given or Provided("the default VPC's subnets, looked up by pulumi-eks")


#: resource type -> the calls it becomes: (service, operation, {API member path: source}). A member path is dotted,
#: with [n] for a list element (logging.clusterLogging[0].types).
REQUESTS: Mapping[str, Sequence[tuple[str, str, Mapping[str, Source]]]] = {
    "eks:index:Cluster": (
        ("eks", "CreateCluster", {
            "name": "name",
            "version": "version",
            "roleArn": Provided("the cluster service role pulumi-eks creates"),
            "resourcesVpcConfig.subnetIds": _subnets,
            "resourcesVpcConfig.endpointPublicAccess": "endpointPublicAccess",
            "resourcesVpcConfig.endpointPrivateAccess": "endpointPrivateAccess",
            "resourcesVpcConfig.publicAccessCidrs": "publicAccessCidrs",
            "logging.clusterLogging[0].types": "enabledClusterLogTypes",
            "logging.clusterLogging[0].enabled": lambda i: True if i.get("enabledClusterLogTypes") else None,
            "accessConfig.authenticationMode": "authenticationMode",
            "computeConfig.enabled": "autoMode.enabled",
            "computeConfig.nodePools": "autoMode.computeConfig.nodePools",
            "tags": "tags",
        }),
        ("eks", "CreateAddon", {
            "clusterName": "name",
            "addonName": _vpc_cni_made,
            "addonVersion": "vpcCniOptions.addonVersion",
            "tags": "tags",
        }),
        ("eks", "CreateAddon", {
            "clusterName": "name",
            "addonName": _kube_proxy_made,
            "addonVersion": "kubeProxyAddonOptions.version",
            "tags": "tags",
        }),
    ),
    "eks:index:ManagedNodeGroup": (
        ("eks", "CreateNodegroup", {
            "clusterName": Provided("the cluster's name, from the Cluster it is given"),
            "nodegroupName": lambda i: i["nodeGroupNamePrefix"] + PROVIDER_SUFFIX,
            "subnets": lambda i: i.get("subnetIds") or Provided("the cluster's subnets"),
            "nodeRole": Provided("the node role's ARN"),
            "scalingConfig.minSize": "scalingConfig.minSize",
            "scalingConfig.maxSize": "scalingConfig.maxSize",
            "scalingConfig.desiredSize": "scalingConfig.desiredSize",
            "diskSize": "diskSize",
            "instanceTypes": "instanceTypes",
            "amiType": "amiType",
            "capacityType": "capacityType",
            "labels": "labels",
            "taints": lambda i: _taints(i["taints"]) if i.get("taints") else None,
            "tags": "tags",
        }),
    ),
    "aws:eks/accessEntry:AccessEntry": (
        ("eks", "CreateAccessEntry", {
            "clusterName": "clusterName", "principalArn": "principalArn", "type": "type", "tags": "tags",
        }),
    ),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": (
        ("eks", "AssociateAccessPolicy", {
            "clusterName": "clusterName",
            "principalArn": "principalArn",
            "policyArn": "policyArn",
            "accessScope.type": "accessScope.type",
            "accessScope.namespaces": "accessScope.namespaces",
        }),
    ),
    "aws:eks/addon:Addon": (
        ("eks", "CreateAddon", {
            "clusterName": "clusterName",
            "addonName": "addonName",
            "addonVersion": "addonVersion",
            "configurationValues": "configurationValues",
            "resolveConflicts": "resolveConflictsOnCreate",
            "tags": "tags",
        }),
    ),
    "aws:iam/role:Role": (
        ("iam", "CreateRole", {
            "RoleName": lambda i: i.get("name") or Provided("Pulumi's auto-name"),
            "AssumeRolePolicyDocument": "assumeRolePolicy",
            "Description": "description",
            "Tags": lambda i: _tag_list(i["tags"]) if i.get("tags") else None,
        }),
    ),
    "aws:iam/rolePolicy:RolePolicy": (
        ("iam", "PutRolePolicy", {
            "RoleName": Provided("the role's generated name"),
            "PolicyName": lambda i: i.get("name") or Provided("Pulumi's auto-name"),
            "PolicyDocument": "policy",
        }),
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        ("iam", "AttachRolePolicy", {"RoleName": Provided("the role's generated name"), "PolicyArn": "policyArn"}),
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        ("logs", "CreateLogGroup", {"logGroupName": "name", "kmsKeyId": "kmsKeyId", "tags": "tags"}),
        ("logs", "PutRetentionPolicy", {"logGroupName": "name", "retentionInDays": "retentionInDays"}),
    ),
}

#: The operations the judge speaks for, by service: every table row's (service, operation).
OPERATIONS = sorted({(service, operation) for rows in REQUESTS.values() for service, operation, _ in rows})


@dataclass(frozen=True)
class ApiCall:
    """One call a resource becomes: where it comes from, and its parameters."""

    resource: str
    service: str
    operation: str
    params: Mapping[str, Any]

    def label(self) -> str:
        return f"{self.resource}: {self.service} {self.operation}"


# --------------------------------------------------------------------------------------------- building the calls


def _get(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _put(params: dict[str, Any], path: str, value: Any) -> None:
    here: Any = params
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part, following in zip(parts, parts[1:]):
        key: Any = int(part) if part.isdigit() else part
        if isinstance(here, list):
            while len(here) <= key:
                here.append({})
            here = here[key]
        else:
            here = here.setdefault(key, [] if following.isdigit() else {})
    here[parts[-1]] = value


def _value(source: Source, inputs: Mapping[str, Any]) -> Any:
    if isinstance(source, Provided):
        return source
    value = _get(inputs, source) if isinstance(source, str) else source(inputs)
    # Values the mocks can't know: the provider computes them at up.
    return Provided("unknown at preview") if value in ("[unknown]", "[secret]") else value


def api_calls(resources: Sequence[Mapping[str, Any]]) -> list[ApiCall]:
    """The calls a render's resources (``resources.json`` entries) would make, per :data:`REQUESTS`."""
    calls = []
    for resource in resources:
        for service, operation, members in REQUESTS.get(resource["type"], ()):
            params: dict[str, Any] = {}
            values = {path: _value(source, resource["inputs"]) for path, source in members.items()}
            if NOT_CALLED in values.values():
                continue
            for path, value in values.items():
                if value is not None:
                    _put(params, path, value)
            calls.append(ApiCall(resource["name"], service, operation, params))
    return calls


# --------------------------------------------------------------------------------------------- judging them


@functools.cache
def input_shape(service: str, operation: str) -> Any:
    """The operation's input shape from botocore's loaded service model."""
    return botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape


@functools.cache
def _pattern(text: str) -> Any:
    return regex.compile(text)


#: The Python type each shape kind takes, and how a problem names it.
_KINDS = {
    "structure": (Mapping, "a structure"), "list": (list, "a list"), "map": (Mapping, "a map"),
    "string": (str, "a string"), "integer": (int, "an integer"), "long": (int, "an integer"),
    "boolean": (bool, "a boolean"),
}
#: What a size is counted in, for the kinds whose size the models bound.
_UNITS = {"list": "items", "map": "entries", "string": "characters"}


def _bound_problems(where: str, number: int, meta: Mapping[str, Any], unit: str) -> Iterator[str]:
    if "min" in meta and number < meta["min"]:
        yield f"{where}: {number}{unit}, below the minimum {meta['min']}"
    if "max" in meta and number > meta["max"]:
        yield f"{where}: {number}{unit}, above the maximum {meta['max']}"


def _walk(shape: Any, value: Any, where: str) -> Iterator[str]:
    if isinstance(value, Provided):
        return
    meta, kind = shape.metadata, shape.type_name
    expected, name = _KINDS.get(kind, (object, ""))
    if not isinstance(value, expected) or (kind in ("integer", "long") and isinstance(value, bool)):
        yield f"{where}: {value!r} is not {name}"
        return
    if kind in _UNITS:
        yield from _bound_problems(where, len(value), meta, f" {_UNITS[kind]}")
    if kind == "structure":
        for member in shape.required_members:
            if value.get(member) is None:
                yield f"{where}.{member}: required member is missing"
        for member, item in value.items():
            if member not in shape.members:
                yield f"{where}.{member}: {shape.name} has no such member"
            else:
                yield from _walk(shape.members[member], item, f"{where}.{member}")
    elif kind == "list":
        for index, item in enumerate(value):
            yield from _walk(shape.member, item, f"{where}[{index}]")
    elif kind == "map":
        for key, item in value.items():
            yield from _walk(shape.key, key, f"{where} key {key!r}")
            yield from _walk(shape.value, item, f"{where}[{key!r}]")
    elif kind == "string":
        if "pattern" in meta and not _pattern(meta["pattern"]).fullmatch(value):
            yield f"{where}: {value[:80]!r} does not match {meta['pattern']}"
        if shape.enum and value not in shape.enum:
            yield f"{where}: {value!r} is not one of {shape.enum}"
    elif kind in ("integer", "long"):
        yield from _bound_problems(where, value, meta, "")


def problems(call: ApiCall) -> list[str]:
    """Everything the operation's input shape refuses in ``call``, one line each."""
    return [f"{call.label()}: {line}" for line in _walk(input_shape(call.service, call.operation), call.params, "input")]


def judge_resources(resources: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every problem of every call the resources would make."""
    return [line for call in api_calls(resources) for line in problems(call)]


def read_resources(text: str) -> list[dict[str, Any]]:
    """A render's ``resources.json``."""
    return json.loads(text)
