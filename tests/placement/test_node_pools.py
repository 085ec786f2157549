"""What each label can be on a NodePool's nodes (:class:`KeyDomain`), and the labels and taints
:func:`node_pool_view` gives a pool's nodes, as sigs.k8s.io/karpenter v1.14.1 labels them (files cited by line)."""

from __future__ import annotations

import pytest

from components.placement.node_pools import KeyDomain
from components.targeting import Taint, TaintEffect
from tests.placement.pool_examples import ARCH, CAPACITY, GPU_TAINT, pool, req

ANY = KeyDomain()
#: A label some nodes lack and others carry with any value (a GPU label, or a custom one a requirement names).
MAYBE = KeyDomain(absent=True)
NUMBER = "karpenter.k8s.aws/instance-cpu"


@pytest.mark.parametrize(
    ("operator", "values", "allowed", "refused"),
    [
        ("In", ["a", "b"], ["a", "b"], ["c", None]),
        ("NotIn", ["a"], ["b", "7"], ["a", None]),
        ("Exists", [], ["a", "7"], [None]),
        ("DoesNotExist", [], [None], ["a", "7"]),
        # requirement.go:87-108: Gt N is Gte N+1, Lt N is Lte N-1; a bound makes the label an integer (:334-350).
        ("Gt", ["4"], ["5", "100"], ["4", "a", None]),
        ("Gte", ["4"], ["4", "5"], ["3", "a", None]),
        ("Lt", ["4"], ["3", "0"], ["4", "a", None]),
        ("Lte", ["4"], ["4", "3"], ["5", "a", None]),
    ],
)
def test_each_operator_narrows_an_open_label(operator: str, values: list[str], allowed: list, refused: list) -> None:
    domain = MAYBE.narrowed(operator, values)
    assert [v for v in allowed if not domain.allows(v)] == []
    assert [v for v in refused if domain.allows(v)] == []
    assert not domain.empty


def test_bounds_combine_to_the_tighter_of_each() -> None:
    domain = ANY.narrowed("Gt", ["4"]).narrowed("Lte", ["10"]).narrowed("Gte", ["7"]).narrowed("Lt", ["12"])
    assert (domain.low, domain.high) == (7, 10)
    assert [v for v in ["6", "7", "10", "11"] if domain.allows(v)] == ["7", "10"]


def test_in_then_bounds_keep_only_the_integers_within() -> None:
    # requirement.go:204-208: an In set's values outside the bounds are dropped.
    domain = ANY.narrowed("In", ["2", "6", "x"]).narrowed("Gt", ["3"])
    assert [v for v in ["2", "6", "x"] if domain.allows(v)] == ["6"]
    assert ANY.narrowed("In", ["2", "x"]).narrowed("Gt", ["3"]).empty


def test_an_absent_label_may_stay_absent_until_a_requirement_needs_it() -> None:
    maybe = KeyDomain(absent=True)
    assert maybe.allows(None) and maybe.allows("1")
    assert not maybe.narrowed("In", ["1"]).allows(None)
    assert not maybe.narrowed("NotIn", ["1"]).allows(None)
    assert maybe.narrowed("DoesNotExist", []).allows(None)
    assert not maybe.narrowed("DoesNotExist", []).allows("1")


@pytest.mark.parametrize(
    "domain",
    [
        ANY.narrowed("In", ["a"]).narrowed("In", ["b"]),
        ANY.narrowed("In", ["a"]).narrowed("NotIn", ["a"]),
        ANY.narrowed("Gt", ["5"]).narrowed("Lt", ["6"]),
        MAYBE.narrowed("DoesNotExist", []).narrowed("Exists", []),
        MAYBE.narrowed("Exists", []).narrowed("DoesNotExist", []),
        MAYBE.narrowed("In", ["a"]).narrowed("DoesNotExist", []),
        ANY.narrowed("DoesNotExist", []),
        KeyDomain.fixed("a").narrowed("DoesNotExist", []),
        KeyDomain.missing().narrowed("Exists", []),
        KeyDomain(values=frozenset({"amd64", "arm64"})).narrowed("In", ["s390x"]),
    ],
)
def test_requirements_that_leave_no_value_are_empty(domain: KeyDomain) -> None:
    assert domain.empty


def test_fixed_and_missing() -> None:
    assert KeyDomain.fixed("x").allows("x") and not KeyDomain.fixed("x").allows("y")
    assert not KeyDomain.fixed("x").allows(None)
    assert KeyDomain.missing().allows(None) and not KeyDomain.missing().allows("x")
    assert not KeyDomain.missing().empty


def test_candidates_list_the_pool_values_then_the_mentioned_ones_that_can_occur() -> None:
    arch = KeyDomain(values=frozenset({"amd64", "arm64"}))
    assert arch.candidates(["s390x", "amd64"], []) == ["amd64", "arm64"]
    assert KeyDomain.fixed("x").candidates(["y"], [3]) == ["x"]


def test_candidates_of_an_open_label_add_threshold_neighbours_and_an_unmentioned_integer_and_word() -> None:
    assert ANY.candidates(["b", "a"], [3]) == ["a", "b", "2", "3", "4", "0", "other"]
    # Words and numbers the rules mention are skipped when picking the unmentioned ones.
    assert ANY.candidates(["0", "other"], []) == ["0", "other", "1", "other1"]
    assert ANY.narrowed("NotIn", ["0", "other"]).candidates([], []) == ["1", "other1"]


def test_candidates_within_bounds_are_integers_only() -> None:
    cpu = ANY.narrowed("Gt", ["4"])
    assert cpu.candidates(["x", "2"], [7]) == ["6", "7", "8", "5"]
    assert all(cpu.allows(v) for v in cpu.candidates(["x"], [7]))


def test_candidates_end_with_none_where_the_label_may_be_missing() -> None:
    assert KeyDomain(absent=True).candidates([], []) == ["0", "other", None]
    assert KeyDomain.missing().candidates(["a"], [1]) == [None]


def test_candidates_are_the_same_whatever_order_the_rules_come_in() -> None:
    assert ANY.candidates(["b", "a", "c"], [9, 2]) == ANY.candidates(["c", "a", "b"], [2, 9])


def test_every_node_carries_the_pool_node_class_and_lifecycle_labels() -> None:
    fixed = pool("batch", labels={"team": "data"}).fixed_labels()
    assert fixed == {
        # nodeclaimtemplate.go:79-82: karpenter.sh/nodepool and <group>/<lower-case kind> (labels.go:173-175).
        "karpenter.sh/nodepool": "batch",
        "karpenter.k8s.aws/ec2nodeclass": "default",
        # registration.go:102 and initialization.go:93 (pkg/controllers/nodeclaim/lifecycle) set these "true".
        "karpenter.sh/registered": "true",
        "karpenter.sh/initialized": "true",
        "kubernetes.io/os": "linux",
        "team": "data",
    }


def test_auto_mode_nodes_carry_compute_type_auto_and_the_region_when_known() -> None:
    auto = pool("general", auto_mode=True, region="us-west-2").fixed_labels()
    assert auto["eks.amazonaws.com/compute-type"] == "auto"
    assert auto["eks.amazonaws.com/nodeclass"] == "default"
    assert auto["topology.kubernetes.io/region"] == "us-west-2"
    assert "eks.amazonaws.com/compute-type" not in pool().fixed_labels()
    assert not pool().domain("eks.amazonaws.com/compute-type").present
    assert pool().domain("topology.kubernetes.io/region") == KeyDomain()


def test_well_known_labels_default_to_every_value_karpenter_can_give() -> None:
    plain = pool()
    # labels.go:32-36: amd64 and arm64; capacity types in lower case, reserved among them.
    assert plain.domain(ARCH).values == {"amd64", "arm64"}
    assert plain.domain(CAPACITY).values == {"on-demand", "spot", "reserved"}
    assert plain.domain("kubernetes.io/os").values == {"linux"}
    for key in ("node.kubernetes.io/instance-type", "topology.kubernetes.io/zone"):
        assert plain.domain(key) == KeyDomain()
        assert not plain.domain(key).allows(None)


def test_a_requirement_on_the_os_widens_it_to_windows_as_asked() -> None:
    windows = pool("w", req("kubernetes.io/os", "In", "windows"))
    assert windows.domain("kubernetes.io/os").values == {"windows"}
    assert windows.fixed_labels()["kubernetes.io/os"] == "windows"
    both = pool("b", req("kubernetes.io/os", "Exists")).domain("kubernetes.io/os")
    assert both.values == {"linux", "windows"}


@pytest.mark.parametrize(
    ("auto_mode", "present", "other"),
    [(False, "karpenter.k8s.aws/instance-family", "eks.amazonaws.com/instance-family"),
     (True, "eks.amazonaws.com/instance-family", "karpenter.k8s.aws/instance-family")],
)
def test_the_provider_instance_labels_come_with_the_node_class_group(auto_mode: bool, present: str, other: str) -> None:
    view = pool(auto_mode=auto_mode)
    assert view.domain(present) == KeyDomain()
    gpu_count = present.replace("instance-family", "instance-gpu-count")
    # Only GPU instance types carry the GPU labels: maybe absent.
    assert view.domain(gpu_count).allows(None) and view.domain(gpu_count).allows("1")
    assert view.domain(other) == KeyDomain.missing()


def test_a_custom_label_is_absent_unless_a_template_label_or_requirement_names_it() -> None:
    assert pool().domain("team") == KeyDomain.missing()
    assert pool(labels={"team": "a"}).domain("team") == KeyDomain.fixed("a")
    # nodeclaimtemplate.go:96-107 with requirement.go:256-272 (Any): every node gets a value for In, NotIn, Exists,
    # Gt and Lt; none for DoesNotExist.
    for operator, values in (("In", ("a", "b")), ("NotIn", ("a",)), ("Exists", ()), ("Gt", ("3",)), ("Lt", ("9",))):
        domain = pool("p", req("team", operator, *values)).domain("team")
        assert domain.present and not domain.allows(None), operator
    assert pool("p", req("team", "In", "a", "b")).domain("team").values == {"a", "b"}
    assert pool("p", req("team", "DoesNotExist")).domain("team").allows(None)
    assert not pool("p", req("team", "DoesNotExist")).domain("team").allows("a")


def test_a_gpu_label_required_to_exist_is_on_every_node() -> None:
    gpus = pool("p", req("karpenter.k8s.aws/instance-gpu-count", "Exists"))
    assert not gpus.domain("karpenter.k8s.aws/instance-gpu-count").allows(None)


@pytest.mark.parametrize(
    "label", ["gpu-name", "gpu-count", "accelerator-count", "local-nvme", "network-bandwidth", "ebs-bandwidth"]
)
def test_instance_labels_some_instance_types_lack_may_be_missing(label: str) -> None:
    # aws/karpenter-provider-aws pkg/providers/instancetype/types.go computeRequirements (538ac5f5): DoesNotExist,
    # then a value only where the instance type has a GPU, an accelerator, an NVMe disk, a published bandwidth.
    for auto_mode, prefix in ((False, "karpenter.k8s.aws/instance-"), (True, "eks.amazonaws.com/instance-")):
        domain = pool(auto_mode=auto_mode).domain(prefix + label)
        assert domain.allows(None) and domain.allows("1"), (auto_mode, label)
    assert not pool().domain("karpenter.k8s.aws/instance-memory").allows(None)


def test_a_pool_notin_on_an_instance_label_keeps_the_types_without_it() -> None:
    # karpenter scheduling/requirements.go:259-264 Intersects: the instance type's DoesNotExist against the pool's
    # NotIn is compatible, and provisioning/scheduling/nodeclaim.go:620 filters instance types with it.
    gpu = "karpenter.k8s.aws/instance-gpu-count"
    assert pool("p", req(gpu, "NotIn", "1")).domain(gpu).allows(None)
    assert not pool("p", req(gpu, "NotIn", "1")).domain(gpu).allows("1")
    assert not pool("p", req(gpu, "NotIn", "1"), req(gpu, "Gt", "1")).domain(gpu).allows(None)
    # A custom label's NotIn still gives every node a value (requirement.go:260-269, Any).
    assert not pool("p", req("team", "NotIn", "a")).domain("team").allows(None)


def test_requirements_narrow_well_known_and_provider_labels() -> None:
    view = pool("p", req(ARCH, "In", "arm64"), req(CAPACITY, "NotIn", "spot"), req(NUMBER, "Gt", "4"))
    assert view.fixed_labels()[ARCH] == "arm64"
    assert sorted(v for v in ("on-demand", "spot", "reserved") if view.domain(CAPACITY).allows(v)) == [
        "on-demand", "reserved"]
    assert (view.domain(NUMBER).low, view.domain(NUMBER).allows("4")) == (5, False)


def test_taints_and_startup_taints_are_kept_apart_sorted_and_once() -> None:
    startup = Taint("example.com/not-ready", "", TaintEffect.NO_EXECUTE)
    other = Taint("a", "", TaintEffect.NO_SCHEDULE)
    view = pool("p", taints=[GPU_TAINT, other, GPU_TAINT], startup_taints=[startup])
    assert view.taints == (other, GPU_TAINT)
    assert view.startup_taints == (startup,)


@pytest.mark.parametrize(
    ("requirements", "labels", "key"),
    [
        ([req(ARCH, "In", "s390x")], {}, ARCH),
        ([req(ARCH, "In", "amd64"), req(ARCH, "NotIn", "amd64")], {}, ARCH),
        ([req(CAPACITY, "In", "SPOT")], {}, CAPACITY),
        ([req(NUMBER, "Gt", "8"), req(NUMBER, "Lt", "9")], {}, NUMBER),
        # Lt 0 leaves negative integers, which no label value is (apimachinery content/kube.go:74-80 IsLabelValue).
        ([req(NUMBER, "Lt", "0")], {}, NUMBER),
        ([req("team", "In", "b")], {"team": "a"}, "team"),
        ([req("team", "DoesNotExist")], {"team": "a"}, "team"),
        ([req("team", "Exists"), req("team", "DoesNotExist")], {}, "team"),
        ([req("team", "DoesNotExist"), req("team", "Exists")], {}, "team"),
        ([req("team", "DoesNotExist"), req("team", "NotIn", "a")], {}, "team"),
        ([req(ARCH, "DoesNotExist")], {}, ARCH),
        ([req("topology.kubernetes.io/zone", "DoesNotExist")], {}, "topology.kubernetes.io/zone"),
    ],
)
def test_contradicting_requirements_raise_naming_the_label(requirements: list, labels: dict, key: str) -> None:
    with pytest.raises(ValueError, match=f"the requirements on {key} leave no value a node of pool p could have"):
        pool("p", *requirements, labels=labels)
