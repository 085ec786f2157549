"""Values are checked as AWS and Kubernetes read them: what they would refuse is refused here, what they accept is not.

The region must be an AWS region even with CloudWatch off, a cluster name derived from the stack name must be an EKS
name, an image or a percentage with a trailing newline and digits that are not ASCII are refused at their key; a
Capacity Block node group and quantities in exponent form are accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.settings import NAMESPACE, parse_quantity
from tests.input.stack_answers import AGENTS, NODE_GROUP, cli, parse, stack, through_pulumi


# --------------------------------------------------------------------------------------------- 3. region, derived names


@pytest.mark.parametrize("region", ["'us-west-2 '", "mars-north-9", "42", "'us-west-٢'"])
def test_aws_region_must_be_a_region_even_with_cloudwatch_off(tmp_path: Path, region: str) -> None:
    off = "fluentd: {outputs: {cloudwatch: {enabled: false}, stdout: {enabled: true}}}"
    text = stack({AGENTS: off}, values={"aws:region": region})
    assert cli(tmp_path, text).message.startswith("aws:region: "), "refused, naming aws:region"
    assert "is not an AWS region" in through_pulumi({"aws:region": str(yaml.safe_load(region))})
    # Every partition's regions pass: commercial, China, GovCloud, ISO, the European Sovereign Cloud.
    for real in ("us-west-2", "ap-southeast-7", "cn-northwest-1", "us-gov-east-1", "us-isob-east-1", "eusc-de-east-1"):
        parse({}, region=real)


@pytest.mark.parametrize("name", ["café", "x" * 90], ids=["non-ascii", "too-long"])
def test_a_cluster_name_derived_from_the_stack_name_must_be_an_eks_name(tmp_path: Path, name: str) -> None:
    message = cli(tmp_path, stack(), name=f"Pulumi.{name}.yaml").message
    assert message.startswith("eks-daemonsets:cluster.name: is not set, and the default "), message


# --------------------------------------------------------------------------------------------- 12. accepted but wrong


@pytest.mark.parametrize(
    "agents, key",
    [
        ("fluentd: {image: \"docker.io/fluent/fluentd:v1.19\\n\"}", "agents.fluentd.image"),
        ("nodeExporter: {resources: {requests: {cpu: '١٠٠m', memory: 64Mi}, limits: {memory: 128Mi}}}",
         "agents.nodeExporter.resources.requests.cpu"),
        ("nodeExporter: {maxUnavailable: \"10%\\n\"}", "agents.nodeExporter.maxUnavailable"),
        ("fluentd: {targeting: {tolerations: [{key: a, operator: Exists, effect: NoExecute, "
         "tolerationSeconds: 9223372036854775808}]}}", "agents.fluentd.targeting.tolerations[0].tolerationSeconds"),
    ],
    ids=["image-trailing-newline", "arabic-indic-digits", "percent-trailing-newline", "toleration-seconds-int64"],
)
def test_values_kubernetes_refuses_are_refused_here(tmp_path: Path, agents: str, key: str) -> None:
    message = cli(tmp_path, stack({AGENTS: agents})).message
    assert message.startswith(f"eks-daemonsets:{key}: "), message


def test_a_block_scalar_image_with_its_trailing_newline_is_refused(tmp_path: Path) -> None:
    text = stack() + "  eks-daemonsets:agents:\n    fluentd:\n      image: |\n        docker.io/fluent/fluentd:v1.19\n"
    assert cli(tmp_path, text).message.startswith("eks-daemonsets:agents.fluentd.image: ")


# --------------------------------------------------------------------------------------------- 13. refused but valid


def test_capacity_block_node_groups_are_accepted_and_placed() -> None:
    group = dict(NODE_GROUP, capacityType="CAPACITY_BLOCK", instanceTypes=["p5.48xlarge"])
    settings = parse({f"{NAMESPACE}:nodeGroups": [group]})
    assert settings.node_groups[0].capacity_type == "CAPACITY_BLOCK"


def test_quantities_in_exponent_form_are_accepted() -> None:
    assert parse_quantity("1e3") == 1000
    assert parse_quantity("5E-1") == parse_quantity("500m")
    assert parse_quantity("1E") == 10**18  # exa, not an exponent
    with pytest.raises(ValueError, match="larger than any Kubernetes quantity"):
        parse_quantity("1e19")
    resources = {"requests": {"cpu": "1e-1", "memory": "64e6"}, "limits": {"memory": "1.28e8"}}
    parse({AGENTS: {"fluentd": {"resources": resources}}})
