"""The three node agents as registered for the dev stack (and variations of it), under the recording mocks."""

from __future__ import annotations

import re

from components.agents.node_agent import CONFIG_HASH_ANNOTATION, config_hash
from components.agents.node_exporter_args import KUBE_RBAC_PROXY_IMAGE
from components.settings import image_digest
from offline.mocks import RunResult
from tests.agents.registered import containers, daemonsets, k8s_object, pod, with_agent

PINNED = re.compile(r"^[^:@]+(:[0-9]+)?/[^:@]+:[vV]?\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$")


def test_dev_stack_runs_three_agents_with_stable_human_names(dev: RunResult) -> None:
    assert {name: ds.inputs["metadata"]["namespace"] for name, ds in daemonsets(dev).items()} == {
        "node-exporter": "node-exporter",
        "fluentd": "fluentd",
        "falco": "falco",
    }


def test_agents_deploy_through_the_cluster_provider(dev: RunResult) -> None:
    (provider,) = dev.of_type("pulumi:providers:kubernetes")
    kubernetes_objects = [r for r in dev.resources if r.type.startswith("kubernetes:")]
    assert kubernetes_objects and all(r.provider == provider.urn for r in kubernetes_objects)


def test_every_agent_child_has_its_component_as_parent(dev: RunResult) -> None:
    for component_type in ("NodeExporter", "Fluentd", "SecurityAgent"):
        (component,) = dev.of_type(f"eks-daemonsets:index:{component_type}")
        children = [r for r in dev.resources if r.parent == component.urn]
        assert any(r.type == "kubernetes:apps/v1:DaemonSet" for r in children), component_type
        assert any(r.type == "kubernetes:core/v1:Namespace" for r in children), component_type


def test_fluentd_targeting_matches_the_stack_file(dev: RunResult) -> None:
    spec = pod(dev, "fluentd")
    assert spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [
            {
                "matchExpressions": [
                    {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate"]},
                    {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                    {"key": "node-role", "operator": "NotIn", "values": ["gpu"]},
                ]
            }
        ]
    }
    assert spec["tolerations"] == [{"operator": "Exists"}]


def test_node_exporter_and_security_agent_tolerate_every_taint(dev: RunResult) -> None:
    assert pod(dev, "node-exporter")["tolerations"] == [{"operator": "Exists"}]
    assert pod(dev, "falco")["tolerations"] == [{"operator": "Exists"}]


def test_node_selector_and_explicit_tolerations_render_sorted() -> None:
    result = with_agent(
        nodeExporter={
            "targeting": {
                "nodeSelector": {"node-role": "general"},
                "tolerations": [
                    {"key": "spot", "operator": "Exists", "effect": "NoSchedule"},
                    {"key": "CriticalAddonsOnly", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
                ],
            },
            "coverage": "any",
        }
    )
    spec = pod(result, "node-exporter")
    assert spec["nodeSelector"] == {"node-role": "general"}
    assert spec["tolerations"] == [
        {"key": "CriticalAddonsOnly", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Exists", "effect": "NoSchedule"},
    ]


def test_every_container_is_hardened_pinned_and_bounded(dev: RunResult) -> None:
    for name in ("node-exporter", "fluentd", "falco"):
        spec = pod(dev, name)
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        assert spec["priorityClassName"] == "system-node-critical"
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert security["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert security["capabilities"]["drop"] == ["ALL"], (name, container["name"])
            assert security["privileged"] is False
            assert PINNED.match(container["image"]), container["image"]
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            assert "memory" in container["resources"]["limits"]
            assert "livenessProbe" in container and "readinessProbe" in container, (name, container["name"])


#: Default images shipped without a digest, each with the reason; a digest found later makes the entry stale.
WITHOUT_A_KNOWN_DIGEST = {
    KUBE_RBAC_PROXY_IMAGE: "no public source of a digest for kube-rbac-proxy v0.22.1 was found (node_exporter_args.py)",
}


def test_every_default_image_init_containers_too_is_pinned_by_digest_and_pulled_only_when_missing(
    dev: RunResult,
) -> None:
    seen = set()
    for name in ("node-exporter", "fluentd", "falco"):
        spec = pod(dev, name)
        for container in spec.get("initContainers", []) + spec["containers"]:
            image = container["image"]
            seen.add(image)
            if image in WITHOUT_A_KNOWN_DIGEST:
                assert container["imagePullPolicy"] == "Always", (name, container["name"])
                continue
            assert image_digest(image), f"{name}/{container['name']}: {image} has no sha256 digest"
            assert container["imagePullPolicy"] == "IfNotPresent", (name, container["name"])
    assert len([i for i in seen if image_digest(i)]) == 3, seen  # node-exporter, Fluentd (twice), Falco
    assert set(WITHOUT_A_KNOWN_DIGEST) <= seen, "an exemption for an image no agent runs any more: delete it"


def test_a_user_image_without_a_digest_is_pulled_at_every_start_and_one_with_a_digest_only_when_missing() -> None:
    digest = "sha256:" + "ab" * 32
    result = with_agent(
        fluentd={"image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/mirror/fluentd:v1.19.3"},
        nodeExporter={"rbacProxyImage": f"123456789012.dkr.ecr.us-west-2.amazonaws.com/mirror/krp:v0.22.1@{digest}"},
    )
    fluentd = pod(result, "fluentd")
    assert [c["imagePullPolicy"] for c in fluentd["initContainers"] + fluentd["containers"]] == ["Always", "Always"]
    assert containers(result, "node-exporter")["kube-rbac-proxy"]["imagePullPolicy"] == "IfNotPresent"


def test_rollout_is_bounded_and_never_runs_two_copies_on_a_node(dev: RunResult) -> None:
    for ds in daemonsets(dev).values():
        strategy = ds.inputs["spec"]["updateStrategy"]
        assert strategy == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%", "maxSurge": 0}}
        assert ds.inputs["spec"]["minReadySeconds"] >= 10


def test_max_unavailable_image_and_resources_are_configurable() -> None:
    mirror = "123456789012.dkr.ecr.us-west-2.amazonaws.com/mirror/node-exporter:v1.12.1"
    result = with_agent(
        nodeExporter={
            "maxUnavailable": 25,
            "image": mirror,
            "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
        }
    )
    ds = daemonsets(result)["node-exporter"].inputs
    assert ds["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] == 25
    exporter = containers(result, "node-exporter")["node-exporter"]
    assert exporter["image"] == mirror
    assert exporter["resources"] == {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}}


def test_disabled_agent_registers_nothing() -> None:
    result = with_agent(fluentd={"enabled": False})
    assert "fluentd" not in daemonsets(result)
    assert not result.of_type("eks-daemonsets:index:Fluentd")
    assert not result.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert "fluentd" not in result.outputs["placement"]


def test_namespaces_enforce_pod_security_at_the_agents_level(dev: RunResult) -> None:
    for name in ("node-exporter", "fluentd", "falco"):
        labels = k8s_object(dev, "kubernetes:core/v1:Namespace", name)["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "privileged"
        assert labels["pod-security.kubernetes.io/warn"] == "privileged"


def test_config_change_rolls_the_pods() -> None:
    small = with_agent(fluentd={"buffer": {"totalLimitSize": "1Gi"}})
    large = with_agent(fluentd={"buffer": {"totalLimitSize": "4Gi"}})
    hashes = []
    for result in (small, large):
        annotations = daemonsets(result)["fluentd"].inputs["spec"]["template"]["metadata"]["annotations"]
        data = k8s_object(result, "kubernetes:core/v1:ConfigMap", "fluentd")["data"]
        assert annotations[CONFIG_HASH_ANNOTATION] == config_hash(data)
        hashes.append(annotations[CONFIG_HASH_ANNOTATION])
    assert hashes[0] != hashes[1]
