"""Existing-cluster mode: the agents on a cluster the user already has, with no EKS or AWS resource."""

from __future__ import annotations

import pytest

from components.settings import SettingsError
from offline.mocks import SECRET
from tests.conftest import dev_config, run_config

NS = "eks-daemonsets"
OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789"


def existing_config(**existing) -> dict:
    config = dev_config()
    config[f"{NS}:cluster"]["existing"] = existing or {"kubeconfigPath": "/tmp/kubeconfig", "context": "kwok"}
    return config


def test_existing_cluster_registers_no_aws_or_eks_resource() -> None:
    config = existing_config()
    del config["aws:region"]  # CloudWatch is off without an OIDC provider: nothing needs a region
    result = run_config(config)
    types = {r.type for r in result.resources}
    assert not {t for t in types if t.startswith(("aws:", "eks:", "pulumi:providers:aws", "pulumi:providers:eks"))}
    assert "eks-daemonsets:index:ExistingCluster" in types
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == "/tmp/kubeconfig"
    assert provider.inputs["context"] == "kwok"
    assert result.outputs["nodeGroupNames"] == ["system", "general", "gpu", "pci"]


def test_an_inline_kubeconfig_stays_secret() -> None:
    result = run_config(existing_config(kubeconfig="apiVersion: v1\nkind: Config\n"))
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == SECRET
    assert result.outputs["kubeconfig"] == SECRET


def test_without_an_oidc_provider_fluentd_logs_to_stdout_not_cloudwatch() -> None:
    result = run_config(existing_config())
    conf = _fluent_conf(result)
    assert "@type cloudwatch_logs" not in conf
    assert "@type stdout" in conf


def test_with_an_oidc_provider_fluentd_writes_to_cloudwatch_through_irsa() -> None:
    result = run_config(existing_config(kubeconfigPath="/tmp/kubeconfig", oidcProviderArn=OIDC_ARN))
    (role,) = result.of_type("aws:iam/role:Role")
    trust = role.inputs["assumeRolePolicy"]
    assert OIDC_ARN in trust
    assert "oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789:sub" in trust
    assert "@type cloudwatch_logs" in _fluent_conf(result)
    assert not [r for r in result.resources if r.type.startswith("eks:")]


def test_cloudwatch_on_an_existing_cluster_still_needs_a_region() -> None:
    config = existing_config(kubeconfigPath="/tmp/kubeconfig", oidcProviderArn=OIDC_ARN)
    del config["aws:region"]
    with pytest.raises(SettingsError, match=r"^aws:region: required key is missing"):
        run_config(config)


@pytest.mark.parametrize(
    "existing",
    [{"context": "kwok"}, {"kubeconfig": "apiVersion: v1", "kubeconfigPath": "/tmp/kubeconfig"}],
    ids=["neither", "both"],
)
def test_exactly_one_kubeconfig_is_required(existing) -> None:
    with pytest.raises(SettingsError, match=rf"^{NS}:cluster\.existing: .*kubeconfigPath"):
        run_config(existing_config(**existing))


def test_an_oidc_provider_arn_must_be_one() -> None:
    with pytest.raises(SettingsError, match=rf"^{NS}:cluster\.existing\.oidcProviderArn: "):
        run_config(existing_config(kubeconfigPath="/tmp/k", oidcProviderArn="arn:aws:iam::123456789012:role/x"))


def _fluent_conf(result) -> str:
    # The agent's own ConfigMap, named like it; fluentd-alert-rules beside it holds the coverage alert rules.
    (config_map,) = [
        r for r in result.of_type("kubernetes:core/v1:ConfigMap") if r.inputs["metadata"]["name"] == "fluentd"
    ]
    return config_map.inputs["data"]["fluent.conf"]


def test_an_existing_cluster_needs_no_vpc() -> None:
    config = existing_config()
    del config[f"{NS}:cluster"]["vpc"]
    assert run_config(config).of_type("eks-daemonsets:index:ExistingCluster")


def test_an_eks_cluster_still_needs_a_vpc_choice() -> None:
    config = dev_config()
    del config[f"{NS}:cluster"]["vpc"]
    with pytest.raises(SettingsError, match=rf"^{NS}:cluster\.vpc: required key is missing"):
        run_config(config)


def test_the_kubeconfig_is_the_one_secret_taken_inside_cluster() -> None:
    result = run_config(existing_config(kubeconfig={"secure": "v1:AAAA"}))
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == SECRET


def test_another_secret_inside_cluster_is_still_refused() -> None:
    config = existing_config()
    config[f"{NS}:cluster"]["tags"] = {"owner": {"secure": "v1:AAAA"}}
    with pytest.raises(SettingsError, match=rf"^{NS}:cluster: holds a secret"):
        run_config(config)
