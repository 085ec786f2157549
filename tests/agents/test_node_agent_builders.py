"""The NodeAgent base's pure builders, field by field (issue 15): what a mutation showed no test held."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from components.agents import node_agent
from components.agents.node_agent import (
    API_TOKEN_VOLUME,
    RESTRICTED_CONTAINER_SECURITY,
    SERVICE_ACCOUNT_DIR,
    _merge,
    api_token_volume,
    config_hash,
    daemonset_spec,
    harden_container,
    resources_dict,
)
from components.settings import Resources
from components.targeting import NodeTargeting, Toleration

UNGUARDED = NodeTargeting.build(keep_off_fargate=False, linux_only=False)


def spec(**overrides: object) -> dict:
    args: dict = {
        "labels": {"app": "a"},
        "containers": [{"name": "a", "image": "a:1"}],
        "volumes": [],
        "targeting": UNGUARDED,
        "max_unavailable": 1,
        "service_account": "a-sa",
    }
    args.update(overrides)
    return daemonset_spec(**args)


def test_the_label_and_annotation_keys_users_select_on_are_stable() -> None:
    assert node_agent.MANAGED_BY == {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "eks-daemonsets"}
    assert node_agent.CONFIG_HASH_ANNOTATION == "eks-daemonsets.io/config-hash"
    assert node_agent.PRIVILEGES_ANNOTATION == "eks-daemonsets.io/privileges"
    assert node_agent.PRIVILEGED_REASON_ANNOTATION == "eks-daemonsets.io/privileged-reason"
    assert node_agent.COVERAGE_LABEL == "eks-daemonsets.io/coverage"
    assert SERVICE_ACCOUNT_DIR == "/var/run/secrets/kubernetes.io/serviceaccount"
    assert API_TOKEN_VOLUME == "kube-api-access"


def test_the_whole_daemonset_spec_of_a_minimal_agent() -> None:
    assert spec() == {
        "selector": {"matchLabels": {"app": "a"}},
        "minReadySeconds": 10,
        "revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        "template": {
            "metadata": {"labels": {"app": "a"}, "annotations": {}},
            "spec": {
                "serviceAccountName": "a-sa",
                "automountServiceAccountToken": False,
                "priorityClassName": "system-node-critical",
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "terminationGracePeriodSeconds": 30,
                "enableServiceLinks": False,
                "containers": [{
                    "name": "a",
                    "image": "a:1",
                    "securityContext": dict(RESTRICTED_CONTAINER_SECURITY),
                    "imagePullPolicy": "Always",
                    "terminationMessagePolicy": "FallbackToLogsOnError",
                }],
                "volumes": [],
            },
        },
    }


def test_the_restricted_profile_is_exact() -> None:
    assert RESTRICTED_CONTAINER_SECURITY == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_the_projected_token_volume_is_exact() -> None:
    assert api_token_volume() == {
        "name": "kube-api-access",
        "projected": {
            "defaultMode": 0o444,
            "sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
            ],
        },
    }
    assert api_token_volume()["projected"]["defaultMode"] == 292


def test_only_the_api_containers_get_the_read_only_token_mount_after_their_own_mounts() -> None:
    rendered = spec(
        containers=[
            {"name": "api", "image": "a:1", "volumeMounts": [{"name": "own", "mountPath": "/own"}]},
            {"name": "quiet", "image": "b:1"},
        ],
        volumes=[{"name": "own", "emptyDir": {}}],
        api_token_containers=["api"],
    )["template"]["spec"]
    api, quiet = rendered["containers"]
    assert api["volumeMounts"] == [
        {"name": "own", "mountPath": "/own"},
        {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True},
    ]
    assert "volumeMounts" not in quiet
    assert rendered["volumes"] == [api_token_volume(), {"name": "own", "emptyDir": {}}]
    assert rendered["automountServiceAccountToken"] is False


def test_no_api_containers_means_no_token_volume() -> None:
    assert spec(volumes=[{"name": "v", "emptyDir": {}}])["template"]["spec"]["volumes"] == [{"name": "v", "emptyDir": {}}]


def test_volumes_are_sorted_by_name() -> None:
    volumes = [{"name": "b", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]
    assert [v["name"] for v in spec(volumes=volumes)["template"]["spec"]["volumes"]] == ["a", "b"]


def test_init_containers_are_hardened_and_only_present_when_given() -> None:
    assert "initContainers" not in spec()["template"]["spec"]
    init = spec(init_containers=[{"name": "init", "image": "i:1"}])["template"]["spec"]["initContainers"]
    assert init == [harden_container({"name": "init", "image": "i:1"})]


def test_pod_annotations_are_sorted_and_grace_period_passed_through() -> None:
    rendered = spec(pod_annotations={"b": "2", "a": "1"}, termination_grace_period_seconds=60)
    assert list(rendered["template"]["metadata"]["annotations"].items()) == [("a", "1"), ("b", "2")]
    assert rendered["template"]["spec"]["terminationGracePeriodSeconds"] == 60


def test_targeting_fields_reach_the_pod_spec() -> None:
    rendered = spec(targeting=NodeTargeting.build(node_selector={"r": "x"}, tolerations="all"))["template"]["spec"]
    assert rendered["nodeSelector"] == {"r": "x"}
    assert rendered["tolerations"] == [Toleration.everything().to_k8s()]
    assert "affinity" in rendered


def test_user_overrides_win_over_agent_fields_which_win_over_the_base() -> None:
    rendered = spec(
        pod_fields={"hostPID": True, "securityContext": {"runAsUser": 0}},
        pod_overrides={"hostPID": False, "securityContext": {"fsGroup": 1}},
    )["template"]["spec"]
    assert rendered["hostPID"] is False
    assert rendered["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}, "runAsUser": 0, "fsGroup": 1}


def test_a_mapping_overridden_by_a_scalar_becomes_the_scalar() -> None:
    assert _merge({"a": {"b": 1}, "c": 2}, {"a": None}) == {"a": None, "c": 2}
    assert _merge({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}
    assert _merge({"a": {"b": 1, "c": 1}}, {"a": {"c": 2}}) == {"a": {"b": 1, "c": 2}}


def test_merge_copies_so_the_inputs_stay_untouched() -> None:
    base = {"a": {"b": [1]}}
    override = {"c": {"d": [2]}}
    merged = _merge(base, override)
    merged["a"]["b"].append(9)
    merged["c"]["d"].append(9)
    assert base == {"a": {"b": [1]}}
    assert override == {"c": {"d": [2]}}


def test_harden_keeps_a_pull_policy_and_message_policy_the_agent_chose() -> None:
    hardened = harden_container(
        {"name": "a", "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File"}
    )
    assert (hardened["imagePullPolicy"], hardened["terminationMessagePolicy"]) == ("IfNotPresent", "File")
    assert harden_container({"name": "a"})["terminationMessagePolicy"] == "FallbackToLogsOnError"


def test_config_hash_changes_when_a_file_is_renamed_with_the_same_content() -> None:
    assert config_hash({"a.conf": "x"}) != config_hash({"b.conf": "x"})
    # Names and contents are separated, so moving a character across the boundary changes the hash.
    assert config_hash({"ab": "c"}) != config_hash({"a": "bc"})
    assert config_hash({"a": "b", "c": "d"}) != config_hash({"a": "b\0c", "": "d"})
    assert config_hash({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # sha256 over each name and content in name order, each followed by a NUL byte.
    assert config_hash({"b": "2", "a": "1"}) == hashlib.sha256(b"a\x001\x00b\x002\x00").hexdigest()


def test_resources_dict_leaves_out_what_is_not_set() -> None:
    resources = Resources.model_validate({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}})
    assert resources_dict(resources) == {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}


def test_node_agent_args_are_frozen() -> None:
    assert dataclasses.is_dataclass(node_agent.NodeAgentArgs)
    assert node_agent.NodeAgentArgs.__dataclass_params__.frozen  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", [0o444])
def test_token_files_are_world_readable_but_not_writable(value: int) -> None:
    assert api_token_volume()["projected"]["defaultMode"] & 0o222 == 0
    assert api_token_volume()["projected"]["defaultMode"] == value
