"""eks-daemonsets:nodePools and cluster.autoMode (issue 23): a valid pool, every refusal naming its key, and which
pools the agents land on.

The refusals follow the NodePool CRD of sigs.k8s.io/karpenter v1.14.1 (``kwok/charts/crds/karpenter.sh_nodepools.yaml``,
cited by line below), so a pool the preview takes is one the API server admits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.settings import NodeClassRef, PoolRequirement, PoolTaint
from components.settings.node_pools import AUTO_MODE_NODE_CLASS, AUTO_MODE_SYSTEM_POOL
from tests.settings.small_stack import existing, parse, refused

EC2_NODE_CLASS = {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}


def pools(*entries: dict, auto_mode: bool = True, groups: bool = True) -> Callable[[dict], None]:
    """The small stack with these ``nodePools``, Auto Mode on or off, its node group kept or dropped."""

    def change(raw: dict) -> None:
        raw["cluster"]["autoMode"] = auto_mode
        raw["nodePools"] = list(entries)
        if not groups:
            raw.pop("nodeGroups")

    return change


def pool(**extra: Any) -> dict:
    return {"name": "p", **extra}


def requirement(key: str = "team", operator: str = "In", **extra: Any) -> dict:
    return {"key": key, "operator": operator, **extra}


def test_a_full_pool_parses_into_typed_settings() -> None:
    settings = parse(pools(pool(
        labels={"node-role": "general", "karpenter.sh/capacity-type": "spot"},
        taints=[{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}],
        startupTaints=[{"key": "example.com/not-ready", "effect": "NoExecute"}],
        requirements=[
            requirement("kubernetes.io/arch", values=["amd64", "arm64"], minValues=2),
            requirement("eks.amazonaws.com/instance-generation", "Gt", values=["5"]),
            requirement("team", "Exists"),
            requirement("gpu", "DoesNotExist"),
        ],
    ), groups=False))
    (only,) = settings.node_pools
    assert only.name == "p"
    assert only.labels == {"karpenter.sh/capacity-type": "spot", "node-role": "general"}
    assert only.taints == (PoolTaint(key="dedicated", value="batch", effect="NoSchedule"),)
    assert only.startup_taints == (PoolTaint(key="example.com/not-ready", effect="NoExecute"),)
    assert only.requirements[0] == PoolRequirement(key="kubernetes.io/arch", operator="In", values=("amd64", "arm64"),
                                                   min_values=2)
    assert [r.operator for r in only.requirements] == ["In", "Gt", "Exists", "DoesNotExist"]
    assert only.node_class is None
    assert settings.pool_node_class(only) == AUTO_MODE_NODE_CLASS
    assert settings.node_groups == ()


def test_the_node_class_label_is_group_and_lower_case_kind() -> None:
    # karpenter pkg/apis/v1/labels.go:173-175 NodeClassLabelKey: fmt.Sprintf("%s/%s", group, strings.ToLower(kind)).
    assert NodeClassRef(**EC2_NODE_CLASS).label == ("karpenter.k8s.aws/ec2nodeclass", "default")
    assert AUTO_MODE_NODE_CLASS.label == ("eks.amazonaws.com/nodeclass", "default")


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        (pool(name="General"), "nodePools[0].name", "'General' is not a NodePool name"),
        (pool(name="a" * 64), "nodePools[0].name", "1 to 63 lower-case letters"),
        (pool(name="-a"), "nodePools[0].name", "is not a NodePool name"),
        # CRD :224-229: label domain "karpenter.sh" is restricted, so are karpenter.sh/nodepool, kubernetes.io/hostname.
        (pool(labels={"karpenter.sh/custom": "x"}), "nodePools[0].labels", "'karpenter.sh/custom' uses the karpenter.sh"),
        (pool(labels={"x.karpenter.sh/custom": "x"}), "nodePools[0].labels", "uses the karpenter.sh domain"),
        (pool(labels={"karpenter.sh/nodepool": "x"}), "nodePools[0].labels", "'karpenter.sh/nodepool'"),
        (pool(labels={"kubernetes.io/hostname": "x"}), "nodePools[0].labels", "'kubernetes.io/hostname' is restricted"),
        (pool(labels={"eks-daemonsets.io/node-group": "x"}), "nodePools[0].labels", "this program's own domain"),
        (pool(labels={"role": "a b"}), "nodePools[0].labels", "a b"),
        # CRD :291-296, the same rules on requirement keys.
        (pool(requirements=[requirement("karpenter.sh/initialized", "Exists")]), "nodePools[0].requirements[0].key",
         "'karpenter.sh/initialized' uses the karpenter.sh domain"),
        (pool(requirements=[requirement("karpenter.sh/nodepool", values=["a"])]), "nodePools[0].requirements[0].key",
         "'karpenter.sh/nodepool' is restricted"),
        (pool(requirements=[requirement("kubernetes.io/hostname", "Exists")]), "nodePools[0].requirements[0].key",
         "'kubernetes.io/hostname' is restricted"),
        (pool(requirements=[requirement("a.eks-daemonsets.io/x", "Exists")]), "nodePools[0].requirements[0].key",
         "outside eks-daemonsets.io"),
        # CRD :341-342: In must have a value; NotIn without one would exclude nothing.
        (pool(requirements=[requirement("team", "In")]), "nodePools[0].requirements[0]", "operator In needs values"),
        (pool(requirements=[requirement("team", "NotIn", values=[])]), "nodePools[0].requirements[0]",
         "operator NotIn needs values"),
        (pool(requirements=[requirement("team", "Exists", values=["a"])]), "nodePools[0].requirements[0]",
         "operator Exists takes no values"),
        (pool(requirements=[requirement("team", "DoesNotExist", values=["a"])]), "nodePools[0].requirements[0]",
         "operator DoesNotExist takes no values"),
        # CRD :343-344: Gt, Lt, Gte, Lte need a single non-negative integer.
        (pool(requirements=[requirement("cpu", "Gt", values=["five"])]), "nodePools[0].requirements[0]",
         "operator Gt takes one value, ['five'] given; allowed: a single non-negative integer"),
        (pool(requirements=[requirement("cpu", "Lte", values=["1", "2"])]), "nodePools[0].requirements[0]",
         "operator Lte takes one value"),
        (pool(requirements=[requirement("cpu", "Gte", values=["1.5"])]), "nodePools[0].requirements[0]",
         "a single non-negative integer"),
        (pool(requirements=[requirement("cpu", "Between", values=["1"])]), "nodePools[0].requirements[0].operator",
         "'Gte'"),
        # CRD :345-346: minValues needs at least that many values; :303-304: 1 to 50.
        (pool(requirements=[requirement("team", values=["a"], minValues=2)]), "nodePools[0].requirements[0]",
         "minValues 2 with 1 values"),
        (pool(requirements=[requirement("team", "DoesNotExist", minValues=1)]), "nodePools[0].requirements[0]",
         "minValues with DoesNotExist"),
        (pool(requirements=[requirement("team", "Exists", minValues=51)]), "nodePools[0].requirements[0].minValues",
         "50"),
        (pool(taints=[{"key": "a", "effect": "NoSchedule"}, {"key": "a", "value": "b", "effect": "NoSchedule"}]),
         "nodePools[0].taints", "taint a:NoSchedule appears twice in taints"),
        (pool(startupTaints=[{"key": "s", "effect": "NoExecute"}, {"key": "s", "effect": "NoExecute"}]),
         "nodePools[0].startupTaints", "taint s:NoExecute appears twice in startupTaints"),
        (pool(taints=[{"key": "a", "effect": "Sometimes"}]), "nodePools[0].taints[0].effect", "'NoExecute'"),
        (pool(nodeClass={"group": "a/b", "kind": "K", "name": "n"}), "nodePools[0].nodeClass.group", "^[^/]*$"),
    ],
)
def test_each_pool_mistake_is_refused_naming_its_key(entry: dict, key: str, words: str) -> None:
    assert words in refused(pools(entry), key)


def test_the_same_taint_key_with_other_effects_and_in_both_lists_is_taken() -> None:
    taints = [{"key": "a", "effect": "NoSchedule"}, {"key": "a", "effect": "NoExecute"}]
    (only,) = parse(pools(pool(taints=taints, startupTaints=taints))).node_pools
    assert len(only.taints) == len(only.startup_taints) == 2


def test_pools_on_a_new_cluster_need_auto_mode() -> None:
    message = refused(pools(pool(), auto_mode=False), "nodePools")
    assert "only with EKS Auto Mode" in message and "cluster.autoMode: true" in message


def test_a_pool_on_an_existing_cluster_without_auto_mode_needs_its_node_class() -> None:
    def change(raw: dict) -> None:
        existing()(raw)
        raw["nodePools"] = [pool(), pool(name="q", nodeClass=EC2_NODE_CLASS)]
    message = refused(change, "nodePools[0].nodeClass")
    assert "required key is missing for pool 'p'" in message
    raw_ok = lambda raw: (existing()(raw), raw.__setitem__("nodePools", [pool(nodeClass=EC2_NODE_CLASS)]))  # noqa: E731
    (only,) = parse(raw_ok).node_pools
    assert only.node_class == NodeClassRef(**EC2_NODE_CLASS)


def test_a_pool_on_an_existing_auto_mode_cluster_takes_the_built_in_node_class() -> None:
    def change(raw: dict) -> None:
        existing()(raw)
        raw["cluster"]["autoMode"] = True
        raw["nodePools"] = [pool(name="system")]
    settings = parse(change)
    # Its system pool is one the stack describes, not the one EKS makes: not added a second time.
    assert [p.name for p in settings.all_node_pools] == ["system"]
    assert settings.pool_node_class(settings.node_pools[0]) == AUTO_MODE_NODE_CLASS


def test_a_pool_named_like_a_node_group_is_refused() -> None:
    assert "'g' names a node group too" in refused(pools(pool(name="g")), "nodePools")


def test_a_pool_name_twice_is_refused() -> None:
    assert "'p' is used twice" in refused(pools(pool(), pool()), "nodePools")


def test_a_pool_named_system_on_a_new_auto_mode_cluster_is_refused() -> None:
    assert "built-in pool" in refused(pools(pool(name="system")), "nodePools")


def test_a_node_group_named_system_on_a_new_auto_mode_cluster_is_refused() -> None:
    # The built-in pool's row and the group's would share a name in the placement table.
    def change(raw: dict) -> None:
        raw["cluster"]["autoMode"] = True
        raw["nodeGroups"][0]["name"] = "system"
    assert "built-in pool" in refused(change, "nodeGroups[0].name")

    def on_existing(raw: dict) -> None:
        change(raw)
        existing()(raw)
        raw["cluster"]["autoMode"] = True
    assert [g.name for g in parse(on_existing).node_groups] == ["system"]


def test_no_groups_and_no_pools_is_refused() -> None:
    assert "no node groups and no node pools" in refused(pools(auto_mode=True, groups=False), "nodeGroups")
    assert "no node groups and no node pools" in refused(lambda raw: raw.update(nodeGroups=[]), "nodeGroups")


def test_fifty_pools_and_no_more() -> None:
    many = [pool(name=f"p{i}") for i in range(51)]
    assert len(parse(pools(*many[:50], groups=False)).node_pools) == 50
    refused(pools(*many, groups=False), "nodePools")


def test_all_node_pools_adds_the_built_in_system_pool_on_a_new_auto_mode_cluster_only() -> None:
    new_auto = parse(pools(pool(name="general")))
    assert [p.name for p in new_auto.all_node_pools] == ["system", "general"]
    assert new_auto.all_node_pools[0] is AUTO_MODE_SYSTEM_POOL
    assert new_auto.auto_mode is True

    def on_existing(auto_mode: bool) -> Callable[[dict], None]:
        def change(raw: dict) -> None:
            existing()(raw)
            raw["cluster"]["autoMode"] = auto_mode
            raw["nodePools"] = [pool(name="general", nodeClass=EC2_NODE_CLASS)]
        return change

    assert [p.name for p in parse(on_existing(True)).all_node_pools] == ["general"]
    assert [p.name for p in parse(on_existing(False)).all_node_pools] == ["general"]
    assert parse().all_node_pools == ()
    # Auto Mode with node groups only: the built-in pool is still there, and the agents land on its nodes.
    assert [p.name for p in parse(lambda raw: raw["cluster"].update(autoMode=True)).all_node_pools] == ["system"]


def test_the_built_in_system_pool_is_what_aws_describes() -> None:
    # EKS user guide, "Enable or Disable Built-in NodePools": on-demand C/M/R of generation 5 and later, amd64 and
    # arm64, tainted CriticalAddonsOnly:NoSchedule, on the built-in NodeClass.
    assert AUTO_MODE_SYSTEM_POOL.taints == (PoolTaint(key="CriticalAddonsOnly", effect="NoSchedule"),)
    assert {(r.key, r.operator, r.values) for r in AUTO_MODE_SYSTEM_POOL.requirements} == {
        ("karpenter.sh/capacity-type", "In", ("on-demand",)),
        ("eks.amazonaws.com/instance-category", "In", ("c", "m", "r")),
        ("eks.amazonaws.com/instance-generation", "Gt", ("4",)),
        ("kubernetes.io/arch", "In", ("amd64", "arm64")),
        ("kubernetes.io/os", "In", ("linux",)),
    }
    assert AUTO_MODE_SYSTEM_POOL.node_class == AUTO_MODE_NODE_CLASS
