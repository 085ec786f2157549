"""The policies on each container of a node agent, on hand-made DaemonSets: (a) resources, (b) a pinned image,
(c) a seccomp profile, (d) a written reason to be privileged."""

from __future__ import annotations

from typing import Any, Optional

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from container_policies import PRIVILEGED_REASON_ANNOTATION, image_pin_problem
from tests.judges.policy_engine import violations
from tests.judges.policy_resources import good_daemonset, pod_spec


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
