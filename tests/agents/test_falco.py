"""Falco, the security agent, as registered for the dev stack (and variations of it), under the recording mocks:
least privileged unless told why, alerts as JSON on stdout, no egress."""

from __future__ import annotations

import json

import pytest
import yaml

from components.agents.node_agent import PRIVILEGED_REASON_ANNOTATION
from offline.mocks import RunResult
from tests.agents.registered import NS, containers, daemonsets, k8s_object, pod, with_agent


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
