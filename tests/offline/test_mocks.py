"""The recording mocks answer the calls the program makes as the AWS provider would (issue 19)."""

from __future__ import annotations

import re

import botocore.session
import pytest

from offline.mocks import partition_of


def _botocore_partitions() -> list[dict]:
    # botocore's endpoints data, through its loader: each partition's regionRegex, its regions and its dnsSuffix.
    return botocore.session.get_session().get_component("data_loader").load_data("partitions")["partitions"]


@pytest.mark.parametrize("partition", _botocore_partitions(), ids=lambda p: p["id"])
def test_every_region_of_every_partition_gets_its_partition_and_dns_suffix(partition: dict) -> None:
    regions = [r for r in partition["regions"] if re.match(partition["regionRegex"], r)]
    assert regions, partition["id"]
    for region in regions:
        assert partition_of(region) == (partition["id"], partition["outputs"]["dnsSuffix"]), region


def test_a_china_region_is_in_aws_cn() -> None:
    assert partition_of("cn-north-1").name == "aws-cn"
    assert partition_of("us-west-2").name == "aws"
