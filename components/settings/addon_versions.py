"""The EKS add-on versions a cluster is pinned to by default, per Kubernetes version.

Left to itself, pulumi-eks asks EKS for the most recent vpc-cni and kube-proxy add-on on every run
(``aws.eks.getAddonVersionOutput({mostRecent: true})``: pulumi/pulumi-eks nodejs/eks/addons/cni-addon.ts, VpcCniAddon,
and nodejs/eks/cluster/cluster.ts, createCore's kube-proxy add-on), so any ``pulumi up`` could upgrade them on every
node without a change in the stack file. These pins make an upgrade a reviewed edit: of this table (for everyone),
or of ``eks-daemonsets:cluster.addonVersions`` (for one stack).

Where each version was read (2026-12), and how to move one: ``aws eks describe-addon-versions --addon-name <name>
--kubernetes-version <version>`` lists what EKS offers; set the new one in ``addonVersions`` and preview.

- 1.32, 1.33: the EKS user guide's own tables (awsdocs/amazon-eks-user-guide, latest/ug/networking/
  managing-vpc-cni.adoc and managing-coredns.adoc at 057948d, managing-kube-proxy.adoc at d9a9cba). The 1.33 kube-proxy
  line, v1.33.0-eksbuild.2, is not in that table's stored copy; it is the version public 1.33 stacks pin.
- 1.34, 1.35: versions public infrastructure code pins for clusters of that version (no AWS table lists them in the
  copies read); the 1.35 set (vpc-cni v1.21.1-eksbuild.3, kube-proxy v1.35.0-eksbuild.2, coredns v1.13.2-eksbuild.1)
  appears together in several independent 1.35 stacks.
- 1.36: the versions a 1.36 cluster resolved to when created, as recorded in a public test log.

kube-proxy follows the cluster's minor version; vpc-cni and CoreDNS versions serve a range of Kubernetes versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple


class AddonPins(NamedTuple):
    """The three add-on versions of one Kubernetes version."""

    vpc_cni: str
    kube_proxy: str
    core_dns: str


DEFAULT_ADDON_VERSIONS: Mapping[str, AddonPins] = MappingProxyType(
    {
        "1.32": AddonPins("v1.20.1-eksbuild.3", "v1.32.3-eksbuild.7", "v1.11.4-eksbuild.22"),
        "1.33": AddonPins("v1.20.1-eksbuild.3", "v1.33.0-eksbuild.2", "v1.12.3-eksbuild.1"),
        "1.34": AddonPins("v1.20.4-eksbuild.2", "v1.34.0-eksbuild.2", "v1.12.3-eksbuild.1"),
        "1.35": AddonPins("v1.21.1-eksbuild.3", "v1.35.0-eksbuild.2", "v1.13.2-eksbuild.1"),
        "1.36": AddonPins("v1.22.4-eksbuild.3", "v1.36.0-eksbuild.21", "v1.14.3-eksbuild.16"),
    }
)

#: An EKS add-on version as EKS spells them: ``v<major>.<minor>.<patch>-eksbuild.<build>``.
ADDON_VERSION_PATTERN = r"^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$"
