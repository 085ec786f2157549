"""EKS-like instance types for Karpenter's kwok cloud provider, in the JSON its ``--instance-types-file-path`` reads.

The format is kwok/cloudprovider/helpers.go:48-64 (v1.14.1): ``name``, ``architecture``, ``operatingSystems``,
``resources`` (a ResourceList; ``pods`` defaults to 110, helpers.go:144-146) and ``offerings``, each ``Price``,
``Available`` and ``Requirements`` (node selector requirements). Its own examples/instance_types.json writes
``capacityType``/``zone``/``price`` per offering, which that struct does not read (the offering would carry no zone
and no capacity type); kwok/cloudprovider/instance_types.json, the embedded default, uses the form written here.

The kwok provider labels a node with every single-valued ``In`` requirement of the offering it picks
(kwok/cloudprovider/cloudprovider.go:257-261) and makes every offering requirement key a well-known label
(helpers.go:172-179), so a NodePool or a pod may select on it. The offerings here carry, beside the capacity type and
the zone, the labels the AWS provider derives from EC2's instance data (aws/karpenter-provider-aws
pkg/apis/v1/labels.go: ``karpenter.k8s.aws/instance-category``, ``-family``, ``-generation``, ``-size``, ``-cpu``,
``-memory`` in MiB, ``-gpu-count``, ``-gpu-name``, ``-gpu-manufacturer``) and ``topology.kubernetes.io/region``,
so the nodes look like EKS's. The kwok provider adds its own ``karpenter.kwok.sh/instance-{size,family,cpu,memory}``
(helpers.go:136-141).

vCPUs, memory and the maximum pods (EKS's ENI-based max-pods for the type) are EC2's published figures; prices are
rounded us-west-2 list prices, spot at about 40% of on-demand, a cent or so dearer zone by zone so the cheapest
offering, which the kwok provider launches (cloudprovider.go:201-214), is always the same one: zone ``a``, spot where
the pool allows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

CAPACITY_TYPE = "karpenter.sh/capacity-type"
ZONE = "topology.kubernetes.io/zone"
REGION = "topology.kubernetes.io/region"
AWS_LABEL_PREFIX = "karpenter.k8s.aws/"
#: EKS Auto Mode's spelling of the same instance labels (EKS user guide, "EKS Auto Mode Supported Labels"), and the
#: label Auto Mode puts on its nodes.
AUTO_MODE_LABEL_PREFIX = "eks.amazonaws.com/"
AUTO_MODE_LABEL = ("eks.amazonaws.com/compute-type", "auto")
ZONE_SUFFIXES = ("a", "b", "c")
SPOT_DISCOUNT = 0.4
ZONE_STEP = 0.01


@dataclass(frozen=True)
class InstanceType:
    name: str
    architecture: str
    cpu: int
    memory_gib: int
    max_pods: int
    on_demand_price: float
    gpus: int = 0
    gpu_name: Optional[str] = None

    def aws_labels(self, prefix: str = AWS_LABEL_PREFIX) -> dict[str, str]:
        family, size = self.name.split(".")
        labels = {
            "instance-category": re.match(r"[a-z]+", family)[0],
            "instance-family": family,
            "instance-generation": re.search(r"\d+", family)[0],
            "instance-size": size,
            "instance-cpu": str(self.cpu),
            "instance-memory": str(self.memory_gib * 1024),
        }
        if self.gpus:
            labels.update({"instance-gpu-count": str(self.gpus), "instance-gpu-name": self.gpu_name or "",
                           "instance-gpu-manufacturer": "nvidia"})
        return {prefix + key: value for key, value in labels.items()}


EKS_INSTANCE_TYPES: tuple[InstanceType, ...] = (
    InstanceType("m7g.large", "arm64", 2, 8, 29, 0.0816),
    InstanceType("m7g.xlarge", "arm64", 4, 16, 58, 0.1632),
    InstanceType("m6g.large", "arm64", 2, 8, 29, 0.077),
    InstanceType("m6i.large", "amd64", 2, 8, 29, 0.096),
    InstanceType("m7i.xlarge", "amd64", 4, 16, 58, 0.2016),
    InstanceType("c7i.2xlarge", "amd64", 8, 16, 58, 0.357),
    InstanceType("t3.large", "amd64", 2, 8, 35, 0.0832),
    InstanceType("g5.xlarge", "amd64", 4, 16, 58, 1.006, gpus=1, gpu_name="a10g"),
)


def _in(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "operator": "In", "values": [value]}


def instance_types_document(
    region: str, types: tuple[InstanceType, ...] = EKS_INSTANCE_TYPES, *, auto_mode: bool = False
) -> list[dict[str, Any]]:
    """The instance-types file's content: each type offered spot and on-demand in ``<region>a``, ``b`` and ``c``.

    ``auto_mode``: label the nodes as EKS Auto Mode does (``eks.amazonaws.com/instance-*``, ``compute-type: auto``)
    instead of as Karpenter's AWS provider does (``karpenter.k8s.aws/instance-*``).
    """
    prefix = AUTO_MODE_LABEL_PREFIX if auto_mode else AWS_LABEL_PREFIX
    extra = [_in(*AUTO_MODE_LABEL)] if auto_mode else []
    document = []
    for instance in types:
        resources = {
            "cpu": str(instance.cpu),
            "memory": f"{instance.memory_gib}Gi",
            "pods": str(instance.max_pods),
            # EKS's default root volume for a managed node group or Karpenter's AL2023 EC2NodeClass.
            "ephemeral-storage": "20Gi",
        }
        if instance.gpus:
            resources["nvidia.com/gpu"] = str(instance.gpus)
        offerings = []
        for zone_index, suffix in enumerate(ZONE_SUFFIXES):
            for capacity_type, factor in (("spot", SPOT_DISCOUNT), ("on-demand", 1.0)):
                price = round(instance.on_demand_price * factor * (1 + ZONE_STEP * zone_index), 6)
                requirements = [_in(CAPACITY_TYPE, capacity_type), _in(ZONE, f"{region}{suffix}"), _in(REGION, region)]
                requirements += [_in(key, value) for key, value in sorted(instance.aws_labels(prefix).items())] + extra
                offerings.append({"Price": price, "Available": True, "Requirements": requirements})
        document.append(
            {
                "name": instance.name,
                "architecture": instance.architecture,
                "operatingSystems": ["linux"],
                "resources": resources,
                "offerings": offerings,
            }
        )
    return document
