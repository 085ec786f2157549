"""The README's claims about the real EKS path, each as upstream has it (issue 19)."""

from __future__ import annotations

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _section(start: str, end: str) -> str:
    return README[README.index(start):README.index(end)]


def test_readme_names_the_aws_cli_versions_pulumi_eks_checks_for_at_every_preview() -> None:
    """pulumi/pulumi-eks nodejs/eks/dependencies.ts lines 20-21 (blob read through the search index, the file
    cluster/cluster.ts imports): minAWSCLIV1Version = "1.24.0", minAWSCLIV2Version = "2.7.0";
    assertCompatibleAWSCLIExists() is the first call of createCore."""
    real_path = _section("## With an AWS account: the real path", "## On a cluster you already have")
    assert "v2.7.0 or later (or v1.24.0 or later)" in real_path
    assert "assertCompatibleAWSCLIExists" in real_path


def test_readme_says_the_kubeconfig_uses_the_clis_own_credentials_and_which_keys_are_refused() -> None:
    real_path = _section("## With an AWS account: the real path", "## On a cluster you already have")
    assert "aws eks get-token" in real_path and "`aws:profile`" in real_path and "AWS_PROFILE" in real_path


def test_readme_says_subnet_changes_update_the_cluster_in_place() -> None:
    """terraform-provider-aws internal/service/eks/cluster.go (blob 00555dc): vpc_config.subnet_ids is Required with no
    ForceNew, and resourceClusterUpdate sends a change of it as UpdateClusterConfig."""
    names = _section("### Names and replacements", "### What a stack file may hold")
    assert "(its VPC or subnets, its name)" not in names
    assert "updates `vpc_config.subnet_ids` in place" in names


def test_readme_says_previews_must_reach_the_cluster_endpoint() -> None:
    section = _section("### With credentials", "### The policy pack")
    assert "publicAccessCidrs" in section and "endpointPublicAccess: false" in section


def test_readme_says_the_provider_not_eks_makes_the_node_group_suffix() -> None:
    assert "EKS names the group" not in README and "So EKS names each group" not in README
    assert "the suffix made by the provider" in README
