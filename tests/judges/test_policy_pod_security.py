"""Pod Security Admission: (f) every Namespace enforces a level, and (g) each DaemonSet's pods pass the level of the
namespace the stack puts them in."""

from __future__ import annotations

from typing import Any, Optional

import pytest
from pulumi_policy import StackValidationArgs, StackValidationPolicy

from pod_security_policies import pod_security_problems
from resource_props import DAEMONSET, NAMESPACE
from tests.judges.policy_engine import POLICY, Reports, stack_resource, urn_of, violations
from tests.judges.policy_resources import good_daemonset, good_namespace, pod_spec


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
