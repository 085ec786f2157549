"""The CrossGuard pack in policy/: each policy on a hand-made passing and failing resource, then on the dev stack.

Validators are called the way the policy engine calls them: a real ``ResourceValidationArgs`` (or
``StackValidationArgs``) whose props went through ``unknown_checking_proxy``, so they are read-only
``Mapping``/``Sequence`` proxies as in ``pulumi preview``, not plain dicts. Only ``policy.daemonset_policies`` is
imported: ``policy/__main__.py`` builds the ``PolicyPack``, whose constructor starts a gRPC server and blocks.
"""

from __future__ import annotations

import ast
import copy
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from policy.daemonset_policies import (
    COVERAGE_LABEL,
    DAEMONSET,
    NAMESPACE,
    POLICIES,
    PRIVILEGED_REASON_ANNOTATION,
    image_pin_problem,
    pod_security_problems,
)
from tests.conftest import dev_config, run_config

ROOT = Path(__file__).resolve().parents[2]
POLICY = {policy.name: policy for policy in POLICIES}
OPTS = PolicyResourceOptions(
    protect=False,
    ignore_changes=[],
    delete_before_replace=None,
    aliases=[],
    custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
    additional_secret_outputs=[],
)


def urn_of(type_: str, name: str) -> str:
    return f"urn:pulumi:test::eks-daemonsets::{type_}::{name}"


def engine_props(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Props as the engine hands them over: a deep copy behind unknown-checking proxies."""
    return unknown_checking_proxy(json.loads(json.dumps(props)))


def resource_args(type_: str, props: Mapping[str, Any], name: str = "agent") -> ResourceValidationArgs:
    return ResourceValidationArgs(type_, engine_props(props), urn_of(type_, name), name, OPTS, None)


def stack_resource(type_: str, props: Mapping[str, Any], name: str) -> PolicyResource:
    return PolicyResource(type_, engine_props(props), urn_of(type_, name), name, OPTS, None, None, [], {})


class Reports:
    """A ``report_violation`` stand-in with the engine's signature: ``(message, urn=None)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Optional[str]]] = []

    def __call__(self, message: str, urn: Optional[str] = None) -> None:
        self.calls.append((message, urn))

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.calls]


def violations(policy_name: str, props: Mapping[str, Any], type_: str = DAEMONSET) -> list[str]:
    policy = POLICY[policy_name]
    assert isinstance(policy, ResourceValidationPolicy)
    reports = Reports()
    assert policy.validate(resource_args(type_, props), reports) is None
    return reports.messages


def container(name: str, image: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }


def good_daemonset() -> dict[str, Any]:
    """A must-cover DaemonSet every policy accepts: the starting point each failing case breaks one way."""
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "agents", "labels": {COVERAGE_LABEL: "all"}},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent", COVERAGE_LABEL: "all"}},
                "spec": {
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "initContainers": [container("setup", "docker.io/library/busybox:1.37.0")],
                    "containers": [
                        container("agent", "quay.io/example/agent:v1.19.3-debian-cloudwatch-1.1"),
                        container("sidecar", "quay.io/example/sidecar@sha256:" + "a" * 64),
                    ],
                    "tolerations": [{"operator": "Exists"}],
                },
            },
        },
    }


def pod_spec(daemonset: dict[str, Any]) -> dict[str, Any]:
    return daemonset["spec"]["template"]["spec"]


def good_namespace(level: str = "privileged") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "agents", "labels": {"pod-security.kubernetes.io/enforce": level}},
    }


# --------------------------------------------------------------------------------------------- the pack itself


def test_every_policy_has_a_unique_name_and_a_description() -> None:
    names = [policy.name for policy in POLICIES]
    assert len(names) == len(set(names))
    assert set(names) == {
        "daemonset-container-resources",
        "daemonset-image-pinned",
        "daemonset-seccomp",
        "daemonset-privileged-needs-reason",
        "daemonset-must-cover-tolerations",
        "namespace-pod-security-labels",
        "daemonset-fits-namespace-pod-security",
    }
    for policy in POLICIES:
        assert policy.description.strip(), policy.name


def test_the_good_daemonset_passes_every_resource_policy() -> None:
    for policy in POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            assert violations(policy.name, good_daemonset()) == [], policy.name


def test_daemonset_policies_leave_other_kinds_alone() -> None:
    """A Deployment breaking every rule is not a node agent: none of the DaemonSet policies looks at it."""
    deployment = good_daemonset()
    deployment["kind"] = "Deployment"
    spec = pod_spec(deployment)
    spec.pop("securityContext")
    spec.pop("tolerations")
    spec["containers"][0].update(image="nginx", resources={}, securityContext={"privileged": True})
    for policy in POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            assert violations(policy.name, deployment, type_="kubernetes:apps/v1:Deployment") == [], policy.name


def test_main_builds_a_mandatory_pack_from_the_module() -> None:
    """__main__.py can't be imported (it blocks serving gRPC), so read it: one PolicyPack, MANDATORY, our POLICIES."""
    tree = ast.parse((ROOT / "policy" / "__main__.py").read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PolicyPack"]
    assert len(calls) == 1
    keywords = {keyword.arg: ast.unparse(keyword.value) for keyword in calls[0].keywords}
    assert keywords == {
        "name": "'eks-daemonsets-policies'",
        "policies": "POLICIES",
        "enforcement_level": "EnforcementLevel.MANDATORY",
    }
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert any(node.module == "daemonset_policies" and node.names[0].name == "POLICIES" for node in imports)


def test_policy_project_file_runs_python_in_its_own_virtualenv() -> None:
    project = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"
    requirements = (ROOT / "policy" / "requirements.txt").read_text()
    assert "pulumi-policy" in requirements


# --------------------------------------------------------------------------------------------- (a) resources


def test_resources_missing_requests_and_limits_name_the_daemonset_and_container() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset)["initContainers"][0]["resources"] = {"limits": {"memory": "64Mi"}}
    pod_spec(daemonset)["containers"][0]["resources"]["limits"] = {"cpu": "1"}
    pod_spec(daemonset)["containers"][1].pop("resources")
    assert violations("daemonset-container-resources", daemonset) == [
        'DaemonSet agents/agent: init container "setup" has no resources.requests.cpu, resources.requests.memory; '
        "every container of a node agent requests cpu and memory and limits memory, so it is scheduled for what it "
        "uses and cannot take a node's memory from the workloads on it",
        'DaemonSet agents/agent: container "agent" has no resources.limits.memory; every container of a node agent '
        "requests cpu and memory and limits memory, so it is scheduled for what it uses and cannot take a node's "
        "memory from the workloads on it",
        'DaemonSet agents/agent: container "sidecar" has no resources.requests.cpu, resources.requests.memory, '
        "resources.limits.memory; every container of a node agent requests cpu and memory and limits memory, so it "
        "is scheduled for what it uses and cannot take a node's memory from the workloads on it",
    ]


def test_resources_accept_numbers_and_reject_empty_strings() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset)["containers"][0]["resources"] = {"requests": {"cpu": 1, "memory": "64Mi"}, "limits": {"memory": ""}}
    assert violations("daemonset-container-resources", daemonset) == [
        'DaemonSet agents/agent: container "agent" has no resources.limits.memory; every container of a node agent '
        "requests cpu and memory and limits memory, so it is scheduled for what it uses and cannot take a node's "
        "memory from the workloads on it",
    ]


# --------------------------------------------------------------------------------------------- (b) image pinned


@pytest.mark.parametrize(
    "image",
    [
        "quay.io/prometheus/node-exporter:v1.12.1",
        "docker.io/falcosecurity/falco:0.44.1",
        "docker.io/fluent/fluentd-kubernetes-daemonset:v1.19.3-debian-cloudwatch-1.1",
        "registry.example.com:5000/team/agent:1.2.3",
        "agent:1.2.3-rc.1",
        "agent:1.2.3_build.7",
        "agent:1.2.3.4",
        "quay.io/example/agent@sha256:" + "0" * 64,
        "quay.io/example/agent:latest@sha256:" + "0" * 64,
        "quay.io/example/agent:v1@sha256:" + "f" * 64,
    ],
)
def test_pinned_images(image: str) -> None:
    assert image_pin_problem(image) is None


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("busybox", "it has no tag, which means the floating tag 'latest'"),
        ("registry.example.com:5000/team/agent", "it has no tag, which means the floating tag 'latest'"),
        ("busybox:latest", "the tag 'latest' is a floating tag"),
        ("busybox:Stable", "the tag 'Stable' is a floating tag"),
        ("agent:main", "the tag 'main' is a floating tag"),
        ("agent:master", "the tag 'master' is a floating tag"),
        ("agent:edge", "the tag 'edge' is a floating tag"),
        ("agent:v1", "the tag 'v1' names 1 without a patch version, which moves with each release"),
        ("agent:1", "the tag '1' names 1 without a patch version, which moves with each release"),
        ("agent:1.2", "the tag '1.2' names 1.2 without a patch version, which moves with each release"),
        (
            "fluent/fluentd-kubernetes-daemonset:v1-debian-cloudwatch",
            "the tag 'v1-debian-cloudwatch' names 1 without a patch version, which moves with each release",
        ),
        ("agent:1.2-alpine", "the tag '1.2-alpine' names 1.2 without a patch version, which moves with each release"),
        ("agent:bookworm", "the tag 'bookworm' is not a version (MAJOR.MINOR.PATCH); pin a tag like that one with a digest"),
        ("agent:849b9e1ecd84", "the tag '849b9e1ecd84' is not a version (MAJOR.MINOR.PATCH); pin a tag like that one with a digest"),
        ("agent@sha256:abc", "the digest 'sha256:abc' is not an algorithm:hex content digest such as sha256:<64 hex digits>"),
        ("agent:-bad", "the tag '-bad' is not a valid tag"),
        ("agent:1.2.3+build.7", "the tag '1.2.3+build.7' is not a valid tag"),
        ("", "no image is set"),
        (None, "no image is set"),
    ],
)
def test_floating_images(image: Any, problem: str) -> None:
    assert image_pin_problem(image) == problem


def test_unpinned_images_name_the_daemonset_and_container() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset)["initContainers"][0]["image"] = "busybox"
    pod_spec(daemonset)["containers"][0]["image"] = "fluent/fluentd-kubernetes-daemonset:v1-debian-cloudwatch"
    assert violations("daemonset-image-pinned", daemonset) == [
        "DaemonSet agents/agent: init container \"setup\" image 'busybox' is not pinned: it has no tag, which means the "
        "floating tag 'latest'; use an exact MAJOR.MINOR.PATCH tag or an @sha256 digest",
        "DaemonSet agents/agent: container \"agent\" image 'fluent/fluentd-kubernetes-daemonset:v1-debian-cloudwatch' is "
        "not pinned: the tag 'v1-debian-cloudwatch' names 1 without a patch version, which moves with each release; use "
        "an exact MAJOR.MINOR.PATCH tag or an @sha256 digest",
    ]


def test_an_image_unknown_during_preview_is_not_judged() -> None:
    """The engine turns UnknownValueError into an advisory 'can't run during preview'; we must not swallow it."""
    daemonset = good_daemonset()
    pod_spec(daemonset)["containers"][0]["image"] = UNKNOWN_STRING_VALUE
    with pytest.raises(UnknownValueError):
        violations("daemonset-image-pinned", daemonset)


# --------------------------------------------------------------------------------------------- (c) seccomp


def test_seccomp_missing_everywhere_is_one_violation_per_container() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset).pop("securityContext")
    pod_spec(daemonset)["containers"][1]["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    hint = (
        "has no seccomp profile; set spec.template.spec.securityContext.seccompProfile.type (or each container's "
        "securityContext.seccompProfile.type) to RuntimeDefault or Localhost"
    )
    assert violations("daemonset-seccomp", daemonset) == [
        f'DaemonSet agents/agent: init container "setup" {hint}',
        f'DaemonSet agents/agent: container "agent" {hint}',
    ]


def test_seccomp_per_container_suffices_without_a_pod_profile() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset).pop("securityContext")
    for item in pod_spec(daemonset)["initContainers"] + pod_spec(daemonset)["containers"]:
        item["securityContext"]["seccompProfile"] = {"type": "Localhost", "localhostProfile": "profiles/agent.json"}
    assert violations("daemonset-seccomp", daemonset) == []


def test_seccomp_unconfined_and_localhost_without_a_profile_are_violations() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset)["containers"][0]["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    pod_spec(daemonset)["containers"][1]["securityContext"]["seccompProfile"] = {"type": "Localhost"}
    assert violations("daemonset-seccomp", daemonset) == [
        "DaemonSet agents/agent: container \"agent\" runs with securityContext.seccompProfile.type 'Unconfined'; "
        "allowed: RuntimeDefault or Localhost",
        "DaemonSet agents/agent: container \"sidecar\" runs with securityContext.seccompProfile.type 'Localhost' but no "
        "localhostProfile",
    ]


def test_seccomp_unconfined_pod_profile_is_inherited_by_containers_that_set_none() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset)["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    pod_spec(daemonset)["initContainers"][0]["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    pod_spec(daemonset)["containers"][1]["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    assert violations("daemonset-seccomp", daemonset) == [
        "DaemonSet agents/agent: container \"agent\" runs with the pod's "
        "spec.template.spec.securityContext.seccompProfile.type 'Unconfined'; allowed: RuntimeDefault or Localhost",
    ]


# --------------------------------------------------------------------------------------------- (d) privileged


def privileged_daemonset(annotations: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    daemonset = good_daemonset()
    pod_spec(daemonset)["containers"][0]["securityContext"] = {
        "privileged": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if annotations is not None:
        daemonset["spec"]["template"]["metadata"]["annotations"] = annotations
    return daemonset


PRIVILEGED_MESSAGE = (
    'DaemonSet agents/agent: container "agent" is privileged but the pod template has no non-empty '
    "eks-daemonsets.io/privileged-reason annotation; write down why the capabilities it names are not enough, or "
    "drop privileged: true"
)


def test_privileged_with_a_reason_passes() -> None:
    daemonset = privileged_daemonset({PRIVILEGED_REASON_ANNOTATION: "the kmod driver loads a kernel module"})
    assert violations("daemonset-privileged-needs-reason", daemonset) == []


@pytest.mark.parametrize("annotations", [None, {}, {PRIVILEGED_REASON_ANNOTATION: ""}, {PRIVILEGED_REASON_ANNOTATION: "  "}])
def test_privileged_without_a_reason_is_a_violation(annotations: Optional[dict[str, Any]]) -> None:
    assert violations("daemonset-privileged-needs-reason", privileged_daemonset(annotations)) == [PRIVILEGED_MESSAGE]


def test_privileged_reason_on_the_daemonset_instead_of_the_pod_template_does_not_count() -> None:
    daemonset = privileged_daemonset()
    daemonset["metadata"]["annotations"] = {PRIVILEGED_REASON_ANNOTATION: "the kmod driver loads a kernel module"}
    assert violations("daemonset-privileged-needs-reason", daemonset) == [PRIVILEGED_MESSAGE]


def test_a_privileged_init_container_needs_the_reason_too() -> None:
    daemonset = good_daemonset()
    pod_spec(daemonset)["initContainers"][0]["securityContext"]["privileged"] = True
    assert violations("daemonset-privileged-needs-reason", daemonset) == [
        PRIVILEGED_MESSAGE.replace('container "agent"', 'init container "setup"')
    ]


# --------------------------------------------------------------------------------------------- (e) must-cover


def must_cover(tolerations: Optional[list[dict[str, Any]]], *, on: str = "both") -> dict[str, Any]:
    daemonset = good_daemonset()
    if on == "template":
        daemonset["metadata"]["labels"].pop(COVERAGE_LABEL)
    if on == "daemonset":
        daemonset["spec"]["template"]["metadata"]["labels"].pop(COVERAGE_LABEL)
    if tolerations is None:
        pod_spec(daemonset).pop("tolerations")
    else:
        pod_spec(daemonset)["tolerations"] = tolerations
    return daemonset


@pytest.mark.parametrize(
    "tolerations",
    [
        [{"operator": "Exists"}],
        [{"key": "", "operator": "Exists", "effect": ""}],
        [{"operator": "Exists", "effect": "NoSchedule"}, {"operator": "Exists", "effect": "NoExecute"}],
    ],
)
def test_must_cover_tolerating_every_blocking_taint_passes(tolerations: list[dict[str, Any]]) -> None:
    assert violations("daemonset-must-cover-tolerations", must_cover(tolerations)) == []


@pytest.mark.parametrize("on", ["both", "daemonset", "template"])
def test_must_cover_without_tolerations_is_a_violation(on: str) -> None:
    assert violations("daemonset-must-cover-tolerations", must_cover(None, on=on)) == [
        "DaemonSet agents/agent is labelled eks-daemonsets.io/coverage: all but has no tolerations, so any tainted "
        "node group goes without it; add {operator: Exists} (every taint) or {operator: Exists, effect: NoSchedule} "
        "and {operator: Exists, effect: NoExecute}",
    ]


@pytest.mark.parametrize(
    ("tolerations", "missing"),
    [
        ([{"key": "nvidia.com/gpu", "operator": "Exists"}], "NoSchedule and every NoExecute"),
        ([{"operator": "Exists", "effect": "NoSchedule"}], "NoExecute"),
        ([{"operator": "Exists", "effect": "NoSchedule"}, {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}], "NoExecute"),
        ([{"operator": "Exists", "effect": "NoExecute"}, {"operator": "Exists", "effect": "PreferNoSchedule"}], "NoSchedule"),
        ([{"operator": "Equal", "effect": "NoSchedule"}, {"operator": "Exists", "effect": "NoExecute"}], "NoSchedule"),
    ],
)
def test_must_cover_with_partial_tolerations_names_the_missing_effects(tolerations: list[dict[str, Any]], missing: str) -> None:
    assert violations("daemonset-must-cover-tolerations", must_cover(tolerations)) == [
        f"DaemonSet agents/agent is labelled eks-daemonsets.io/coverage: all but does not tolerate every {missing} "
        "taint, so a node group tainted that way goes without it; add {operator: Exists} (every taint) or "
        "{operator: Exists, effect: <effect>} without tolerationSeconds",
    ]


def test_an_agent_that_may_skip_nodes_needs_no_tolerations() -> None:
    daemonset = must_cover(None)
    daemonset["metadata"]["labels"][COVERAGE_LABEL] = "any"
    daemonset["spec"]["template"]["metadata"]["labels"][COVERAGE_LABEL] = "any"
    assert violations("daemonset-must-cover-tolerations", daemonset) == []


# --------------------------------------------------------------------------------------------- (f) namespaces


@pytest.mark.parametrize("level", ["privileged", "baseline", "restricted"])
def test_namespace_with_an_enforce_level_passes(level: str) -> None:
    namespace = good_namespace(level)
    namespace["metadata"]["labels"]["pod-security.kubernetes.io/warn"] = "restricted"
    assert violations("namespace-pod-security-labels", namespace, type_=NAMESPACE) == []


def test_namespace_without_pod_security_labels_is_a_violation() -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "agents"}}
    assert violations("namespace-pod-security-labels", namespace, type_=NAMESPACE) == [
        "Namespace agents has no pod-security.kubernetes.io/enforce label; set it to one of privileged, baseline, "
        "restricted (the least the namespace's pods need), so the API server enforces a Pod Security Standard there",
    ]


def test_namespace_with_a_made_up_level_is_a_violation() -> None:
    namespace = good_namespace("strict")
    namespace["metadata"]["labels"]["pod-security.kubernetes.io/audit"] = "Baseline"
    assert violations("namespace-pod-security-labels", namespace, type_=NAMESPACE) == [
        "Namespace agents: label pod-security.kubernetes.io/enforce='strict' is not a Pod Security level; allowed: "
        "privileged, baseline, restricted",
        "Namespace agents: label pod-security.kubernetes.io/audit='Baseline' is not a Pod Security level; allowed: "
        "privileged, baseline, restricted",
    ]


def test_namespace_without_a_name_falls_back_to_the_pulumi_name() -> None:
    assert violations("namespace-pod-security-labels", {"metadata": {}}, type_=NAMESPACE) == [
        "Namespace agent has no pod-security.kubernetes.io/enforce label; set it to one of privileged, baseline, "
        "restricted (the least the namespace's pods need), so the API server enforces a Pod Security Standard there",
    ]


# --------------------------------------------------------------------------------------------- (g) PSA fit


def host_daemonset() -> dict[str, Any]:
    """A node-exporter-like agent: host namespaces, a hostPath volume, a hostPort and one extra capability."""
    daemonset = good_daemonset()
    spec = pod_spec(daemonset)
    spec.update(hostNetwork=True, hostPID=True, volumes=[{"name": "root", "hostPath": {"path": "/"}}])
    spec["containers"][0]["ports"] = [{"containerPort": 9100, "hostPort": 9100}]
    spec["containers"][0]["securityContext"]["capabilities"]["add"] = ["CAP_SYS_PTRACE"]
    return daemonset


def stack_violations(*resources: tuple[str, dict[str, Any], str]) -> list[tuple[str, Optional[str]]]:
    policy = POLICY["daemonset-fits-namespace-pod-security"]
    assert isinstance(policy, StackValidationPolicy)
    reports = Reports()
    policy.validate(StackValidationArgs([stack_resource(*resource) for resource in resources]), reports)
    return reports.calls


def test_a_host_agent_fits_a_privileged_namespace() -> None:
    assert stack_violations((NAMESPACE, good_namespace("privileged"), "agents"), (DAEMONSET, host_daemonset(), "agent")) == []


def test_a_host_agent_in_a_baseline_namespace_would_never_start() -> None:
    assert stack_violations((NAMESPACE, good_namespace("baseline"), "agents"), (DAEMONSET, host_daemonset(), "agent")) == [
        (
            "DaemonSet agents/agent: namespace agents enforces Pod Security level 'baseline', which rejects these pods "
            'for hostNetwork: true; hostPID: true; hostPath volume "root"; container "agent" adds capabilities '
            "SYS_PTRACE; container \"agent\" hostPort 9100; loosen the namespace's pod-security.kubernetes.io/enforce "
            "label or the pod spec",
            urn_of(DAEMONSET, "agent"),
        )
    ]


def test_a_daemonset_in_a_namespace_the_stack_does_not_create_is_not_judged() -> None:
    namespace = good_namespace("restricted")
    namespace["metadata"]["name"] = "elsewhere"
    assert stack_violations((NAMESPACE, namespace, "elsewhere"), (DAEMONSET, host_daemonset(), "agent")) == []


def test_restricted_asks_for_more_than_baseline() -> None:
    template = good_daemonset()["spec"]["template"]
    assert pod_security_problems(template, "privileged") == []
    assert pod_security_problems(template, "baseline") == []
    assert pod_security_problems(template, "restricted") == [
        'init container "setup" without runAsNonRoot: true',
        'container "agent" without runAsNonRoot: true',
        'container "sidecar" without runAsNonRoot: true',
    ]
    template["spec"]["securityContext"]["runAsNonRoot"] = True
    assert pod_security_problems(template, "restricted") == []
    template["spec"]["containers"][0]["securityContext"].update(allowPrivilegeEscalation=True, runAsUser=0)
    template["spec"]["containers"][0]["securityContext"]["capabilities"] = {"drop": ["NET_RAW"], "add": ["CHOWN"]}
    template["spec"]["volumes"] = [{"name": "cache", "emptyDir": {}}, {"name": "data", "nfs": {"server": "x", "path": "/"}}]
    assert pod_security_problems(template, "restricted") == [
        'nfs volume "data"',
        'container "agent" without allowPrivilegeEscalation: false',
        'container "agent" runAsUser 0',
        'container "agent" without capabilities.drop: [ALL]',
        'container "agent" adds capabilities CHOWN',
    ]


# --------------------------------------------------------------------------------------------- the real stack


def apply_pack(resources: list[Any]) -> tuple[list[tuple[str, str, Optional[str]]], Counter[str]]:
    """Every policy over every recorded resource, as the engine would run them; returns violations and type counts."""
    found: list[tuple[str, str, Optional[str]]] = []
    checked: Counter[str] = Counter()
    for policy in POLICIES:
        reports = Reports()
        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                policy.validate(resource_args_from(resource), reports)
        else:
            assert isinstance(policy, StackValidationPolicy)
            stack = [PolicyResource(r.type, engine_props(r.inputs), r.urn, r.name, OPTS, None, None, [], {}) for r in resources]
            policy.validate(StackValidationArgs(stack), reports)
        found += [(policy.name, message, urn) for message, urn in reports.calls]
    for resource in resources:
        checked[resource.type] += 1
    return found, checked


def resource_args_from(resource: Any) -> ResourceValidationArgs:
    return ResourceValidationArgs(resource.type, engine_props(resource.inputs), resource.urn, resource.name, OPTS, None)


def test_the_dev_stack_passes_the_whole_pack(dev) -> None:
    found, checked = apply_pack(dev.resources)
    assert found == []
    assert checked[DAEMONSET] >= 3, "the dev stack should hold the node-exporter, fluentd and falco DaemonSets"
    assert checked[NAMESPACE] >= 1
    must_cover = [
        r.name for r in dev.of_type(DAEMONSET) if (r.inputs.get("metadata", {}).get("labels") or {}).get(COVERAGE_LABEL) == "all"
    ]
    assert must_cover, f"no DaemonSet in the dev stack is labelled {COVERAGE_LABEL}: all"


def test_a_privileged_security_agent_still_passes_the_pack() -> None:
    """With privileged: true the program must write the reason where the policy looks for it."""
    config = copy.deepcopy(dev_config())
    config["eks-daemonsets:agents"]["securityAgent"].update(
        privileged=True, privilegedReason="the kernel is too old for the modern eBPF probe's capability split"
    )
    result = run_config(config)
    privileged = [
        r.name
        for r in result.of_type(DAEMONSET)
        for c in r.inputs["spec"]["template"]["spec"]["containers"]
        if (c.get("securityContext") or {}).get("privileged") is True
    ]
    assert privileged, "privileged: true should give the security agent a privileged container"
    found, _ = apply_pack(result.resources)
    assert found == []
