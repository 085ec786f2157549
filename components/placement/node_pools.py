"""A Karpenter NodePool's nodes as the scheduler may see them: what each label can be on them, and their taints.

A node group's nodes all look alike (``node_groups``); a NodePool's do not. Its requirements allow sets of values, and
Karpenter picks one per node, so a label the pool leaves open differs from node to node. A :class:`KeyDomain` says
what one label can be on a pool's nodes; :func:`node_pool_view` builds them from the pool, the way Karpenter and EKS
label a node it launches (sigs.k8s.io/karpenter v1.14.1):

- ``karpenter.sh/nodepool: <pool>`` and ``<nodeClass group>/<nodeClass kind, lower case>: <nodeClass name>`` on
  every node (``pkg/controllers/provisioning/scheduling/nodeclaimtemplate.go``, NewNodeClaimTemplate), the template
  ``labels`` as given, and ``karpenter.sh/registered`` and ``karpenter.sh/initialized`` ``"true"`` once it is up
  (``pkg/apis/v1/labels.go``).
- Well-known labels (``labels.go`` WellKnownLabels) are always there, with a value within the requirements:
  ``kubernetes.io/arch`` (amd64 or arm64), ``kubernetes.io/os``, ``karpenter.sh/capacity-type`` (lower case:
  ``on-demand``, ``spot``, ``reserved``), ``node.kubernetes.io/instance-type``, ``topology.kubernetes.io/zone`` and
  ``region``; so are the provider's instance labels (``karpenter.k8s.aws/instance-*`` for Karpenter on AWS,
  ``eks.amazonaws.com/instance-*`` on Auto Mode: EKS user guide, "EKS Auto Mode Supported Labels"), except those
  only some instance types have (GPU, accelerator, local NVMe, bandwidth: :data:`MAYBE_ABSENT_INSTANCE_LABELS`); a
  pool's NotIn on one of those keeps the instance types without it.
- Any other label in a requirement gets a value on every node (``nodeclaimtemplate.go``
  resolveCustomLabelsFromRequirements, ``pkg/scheduling/requirement.go`` Any): one of the values for ``In``, a
  random integer for ``NotIn``, ``Exists``, ``Gt`` and ``Lt`` (unless a pending pod asked for one), none for
  ``DoesNotExist``. A label no requirement or template label names is not on the node.
- EKS Auto Mode nodes carry ``eks.amazonaws.com/compute-type: auto`` and run Linux only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import re
from dataclasses import dataclass, replace
from typing import Optional

from components.targeting import Taint
from components.targeting.labels import _parse_go_int

POOL_LABEL = "karpenter.sh/nodepool"
CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type"
ARCH_LABEL = "kubernetes.io/arch"
OS_LABEL = "kubernetes.io/os"
COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type"
#: Labels whose values come from a known, small set; a requirement narrows it.
FINITE_WELL_KNOWN: Mapping[str, frozenset[str]] = {
    ARCH_LABEL: frozenset({"amd64", "arm64"}),
    OS_LABEL: frozenset({"linux", "windows"}),
    CAPACITY_TYPE_LABEL: frozenset({"on-demand", "spot", "reserved"}),
}
#: Well-known labels every node carries with some value the pool does not fix.
OPEN_WELL_KNOWN = frozenset(
    {"node.kubernetes.io/instance-type", "topology.kubernetes.io/zone", "topology.kubernetes.io/region"}
)
#: The provider's instance labels, by the NodeClass group they come with. Karpenter's
#: kwok provider sets its own, and this project's local Karpenter also the AWS provider's (local/karpenter_instances.py),
#: to stand in for it.
INSTANCE_LABEL_PREFIXES: Mapping[str, tuple[str, ...]] = {
    "karpenter.k8s.aws": ("karpenter.k8s.aws/instance-",),
    "eks.amazonaws.com": ("eks.amazonaws.com/instance-",),
    "karpenter.kwok.sh": ("karpenter.kwok.sh/instance-", "karpenter.k8s.aws/instance-"),
}
AUTO_MODE_INSTANCE_PREFIX = "eks.amazonaws.com/instance-"
#: An EC2 instance family's name: category letters, generation, then attribute letters, the first of which names the
#: processor: g for AWS Graviton (arm64), a for AMD, i for Intel (EC2 user guide, "Amazon EC2 instance type naming
#: conventions"): m7g and g5g are arm64, m7i, c7a and g5 are not.
_FAMILY = re.compile(r"^[a-z]+[0-9]+(?P<attributes>[a-z-]*)$")


def arch_of_family(family: str) -> Optional[str]:
    """``arm64`` or ``amd64`` for an EC2 instance family's name, None where the name does not follow the convention."""
    match = _FAMILY.match(family)
    if not match:
        return None
    return "arm64" if match["attributes"].startswith("g") else "amd64"
#: Instance labels (after the prefix) that only some instance types carry: a GPU, an accelerator, a local NVMe disk,
#: a published bandwidth figure (aws/karpenter-provider-aws pkg/providers/instancetype/types.go computeRequirements:
#: each starts as DoesNotExist and gets a value only where the instance type has one).
MAYBE_ABSENT_INSTANCE_LABELS = ("gpu-", "accelerator-", "local-nvme", "network-bandwidth", "ebs-bandwidth")


@dataclass(frozen=True)
class KeyDomain:
    """What one label can be on a pool's nodes.

    Attributes:
        values: the values it can take, or None for any value (within ``excluded`` and the bounds).
        excluded: values it cannot take (NotIn).
        low / high: inclusive integer bounds (Gt, Gte, Lt, Lte); either makes the label an integer.
        present: some nodes carry the label.
        absent: some nodes lack it.
    """

    values: Optional[frozenset[str]] = None
    excluded: frozenset[str] = frozenset()
    low: Optional[int] = None
    high: Optional[int] = None
    present: bool = True
    absent: bool = False

    @classmethod
    def fixed(cls, value: str) -> "KeyDomain":
        return cls(values=frozenset({value}))

    @classmethod
    def missing(cls) -> "KeyDomain":
        return cls(values=frozenset(), present=False, absent=True)

    def allows(self, value: Optional[str]) -> bool:
        """Whether a node of the pool can have this value (None: no such label)."""
        if value is None:
            return self.absent
        if not self.present or value in self.excluded:
            return False
        if self.values is not None and value not in self.values:
            return False
        if self.low is not None or self.high is not None:
            number = _parse_go_int(value)
            if number is None:
                return False
            if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
                return False
        return True

    @property
    def empty(self) -> bool:
        """No node of the pool can exist: the requirements on this label contradict each other."""
        if self.absent:
            return False
        if not self.present:
            return True
        if self.values is not None:
            return not any(self.allows(v) for v in self.values)
        # No label value is a negative integer (a value starts with a letter or digit), so Lt 0 leaves none.
        return (self.high is not None and self.high < 0) or (
            self.low is not None and self.high is not None and self.low > self.high
        )

    @property
    def finite(self) -> bool:
        return self.values is not None or not self.present

    def narrowed(self, operator: str, values: Sequence[str]) -> "KeyDomain":
        """This domain with one pool requirement applied (the requirements on a key all hold at once)."""
        if operator == "In":
            kept = frozenset(values) if self.values is None else self.values & frozenset(values)
            return replace(self, values=kept, absent=False)
        if operator == "NotIn":
            return replace(self, excluded=self.excluded | frozenset(values), absent=False)
        if operator == "Exists":
            return replace(self, absent=False)
        if operator == "DoesNotExist":
            # Only where the label may be missing already: on a label every node has (a well-known one, a template
            # label, one an earlier requirement gives a value) nothing is left, whichever order the requirements are in.
            return replace(self, present=False)
        bound = int(values[0])
        low, high = {"Gt": (bound + 1, None), "Gte": (bound, None), "Lt": (None, bound - 1), "Lte": (None, bound)}[operator]
        return replace(
            self,
            low=max(x for x in (self.low, low) if x is not None) if low is not None or self.low is not None else None,
            high=min(x for x in (self.high, high) if x is not None) if high is not None or self.high is not None else None,
            absent=False,
        )

    def candidates(self, mentioned: Sequence[str], thresholds: Sequence[int]) -> list[Optional[str]]:
        """Values to try for this label: each one a node of the pool can have and an agent's rule may tell apart.

        The mentioned values and, around each integer threshold, the integers on either side; for an open domain
        one value no rule mentions (an integer, and a word where no bound makes it an integer); None where the
        label may be missing. Sorted, so the verdicts read the same every time.
        """
        tried: list[Optional[str]] = []
        pool_values = sorted(self.values) if self.values is not None else []
        numbers = sorted({str(n) for t in thresholds for n in (t - 1, t, t + 1) if n >= 0})
        for value in [*pool_values, *sorted(set(mentioned)), *numbers]:
            if value not in tried and self.allows(value):
                tried.append(value)
        if self.values is None and self.present:
            taken = set(tried) | self.excluded
            start = self.low if self.low is not None else 0
            other_number = next(str(n) for n in range(start, start + len(taken) + 2) if str(n) not in taken)
            if self.allows(other_number):
                tried.append(other_number)
            other_word = next(f"other{i or ''}" for i in range(len(taken) + 2) if f"other{i or ''}" not in taken)
            if self.allows(other_word):
                tried.append(other_word)
        if self.absent:
            tried.append(None)
        return tried


@dataclass(frozen=True)
class NodePoolView:
    """The labels and taints a NodePool's nodes can carry.

    Attributes:
        name: the NodePool's name.
        domains: per label key, what it can be on the pool's nodes; keys not listed are never on them.
        taints: on every node of the pool.
        startup_taints: on every new node until something removes them.
    """

    name: str
    domains: tuple[tuple[str, KeyDomain], ...]
    taints: tuple[Taint, ...] = ()
    startup_taints: tuple[Taint, ...] = ()
    node_class_group: str = ""
    auto_mode: bool = False

    def domain(self, key: str) -> KeyDomain:
        """What ``key`` can be on the pool's nodes: as the pool sets it, or as Karpenter and the provider do."""
        found = dict(self.domains).get(key)
        return found if found is not None else _default_domain(key, self.node_class_group, self.auto_mode)

    def fixed_labels(self) -> dict[str, str]:
        """The labels every node of the pool carries with one value."""
        return {k: next(iter(d.values)) for k, d in self.domains if d.values is not None and len(d.values) == 1
                and not d.absent and d.allows(next(iter(d.values)))}


def instance_label_prefixes(node_class_group: str, auto_mode: bool) -> tuple[str, ...]:
    prefixes = INSTANCE_LABEL_PREFIXES.get(node_class_group, ())
    return prefixes + ((AUTO_MODE_INSTANCE_PREFIX,) if auto_mode and AUTO_MODE_INSTANCE_PREFIX not in prefixes else ())


def _default_domain(key: str, node_class_group: str, auto_mode: bool) -> KeyDomain:
    if key == OS_LABEL:
        return KeyDomain.fixed("linux")  # Auto Mode runs Linux only; a Windows pool says kubernetes.io/os In [windows]
    if key in FINITE_WELL_KNOWN:
        return KeyDomain(values=FINITE_WELL_KNOWN[key])
    if key in OPEN_WELL_KNOWN:
        return KeyDomain()
    for prefix in instance_label_prefixes(node_class_group, auto_mode):
        if key.startswith(prefix):
            # Only GPU instance types have the GPU labels (and so on); every instance type has the others.
            return KeyDomain(absent=True) if key[len(prefix):].startswith(MAYBE_ABSENT_INSTANCE_LABELS) else KeyDomain()
    return KeyDomain.missing()


def _families(domains: Mapping[str, KeyDomain]) -> Optional[set[str]]:
    """The instance families a pool's requirements limit it to (by family or by instance type), or None."""
    allowed: Optional[set[str]] = None
    for key, domain in domains.items():
        if domain.values is None or domain.absent:
            continue
        if key.endswith("/instance-family"):
            names = {v for v in domain.values if domain.allows(v)}
        elif key == "node.kubernetes.io/instance-type":
            names = {v.split(".", 1)[0] for v in domain.values if domain.allows(v)}
        else:
            continue
        allowed = names if allowed is None else allowed & names
    return allowed


def node_pool_view(
    *,
    name: str,
    labels: Mapping[str, str],
    taints: Sequence[Taint],
    startup_taints: Sequence[Taint],
    requirements: Sequence[tuple[str, str, Sequence[str]]],
    node_class_label: tuple[str, str],
    auto_mode: bool,
    region: Optional[str] = None,
) -> NodePoolView:
    """Describe a NodePool's nodes: :class:`KeyDomain` per label, and the taints.

    Args:
        requirements: ``(key, operator, values)`` per requirement, Karpenter's operators (Gte/Lte included).
        node_class_label: the NodeClass label Karpenter sets (see ``NodeClassRef.label`` in the settings).
        auto_mode: the pool runs on EKS Auto Mode (``eks.amazonaws.com/compute-type: auto``, Linux only).
        region: the cluster's region (``topology.kubernetes.io/region``), when known.

    Raises:
        ValueError: the pool's requirements leave a label no value (Karpenter would launch no node), naming it.
    """
    node_class_group = node_class_label[0].split("/", 1)[0]
    fixed: dict[str, str] = {
        **labels,
        POOL_LABEL: name,
        node_class_label[0]: node_class_label[1],
        "karpenter.sh/registered": "true",
        "karpenter.sh/initialized": "true",
    }
    if auto_mode:
        fixed[COMPUTE_TYPE_LABEL] = "auto"
    if region:
        fixed["topology.kubernetes.io/region"] = region
    keys = {*fixed, *(r[0] for r in requirements), *FINITE_WELL_KNOWN, *OPEN_WELL_KNOWN}
    domains: dict[str, KeyDomain] = {}
    for key in sorted(keys):
        domain = KeyDomain.fixed(fixed[key]) if key in fixed else _default_domain(key, node_class_group, auto_mode)
        constraints = [(op, vals) for k, op, vals in requirements if k == key]
        may_lack = domain.present and domain.absent  # an instance label some instance types lack
        if constraints and key not in fixed and key not in FINITE_WELL_KNOWN and domain.absent and not domain.present:
            # A custom label a requirement names: Karpenter gives every node a value, unless it is DoesNotExist.
            domain = KeyDomain(absent=True)
        if constraints and key == OS_LABEL:
            domain = KeyDomain(values=FINITE_WELL_KNOWN[key])  # a requirement replaces the default, within the set
        for operator, values in constraints:
            domain = domain.narrowed(operator, values)
        if may_lack and constraints and all(operator == "NotIn" for operator, _ in constraints):
            # Instance types without the label stay: their DoesNotExist is compatible with a NotIn (karpenter
            # scheduling/requirements.go:259-264 Intersects, as provisioning/scheduling/nodeclaim.go:620 filters).
            domain = replace(domain, absent=True)
        if domain.empty:
            raise ValueError(f"the requirements on {key} leave no value a node of pool {name} could have")
        domains[key] = domain
    families = _families(domains)
    archs = {arch_of_family(f) for f in families} if families is not None else {None}
    if None not in archs:
        # An instance family is of one architecture: a pool of g5 and g6 only makes amd64 nodes.
        domains[ARCH_LABEL] = replace(domains[ARCH_LABEL], values=(domains[ARCH_LABEL].values or frozenset()) & archs)
        if domains[ARCH_LABEL].empty:
            raise ValueError(f"the instance families it allows ({', '.join(sorted(families))}) are of no "
                             f"{ARCH_LABEL} it allows")
    return NodePoolView(
        name=name,
        domains=tuple(sorted(domains.items())),
        taints=tuple(sorted(set(taints), key=Taint.sort_key)),
        startup_taints=tuple(sorted(set(startup_taints), key=Taint.sort_key)),
        node_class_group=node_class_group,
        auto_mode=auto_mode,
    )
