"""What EKS and kubelet put on a managed node group's nodes: AMI platforms, labels, taints, and bad input."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from components.placement import AMI_ARCH, NODE_GROUP_LABEL, AmiPlatform, NodeGroupView, node_group_labels, node_labels
from components.targeting import Taint, TaintEffect, TargetingError
from tests.placement.examples import GPU_TAINT, GRAVITON, PCI_TAINT, SPOT, group, view


def test_ami_table_covers_every_eks_ami_type() -> None:
    # The AMITypes enum of the EKS API (CreateNodegroup amiType).
    assert sorted(AMI_ARCH) == sorted(
        [
            "AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64", "CUSTOM",
            "BOTTLEROCKET_ARM_64", "BOTTLEROCKET_x86_64",
            "BOTTLEROCKET_ARM_64_FIPS", "BOTTLEROCKET_x86_64_FIPS",
            "BOTTLEROCKET_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA",
            "BOTTLEROCKET_ARM_64_NVIDIA_FIPS", "BOTTLEROCKET_x86_64_NVIDIA_FIPS",
            "WINDOWS_CORE_2019_x86_64", "WINDOWS_FULL_2019_x86_64",
            "WINDOWS_CORE_2022_x86_64", "WINDOWS_FULL_2022_x86_64",
            "WINDOWS_CORE_2025_x86_64", "WINDOWS_FULL_2025_x86_64",
            "AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD",
            "AL2023_x86_64_NEURON", "AL2023_x86_64_NVIDIA", "AL2023_ARM_64_NVIDIA",
        ]
    )


@pytest.mark.parametrize("ami_type", sorted(AMI_ARCH))
def test_ami_arch_follows_the_ami_name(ami_type: str) -> None:
    platform = AMI_ARCH[ami_type]
    if ami_type == "CUSTOM":
        assert platform == AmiPlatform(None, "linux")
    elif "ARM_64" in ami_type:
        assert platform == AmiPlatform("arm64", "linux")
    elif ami_type.startswith("WINDOWS_"):
        assert platform == AmiPlatform("amd64", "windows")
    else:
        assert "x86_64" in ami_type
        assert platform == AmiPlatform("amd64", "linux")


def test_node_group_view_adds_the_labels_eks_and_kubelet_set() -> None:
    view = group("system", labels={"node-role": "system"})
    assert view == NodeGroupView(
        name="system",
        labels=(
            ("eks-daemonsets.io/node-group", "system"),
            ("eks.amazonaws.com/capacityType", "ON_DEMAND"),
            ("kubernetes.io/arch", "amd64"),
            ("kubernetes.io/os", "linux"),
            ("node-role", "system"),
            ("node.kubernetes.io/instance-type", "m7i.large"),
        ),
        taints=(),
    )


@dataclass(frozen=True)
class Group:
    """A nodeGroups entry as the settings hold it."""

    name: str
    labels: dict = field(default_factory=dict)
    capacity_type: str = "ON_DEMAND"
    ami_type: str = "AL2023_ARM_64_STANDARD"
    instance_types: tuple = ("m7g.large",)


def test_every_node_group_asks_eks_for_its_own_labels_and_ours() -> None:
    assert node_group_labels(Group("general", labels={"node-role": "general"})) == {
        "eks-daemonsets.io/node-group": "general",
        "node-role": "general",
    }


def test_node_labels_are_every_label_a_node_of_the_group_carries() -> None:
    general = Group("general", labels={"node-role": "general"}, capacity_type="SPOT")
    expected = {
        "eks-daemonsets.io/node-group": "general",
        "eks.amazonaws.com/capacityType": "SPOT",
        "kubernetes.io/arch": "arm64",
        "kubernetes.io/os": "linux",
        "node-role": "general",
        "node.kubernetes.io/instance-type": "m7g.large",
    }
    assert node_labels(general) == expected
    # Once EKS has named the group, its nodes carry that name too.
    named = node_labels(general, nodegroup_name="general-20261128043112345600000001")
    assert named == {**expected, "eks.amazonaws.com/nodegroup": "general-20261128043112345600000001"}
    assert list(named) == sorted(named)


def test_instance_type_label_only_with_exactly_one_instance_type() -> None:
    assert "node.kubernetes.io/instance-type" not in SPOT.label_map()
    assert GRAVITON.label_map()["node.kubernetes.io/instance-type"] == "m7g.large"


def test_eks_labels_win_over_configured_labels() -> None:
    view = group(
        "system",
        ami="CUSTOM",
        labels={
            "eks.amazonaws.com/nodegroup": "other", NODE_GROUP_LABEL: "other", "kubernetes.io/os": "windows",
            "kubernetes.io/arch": "s390x",
        },
    )
    labels = view.label_map()
    # EKS names the group <name>-<suffix> when it creates it: the view can't know the value, so it has none.
    assert "eks.amazonaws.com/nodegroup" not in labels
    assert labels[NODE_GROUP_LABEL] == "system"
    assert labels["kubernetes.io/os"] == "linux"
    # CUSTOM: the arch is unknown, so no arch label at all (not the configured one).
    assert "kubernetes.io/arch" not in labels


def test_node_group_view_sorts_and_deduplicates_taints() -> None:
    view = group("x", taints=[PCI_TAINT, GPU_TAINT, PCI_TAINT])
    assert view.taints == (PCI_TAINT, GPU_TAINT)


@pytest.mark.parametrize(
    "overrides, path, message",
    [
        ({"ami": "UBUNTU"}, ("amiType",), "unknown EKS AMI type"),
        ({"capacity": "RESERVED"}, ("capacityType",), "unknown EKS capacity type: got 'RESERVED'; allowed: ON_DEMAND, SPOT, CAPACITY_BLOCK"),
        ({"labels": {"bad key": "x"}}, ("labels", "bad key"), "label key name has a character outside"),
        ({"taints": [{"key": "a", "effect": "NoSchedule"}]}, ("taints", 0), "must be a Taint"),
    ],
)
def test_node_group_view_rejects_bad_input_with_path(overrides: dict, path: tuple, message: str) -> None:
    with pytest.raises(TargetingError) as caught:
        group("x", **overrides)
    assert caught.value.path == path
    assert str(caught.value).startswith(message)


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): behaviour no other test held
# --------------------------------------------------------------------------- #


def test_capacity_block_groups_are_labelled_as_such() -> None:
    assert view(capacity_type="CAPACITY_BLOCK").label_map()["eks.amazonaws.com/capacityType"] == "CAPACITY_BLOCK"


def test_an_empty_node_group_name_is_refused() -> None:
    with pytest.raises(TargetingError) as caught:
        view(name="")
    assert caught.value.path == ("name",)


@pytest.mark.parametrize("bad", ["", 7])
def test_an_empty_or_non_string_instance_type_is_refused_at_its_index(bad: object) -> None:
    with pytest.raises(TargetingError) as caught:
        view(instance_types=["m7i.large", bad])
    assert caught.value.path == ("instanceTypes", 1)
    assert caught.value.value == bad


def test_a_bad_label_value_names_its_key() -> None:
    with pytest.raises(TargetingError) as caught:
        view(labels={"role": "-bad"})
    assert caught.value.path == ("labels", "role")


def test_a_configured_instance_type_label_goes_when_there_are_several_types() -> None:
    labels = view(
        labels={"node.kubernetes.io/instance-type": "m7i.large"}, instance_types=["m7i.large", "m6i.large"]
    ).label_map()
    assert "node.kubernetes.io/instance-type" not in labels


def test_one_instance_type_wins_over_a_configured_instance_type_label() -> None:
    labels = view(labels={"node.kubernetes.io/instance-type": "x"}, instance_types=["c7i.xlarge"]).label_map()
    assert labels["node.kubernetes.io/instance-type"] == "c7i.xlarge"


def test_node_labels_of_a_custom_ami_group_have_no_arch() -> None:
    labels = node_labels(Group("c", labels={"kubernetes.io/arch": "arm64"}, ami_type="CUSTOM", instance_types=("m7i.large",)))
    assert labels == {
        NODE_GROUP_LABEL: "c",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m7i.large",
    }


def test_windows_groups_are_labelled_windows_amd64() -> None:
    labels = view(ami_type="WINDOWS_CORE_2022_x86_64").label_map()
    assert (labels["kubernetes.io/os"], labels["kubernetes.io/arch"]) == ("windows", "amd64")


def test_the_view_keeps_the_node_group_name() -> None:
    assert view("system").name == "system"
    assert view("system").label_map()[NODE_GROUP_LABEL] == "system"


def test_views_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        view().name = "other"  # type: ignore[misc]


def test_taints_in_a_view_are_sorted_by_key_value_effect() -> None:
    b = Taint("b", "", TaintEffect.NO_SCHEDULE)
    a2 = Taint("a", "2", TaintEffect.NO_SCHEDULE)
    a1 = Taint("a", "1", TaintEffect.NO_EXECUTE)
    assert view(taints=[b, a2, a1]).taints == (a1, a2, b)
