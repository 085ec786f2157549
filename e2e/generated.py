"""Random, valid stack files for the placement check: node groups with random labels and taints, and agents with
random targeting (node selectors, all six operators, tolerations including NoExecute with tolerationSeconds).

Seeded: ``generated_stack(seed)`` is the same stack every time, so a failing seed can be replayed alone. A draw that
the settings refuse (a coverage rule broken, a contradiction) is skipped; the caller asks for the next seed.
"""

from __future__ import annotations

import random
from typing import Any

# Small vocabularies, so that selectors and taints meet the labels often enough to both match and miss.
LABEL_VALUES = {"tier": ["web", "batch", "data"], "team": ["red", "blue"], "gen": ["1", "7", "42", "130"]}
TAINT_KEYS = ["dedicated", "example.com/gpu", "compliance"]
TAINT_VALUES = ["", "yes", "pci"]
EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
# Kept short: a NoExecute taint tolerated for N seconds evicts the pod after N seconds, and the check waits that long.
TOLERATION_SECONDS = [0, 2, 4]
AMI_TYPES = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64"]


def _labels(rng: random.Random) -> dict[str, str]:
    return {key: rng.choice(values) for key, values in LABEL_VALUES.items() if rng.random() < 0.7}


def _taints(rng: random.Random) -> list[dict[str, str]]:
    taints = []
    for key in rng.sample(TAINT_KEYS, rng.choice([0, 0, 1, 1, 2])):
        taint = {"key": key, "effect": rng.choice(EFFECTS)}
        value = rng.choice(TAINT_VALUES)
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


def _expression(rng: random.Random) -> dict[str, Any]:
    key = rng.choice(list(LABEL_VALUES))
    operator = rng.choice(OPERATORS)
    if operator in ("In", "NotIn"):
        values = sorted(rng.sample(LABEL_VALUES[key], rng.randint(1, 2)))
    elif operator in ("Gt", "Lt"):
        key, values = "gen", [rng.choice(["0", "5", "40", "100"])]
    else:
        values = []
    return {"key": key, "operator": operator, **({"values": values} if values else {})}


def _toleration(rng: random.Random) -> dict[str, Any]:
    toleration: dict[str, Any] = {}
    if rng.random() < 0.15:
        return {"operator": "Exists"}  # every taint
    toleration["key"] = rng.choice(TAINT_KEYS)
    if rng.random() < 0.5:
        toleration["operator"] = "Exists"
    else:
        toleration["operator"] = "Equal"
        toleration["value"] = rng.choice(TAINT_VALUES)
    if rng.random() < 0.7:
        toleration["effect"] = rng.choice(EFFECTS)
        if toleration["effect"] == "NoExecute" and rng.random() < 0.5:
            toleration["tolerationSeconds"] = rng.choice(TOLERATION_SECONDS)
    return toleration


def _targeting(rng: random.Random) -> dict[str, Any]:
    targeting: dict[str, Any] = {}
    if rng.random() < 0.3:
        key = rng.choice(list(LABEL_VALUES))
        targeting["nodeSelector"] = {key: rng.choice(LABEL_VALUES[key])}
    expressions = [_expression(rng) for _ in range(rng.choice([0, 1, 1, 2]))]
    if expressions:
        targeting["nodeAffinity"] = expressions
    targeting["tolerations"] = "all" if rng.random() < 0.25 else [_toleration(rng) for _ in range(rng.randint(0, 3))]
    return targeting


def generated_stack(seed: int) -> dict[str, Any]:
    """A stack file's document for ``seed``: 1 to 4 node groups, three agents with random targeting."""
    rng = random.Random(seed)
    groups = []
    for index in range(rng.randint(1, 4)):
        desired = rng.randint(1, 2)
        group: dict[str, Any] = {
            "name": f"g{index}",
            "instanceTypes": ["m6i.large"],
            "scaling": {"min": desired, "desired": desired, "max": desired + 1},
            "amiType": rng.choice(AMI_TYPES),
        }
        labels, taints = _labels(rng), _taints(rng)
        if labels:
            group["labels"] = labels
        if taints:
            group["taints"] = taints
        groups.append(group)
    agents = {
        key: {"coverage": "any", "targeting": _targeting(rng), "maxUnavailable": 1}
        for key in ("nodeExporter", "fluentd", "securityAgent")
    }
    # CloudWatch needs AWS resources; the generated stacks are about placement, so Fluentd writes to stdout.
    agents["fluentd"]["outputs"] = {"cloudwatch": {"enabled": False}, "stdout": {"enabled": True}}
    return {
        "config": {
            "aws:region": "us-west-2",
            # Existing-cluster mode, as on the local cluster: the same placement, no EKS resources to render.
            "eks-daemonsets:cluster": {
                "name": f"gen-{seed}",
                "kubernetesVersion": "1.35",
                "existing": {"kubeconfigPath": "unused-when-rendered"},
            },
            "eks-daemonsets:nodeGroups": groups,
            "eks-daemonsets:agents": agents,
        }
    }
