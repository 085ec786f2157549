"""Random, valid stack files with Karpenter NodePools, for the placement check against the real Karpenter: pools with
random requirements (architecture, capacity type, instance family and CPUs, a custom label under every operator),
template labels, taints and startup taints, and agents with random targeting over those labels.

Seeded: ``generated_pool_stack(seed)`` is the same stack every time. The instance families and sizes are the local
catalogue's (``local/karpenter_instances.py``), so that Karpenter can launch what a pool allows.
"""

from __future__ import annotations

import random
from typing import Any

from local.karpenter_instances import AUTO_MODE_LABEL_PREFIX, AWS_LABEL_PREFIX, EKS_INSTANCE_TYPES

FAMILIES = sorted({t.name.split(".")[0] for t in EKS_INSTANCE_TYPES if not t.gpus})
TEAMS = ["red", "blue"]
TIERS = ["web", "batch"]
TAINT_KEYS = ["dedicated", "example.com/gpu"]
STARTUP_TAINT = "example.com/booting"
EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
CPUS = ["1", "3", "5"]


def _subset(rng: random.Random, values: list[str]) -> list[str]:
    return sorted(rng.sample(values, rng.randint(1, len(values))))


def _requirements(rng: random.Random, prefix: str) -> list[dict[str, Any]]:
    choices = [
        lambda: {"key": "kubernetes.io/arch", "operator": "In", "values": _subset(rng, ["amd64", "arm64"])},
        lambda: {"key": "karpenter.sh/capacity-type", "operator": "In", "values": _subset(rng, ["on-demand", "spot"])},
        lambda: {"key": f"{prefix}instance-family", "operator": "In", "values": _subset(rng, FAMILIES)},
        lambda: {"key": f"{prefix}instance-cpu", "operator": rng.choice(["Gt", "Lt"]), "values": [rng.choice(CPUS)]},
        lambda: rng.choice([
            {"key": "team", "operator": "In", "values": _subset(rng, TEAMS)},
            {"key": "team", "operator": "NotIn", "values": ["red"]},
            {"key": "team", "operator": "Exists"},
            {"key": "team", "operator": "DoesNotExist"},
        ]),
    ]
    return [make() for make in rng.sample(choices, rng.randint(0, len(choices)))]


def _pool(rng: random.Random, index: int, prefix: str) -> dict[str, Any]:
    pool: dict[str, Any] = {"name": f"p{index}", "requirements": _requirements(rng, prefix)}
    if rng.random() < 0.5:
        pool["labels"] = {"tier": rng.choice(TIERS)}
    if rng.random() < 0.5:
        pool["taints"] = [{"key": rng.choice(TAINT_KEYS), "effect": rng.choice(EFFECTS)}]
    if rng.random() < 0.25:
        pool["startupTaints"] = [{"key": STARTUP_TAINT, "effect": "NoSchedule"}]
    return pool


def _expression(rng: random.Random, prefix: str) -> dict[str, Any]:
    return rng.choice([
        {"key": "kubernetes.io/arch", "operator": rng.choice(["In", "NotIn"]), "values": [rng.choice(["amd64", "arm64"])]},
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": [rng.choice(["on-demand", "spot"])]},
        {"key": f"{prefix}instance-family", "operator": rng.choice(["In", "NotIn"]), "values": _subset(rng, FAMILIES)[:2]},
        {"key": f"{prefix}instance-cpu", "operator": rng.choice(["Gt", "Lt"]), "values": [rng.choice(CPUS)]},
        {"key": "team", "operator": rng.choice(["In", "NotIn"]), "values": [rng.choice(TEAMS)]},
        {"key": "team", "operator": rng.choice(["Exists", "DoesNotExist"])},
        {"key": "tier", "operator": rng.choice(["In", "NotIn"]), "values": [rng.choice(TIERS)]},
    ])


def _targeting(rng: random.Random, prefix: str) -> dict[str, Any]:
    targeting: dict[str, Any] = {}
    if rng.random() < 0.25:
        targeting["nodeSelector"] = rng.choice([{"kubernetes.io/arch": rng.choice(["amd64", "arm64"])},
                                                {"tier": rng.choice(TIERS)}])
    expressions = [_expression(rng, prefix) for _ in range(rng.choice([0, 1, 1, 2]))]
    if expressions:
        targeting["nodeAffinity"] = expressions
    if rng.random() < 0.3:
        targeting["tolerations"] = "all"
    else:
        keys = rng.sample([*TAINT_KEYS, STARTUP_TAINT], rng.randint(0, 3))
        targeting["tolerations"] = [{"key": key, "operator": "Exists"} for key in keys]
    return targeting


def generated_pool_stack(seed: int) -> dict[str, Any]:
    """A stack file's document for ``seed``: 1 to 3 NodePools (Auto Mode's or Karpenter's on AWS), three agents."""
    rng = random.Random(seed)
    auto_mode = rng.random() < 0.5
    prefix = AUTO_MODE_LABEL_PREFIX if auto_mode else AWS_LABEL_PREFIX
    pools = [_pool(rng, index, prefix) for index in range(rng.randint(1, 3))]
    agents = {
        key: {"coverage": "any", "targeting": _targeting(rng, prefix), "maxUnavailable": 1}
        for key in ("nodeExporter", "fluentd", "securityAgent")
    }
    agents["fluentd"]["outputs"] = {"cloudwatch": {"enabled": False}, "stdout": {"enabled": True}}
    cluster: dict[str, Any] = {
        "name": f"pools-{seed}",
        "kubernetesVersion": "1.35",
        "existing": {"kubeconfigPath": "unused-when-rendered"},
    }
    if auto_mode:
        cluster["autoMode"] = True
    return {
        "config": {
            "aws:region": "us-west-2",
            "eks-daemonsets:cluster": cluster,
            "eks-daemonsets:nodePools": pools,
            "eks-daemonsets:agents": agents,
        }
    }
