"""Fluentd as registered for the dev stack (and variations of it), under the recording mocks: its own log group and
role, no line lost on a restart, and a temporary directory Ruby accepts on a read-only root."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from offline.mocks import RunResult
from tests.agents.registered import containers, k8s_object, pod, with_agent


def test_fluentd_may_write_only_to_its_own_log_group(dev: RunResult) -> None:
    (group,) = dev.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == "/aws/eks/dev-agents/containers"
    assert group.inputs["retentionInDays"] == 30
    (policy,) = dev.of_type("aws:iam/rolePolicy:RolePolicy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    arn = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/eks/dev-agents/containers"
    assert statements["WriteOwnLogGroup"]["Resource"] == [arn, f"{arn}:*"]
    assert "logs:CreateLogGroup" not in json.dumps(statements)


def test_fluentd_policy_names_its_log_group_in_the_logs_guides_form(dev: RunResult) -> None:
    """The CloudWatch Logs guide's identity-based policies name a log group ``arn:aws:logs:REGION:ACCOUNT:log-group:
    NAME:*`` (the ARN DescribeLogGroups reports), which also matches its streams; the provider's ``arn`` drops the
    ``:*`` (terraform-provider-aws aws_cloudwatch_log_group: "Any :* suffix added by the API ... is removed"). A
    policy granting only ``...:log-group:NAME`` and ``...:log-stream:*`` left that form out."""
    (policy,) = dev.of_type("aws:iam/rolePolicy:RolePolicy")
    resources = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}["WriteOwnLogGroup"]["Resource"]
    assert "arn:aws:logs:us-west-2:123456789012:log-group:/aws/eks/dev-agents/containers:*" in resources
    assert not [r for r in resources if ":log-stream:" in r], "the :* form covers the streams"


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
