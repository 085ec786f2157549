"""The three node agents as registered for the dev stack (and variations of it), under the recording mocks."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from components.agents.node_agent import CONFIG_HASH_ANNOTATION, PRIVILEGED_REASON_ANNOTATION, config_hash
from offline.mocks import Registration, RunResult
from tests.conftest import dev_config, run_config

NS = "eks-daemonsets"
PINNED = re.compile(r"^[^:@]+(:[0-9]+)?/[^:@]+:[vV]?\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$")


def daemonsets(result: RunResult) -> dict[str, Registration]:
    return {r.inputs["metadata"]["name"]: r for r in result.of_type("kubernetes:apps/v1:DaemonSet")}


def pod(result: RunResult, name: str) -> dict:
    return daemonsets(result)[name].inputs["spec"]["template"]["spec"]


def containers(result: RunResult, name: str) -> dict[str, dict]:
    return {c["name"]: c for c in pod(result, name)["containers"]}


def k8s_object(result: RunResult, type_: str, name: str) -> dict:
    (found,) = [r.inputs for r in result.of_type(type_) if r.inputs["metadata"]["name"] == name]
    return found


def with_agent(**agent_settings) -> RunResult:
    config = dev_config()
    for agent, settings in agent_settings.items():
        config[f"{NS}:agents"].setdefault(agent, {}).update(settings)
    return run_config(config)


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


# ----------------------------------------------------------------------------- node-exporter


def test_node_exporter_listens_on_loopback_behind_kube_rbac_proxy(dev: RunResult) -> None:
    spec = pod(dev, "node-exporter")
    assert spec["hostNetwork"] is True
    assert "hostPID" not in spec
    exporter, proxy = containers(dev, "node-exporter")["node-exporter"], containers(dev, "node-exporter")["kube-rbac-proxy"]
    assert "--web.listen-address=127.0.0.1:9101" in exporter["args"]
    assert "--path.procfs=/host/root/proc" in exporter["args"]
    assert "--collector.netdev.device-exclude=^(eni.*|veth.*|lo)$" in exporter["args"]
    assert "ports" not in exporter
    assert proxy["ports"] == [{"name": "https", "containerPort": 9100, "protocol": "TCP"}]
    # Only the proxy holds an API token: it is the one that asks TokenReview and SubjectAccessReview.
    token_mounts = {c["name"] for c in spec["containers"] for m in c.get("volumeMounts", []) if m["name"] == "kube-api-access"}
    assert token_mounts == {"kube-rbac-proxy"}
    role = k8s_object(dev, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "node-exporter")
    assert role["rules"] == [
        {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
        {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
    ]


def test_node_exporter_host_mounts_are_read_only(dev: RunResult) -> None:
    mounts = containers(dev, "node-exporter")["node-exporter"]["volumeMounts"]
    assert {m["mountPath"]: m["readOnly"] for m in mounts} == {"/host/root": True, "/host/sys": True}


def test_node_exporter_service_is_headless_with_scrape_annotations(dev: RunResult) -> None:
    service = k8s_object(dev, "kubernetes:core/v1:Service", "node-exporter")
    assert service["spec"]["clusterIP"] == "None"
    assert service["metadata"]["annotations"]["prometheus.io/scheme"] == "https"
    assert not dev.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")


def test_service_monitor_only_when_prometheus_operator_is_installed() -> None:
    config = dev_config()
    config[f"{NS}:monitoring"] = {"prometheusOperator": True}
    result = run_config(config)
    (monitor,) = result.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    assert monitor.inputs["spec"]["endpoints"][0]["scheme"] == "https"
    assert monitor.inputs["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "node-exporter"


# ----------------------------------------------------------------------------- fluentd


def test_fluentd_may_write_only_to_its_own_log_group(dev: RunResult) -> None:
    (group,) = dev.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == "/aws/eks/dev-agents/containers"
    assert group.inputs["retentionInDays"] == 30
    (policy,) = dev.of_type("aws:iam/rolePolicy:RolePolicy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    arn = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/eks/dev-agents/containers"
    assert statements["WriteOwnLogGroup"]["Resource"] == [arn, f"{arn}:log-stream:*"]
    assert "logs:CreateLogGroup" not in json.dumps(statements)


def test_fluentd_role_trusts_only_its_service_account_token(dev: RunResult) -> None:
    (role,) = [r for r in dev.of_type("aws:iam/role:Role") if r.name == "fluentd-role"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = statement["Condition"]["StringEquals"]
    issuer = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    assert conditions == {f"{issuer}:aud": "sts.amazonaws.com", f"{issuer}:sub": "system:serviceaccount:fluentd:fluentd"}
    account = k8s_object(dev, "kubernetes:core/v1:ServiceAccount", "fluentd")
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(":role/fluentd-role-mock")


def test_fluentd_loses_no_line_on_restart(dev: RunResult) -> None:
    conf = k8s_object(dev, "kubernetes:core/v1:ConfigMap", "fluentd")["data"]["fluent.conf"]
    assert "overflow_action block" in conf
    assert "flush_at_shutdown true" in conf
    assert "total_limit_size 2g" in conf
    assert "pos_file /var/log/fluentd-pos/" in conf
    assert "path /var/log/fluentd-buffers/" in conf
    spec = pod(dev, "fluentd")
    assert spec["terminationGracePeriodSeconds"] == 60
    host_paths = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v}
    assert host_paths["positions"] == "/var/log/fluentd-pos"
    assert host_paths["buffers"] == "/var/log/fluentd-buffers"
    mounts = {m["name"]: m for m in containers(dev, "fluentd")["fluentd"]["volumeMounts"]}
    assert mounts["varlogpods"]["readOnly"] is True and "readOnly" not in mounts["buffers"]


def test_fluentd_stdout_only_creates_no_aws_resources() -> None:
    result = with_agent(fluentd={"outputs": {"cloudwatch": {"enabled": False}, "stdout": {"enabled": True}}})
    assert not result.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert [r.name for r in result.of_type("aws:iam/role:Role")] == ["cluster-node-role"]
    conf = k8s_object(result, "kubernetes:core/v1:ConfigMap", "fluentd")["data"]["fluent.conf"]
    assert "@type stdout" in conf and "cloudwatch_logs" not in conf


def test_fluentd_network_policy_allows_dns_and_https_out_and_metrics_in(dev: RunResult) -> None:
    policy = k8s_object(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "fluentd")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{"ports": [{"port": 24231, "protocol": "TCP"}]}]
    assert {p["port"] for rule in policy["egress"] for p in rule["ports"]} == {53, 443}


# ----------------------------------------------------------------------------- falco


def test_falco_is_least_privileged_by_default(dev: RunResult) -> None:
    falco = containers(dev, "falco")["falco"]
    assert falco["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["BPF", "PERFMON", "SYS_PTRACE", "SYS_RESOURCE"]}
    spec = pod(dev, "falco")
    assert "hostPID" not in spec and "hostNetwork" not in spec
    assert all(m["name"] != "kube-api-access" for m in falco["volumeMounts"])
    assert not [r for r in dev.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole") if r.name.startswith("falco")]
    sockets = [v["hostPath"]["path"] for v in spec["volumes"] if v.get("hostPath", {}).get("type") == "Socket"]
    assert sockets == ["/run/containerd/containerd.sock"]
    privileges = json.loads(daemonsets(dev)["falco"].inputs["spec"]["template"]["metadata"]["annotations"]["eks-daemonsets.io/privileges"])
    assert {"CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE", "CAP_SYS_RESOURCE"} <= set(privileges)


def test_falco_privileged_switch_carries_its_reason() -> None:
    reason = "the node kernel is 5.4 and lacks the BPF capability split"
    result = with_agent(securityAgent={"privileged": True, "privilegedReason": reason})
    falco = containers(result, "falco")["falco"]
    assert falco["securityContext"]["privileged"] is True
    assert falco["securityContext"]["allowPrivilegeEscalation"] is True
    annotations = daemonsets(result)["falco"].inputs["spec"]["template"]["metadata"]["annotations"]
    assert annotations[PRIVILEGED_REASON_ANNOTATION] == reason


def test_falco_config_alerts_json_to_stdout_and_loads_custom_rules(dev: RunResult) -> None:
    data = k8s_object(dev, "kubernetes:core/v1:ConfigMap", "falco")["data"]
    falco_yaml = yaml.safe_load(data["falco.yaml"])
    assert falco_yaml["engine"]["kind"] == "modern_ebpf"
    assert falco_yaml["json_output"] is True
    assert falco_yaml["stdout_output"]["enabled"] is True
    assert falco_yaml["priority"] == "notice"
    rules = yaml.safe_load(data["custom-rules.yaml"])
    assert rules[0]["rule"] == "Shell in PCI container"
    mounts = {m["mountPath"]: m for m in containers(dev, "falco")["falco"]["volumeMounts"]}
    assert mounts["/etc/falco/rules.d/custom-rules.yaml"]["subPath"] == "custom-rules.yaml"


def test_falco_has_no_egress_at_all(dev: RunResult) -> None:
    policy = k8s_object(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "falco")["spec"]
    assert policy["egress"] == []
    assert policy["policyTypes"] == ["Ingress", "Egress"]


@pytest.mark.parametrize(
    "rules, fragment",
    [("- rule: x\n  desc: y\n", "customRules"), ("not: [a list", "customRules")],
)
def test_bad_custom_rules_are_a_settings_error(rules: str, fragment: str) -> None:
    from components.settings import SettingsError

    with pytest.raises(SettingsError, match=rf"^{NS}:agents\.securityAgent\.{fragment}: "):
        with_agent(securityAgent={"customRules": rules})


# Ruby's Dir.tmpdir, Ruby 3.4 lib/tmpdir.rb (the fluentd v1.19.3 image's Ruby): the candidates in order, the first that
# is a directory, writable and not world-writable without the sticky bit wins; none: ArgumentError "could not find a
# temporary directory", which Fluentd's supervisor hits in Dir.mktmpdir before it reads its config.
RUBY_TMPDIR_CANDIDATES = ("TMPDIR", "TMP", "TEMP", "/tmp", "/tmp", ".")
# kubelet creates an emptyDir 0777 with no sticky bit (kubernetes/kubernetes#110835).
EMPTY_DIR_MODE = 0o777


def ruby_accepts_as_tmpdir(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    world_writable = bool(mode & stat.S_IWOTH)
    sticky = bool(mode & stat.S_ISVTX)
    return stat.S_ISDIR(mode) and os.access(path, os.W_OK) and not (world_writable and not sticky)


def test_fluentd_starts_with_a_temporary_directory_ruby_accepts_on_a_read_only_root(dev: RunResult, tmp_path: Path) -> None:
    spec = pod(dev, "fluentd")
    fluentd = containers(dev, "fluentd")["fluentd"]
    assert fluentd["securityContext"]["readOnlyRootFilesystem"] is True
    empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}

    # The pod's writable directories, as the kubelet creates them on the node.
    def on_node(container: dict, path: str) -> Path | None:
        """Where ``path`` in ``container`` lives on the node, or None where it is the read-only root."""
        mounts = sorted(container.get("volumeMounts", []), key=lambda m: len(m["mountPath"]), reverse=True)
        for mount in mounts:
            if (path + "/").startswith(mount["mountPath"].rstrip("/") + "/") and mount["name"] in empty_dirs:
                if mount.get("readOnly"):
                    return None
                volume = tmp_path / mount["name"]
                if not volume.exists():
                    volume.mkdir()
                    volume.chmod(EMPTY_DIR_MODE)
                return volume / path[len(mount["mountPath"]):].lstrip("/")
        return None

    # The init containers run first, against those same directories.
    for init in spec.get("initContainers", []):
        command = [str(on_node(init, arg) or arg) if arg.startswith("/") else arg for arg in init["command"]]
        subprocess.run(command, check=True)

    env = {e["name"]: e.get("value") for e in fluentd["env"]}
    working_dir = fluentd.get("workingDir", "/home/fluent")  # the image's WORKDIR
    chosen = None
    for candidate in RUBY_TMPDIR_CANDIDATES:
        path = env.get(candidate) if candidate.isupper() else (working_dir if candidate == "." else candidate)
        node_path = on_node(fluentd, path) if path else None
        if node_path is not None and ruby_accepts_as_tmpdir(node_path):
            chosen = path
            break
    assert chosen is not None, "Ruby finds no temporary directory: Fluentd's supervisor exits at start"
    assert chosen == env["TMPDIR"]
