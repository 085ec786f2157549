"""node-exporter as registered for the dev stack, under the recording mocks: on the loopback behind kube-rbac-proxy,
read-only on the host, scraped through a headless Service."""

from __future__ import annotations

from offline.mocks import RunResult
from tests.agents.registered import NS, containers, k8s_object, pod
from tests.conftest import dev_config, run_config


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
