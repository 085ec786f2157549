"""The NodeAgent base: pure builders of the hardened pod, and a fourth agent written in a few lines."""

from __future__ import annotations

from typing import Any

from components.agents.node_agent import (
    API_TOKEN_VOLUME,
    NodeAgent,
    NodeAgentArgs,
    config_hash,
    daemonset_spec,
    harden_container,
    pull_policy,
)
from components.agents.probes import http_probe
from components.settings import Agent, AgentSettings
from components.targeting import NodeTargeting
from offline.mocks import run_program


def test_harden_container_applies_the_restricted_profile_under_what_the_agent_loosens() -> None:
    hardened = harden_container(
        {"name": "agent", "image": "x:1.0.0", "securityContext": {"runAsUser": 0, "capabilities": {"add": ["BPF"]}}}
    )
    assert hardened["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], "add": ["BPF"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": 0,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert hardened["imagePullPolicy"] == "Always"


DIGEST = "sha256:" + "0123456789abcdef" * 4


def test_an_image_pinned_by_digest_is_pulled_only_when_missing_and_a_tag_at_every_start() -> None:
    assert pull_policy(f"quay.io/prometheus/node-exporter:v1.12.1@{DIGEST}") == "IfNotPresent"
    assert pull_policy(f"registry.example.com/echo@{DIGEST}") == "IfNotPresent"
    assert pull_policy("quay.io/prometheus/node-exporter:v1.12.1") == "Always"
    # Not a digest a registry would serve: the tag is all that pins it.
    assert pull_policy(f"x:1.0.0@{DIGEST[:-1]}") == "Always"
    assert pull_policy(f"x:1.0.0@{DIGEST.upper()}") == "Always"
    assert harden_container({"name": "a", "image": f"x:1.0.0@{DIGEST}"})["imagePullPolicy"] == "IfNotPresent"
    assert harden_container({"name": "a"})["imagePullPolicy"] == "Always"


def test_config_hash_is_stable_and_sensitive_to_names_and_content() -> None:
    base = config_hash({"a.conf": "x", "b.conf": "y"})
    assert base == config_hash({"b.conf": "y", "a.conf": "x"})
    assert base != config_hash({"a.conf": "x", "b.conf": "z"})
    assert base != config_hash({"a.conf": "xb.conf", "": "y"})
    assert len(base) == 64


def _spec(**overrides: Any) -> dict:
    arguments: dict[str, Any] = dict(
        labels={"app.kubernetes.io/name": "agent"},
        containers=[{"name": "agent", "image": "x:1.0.0"}, {"name": "sidecar", "image": "y:1.0.0"}],
        volumes=[{"name": "zz", "emptyDir": {}}, {"name": "aa", "emptyDir": {}}],
        targeting=NodeTargeting.build(tolerations="all"),
        max_unavailable="10%",
        service_account="agent",
    )
    arguments.update(overrides)
    return daemonset_spec(**arguments)


def test_api_token_is_mounted_only_into_the_containers_that_call_the_api() -> None:
    spec = _spec(api_token_containers=("sidecar",))["template"]["spec"]
    mounts = {c["name"]: [m["name"] for m in c.get("volumeMounts", [])] for c in spec["containers"]}
    assert mounts == {"agent": [], "sidecar": [API_TOKEN_VOLUME]}
    assert spec["automountServiceAccountToken"] is False
    assert [v["name"] for v in spec["volumes"]] == ["aa", API_TOKEN_VOLUME, "zz"]


def test_no_token_volume_when_no_container_calls_the_api() -> None:
    spec = _spec()["template"]["spec"]
    assert all(v["name"] != API_TOKEN_VOLUME for v in spec["volumes"])


def test_pod_overrides_are_the_escape_hatch_and_win_last() -> None:
    spec = _spec(pod_fields={"dnsPolicy": "ClusterFirstWithHostNet"}, pod_overrides={"dnsPolicy": "Default"})
    assert spec["template"]["spec"]["dnsPolicy"] == "Default"
    assert spec["template"]["spec"]["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}


def test_scheduling_comes_from_the_targeting_object() -> None:
    targeting = NodeTargeting.build(node_selector={"node-role": "system"}, tolerations="all")
    spec = _spec(targeting=targeting)["template"]["spec"]
    scheduling = targeting.pod_scheduling()
    assert spec["nodeSelector"] == scheduling["nodeSelector"]
    assert spec["affinity"] == scheduling["affinity"]
    assert spec["tolerations"] == [{"operator": "Exists"}]


class EchoAgent(NodeAgent):
    """A fourth agent, as small as the base's docstring promises."""

    TYPE = "eks-daemonsets:index:EchoAgent"
    NAME = "echo"
    DEFAULT_IMAGE = "registry.example.com/echo:1.2.3"
    DEFAULT_RESOURCES = {"requests": {"cpu": "5m", "memory": "8Mi"}, "limits": {"memory": "16Mi"}}
    RBAC_RULES = ({"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]},)
    API_CONTAINERS = ("echo",)

    def config_files(self) -> dict[str, str]:
        return {"echo.conf": "say hello\n"}

    def containers(self, image: str, resources: Any) -> list[dict[str, Any]]:
        probe = http_probe("/healthz", 8080, failures=3)
        return [{"name": "echo", "image": image, "resources": dict(resources), "livenessProbe": probe, "readinessProbe": probe}]


def test_a_fourth_agent_gets_namespace_rbac_config_and_a_hardened_daemonset() -> None:
    agent = Agent("echo", AgentSettings(), NodeTargeting.build(tolerations="all"))
    result = run_program(lambda: EchoAgent("echo", NodeAgentArgs(agent=agent)), config={}, project="p", stack="s")
    kinds = sorted(r.type.split(":")[-1] for r in result.resources if r.type.startswith("kubernetes:"))
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet", "Namespace", "ServiceAccount"]
    (ds,) = result.of_type("kubernetes:apps/v1:DaemonSet")
    spec = ds.inputs["spec"]["template"]["spec"]
    assert spec["containers"][0]["image"] == "registry.example.com/echo:1.2.3"
    assert spec["containers"][0]["securityContext"]["runAsNonRoot"] is True
    (namespace,) = result.of_type("kubernetes:core/v1:Namespace")
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    (binding,) = result.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
    assert binding.inputs["subjects"] == [{"kind": "ServiceAccount", "name": "echo", "namespace": "echo"}]
