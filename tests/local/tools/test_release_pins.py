"""The tool pins: the Go wrapper modules build the releases the rendered DaemonSet's images pin.

The end-to-end suite (e2e/test_metrics_path.py) runs the real binaries; these check the version agreement exactly,
without them.
"""

from __future__ import annotations

import dataclasses

import pytest

from components.agents.node_exporter_args import KUBE_RBAC_PROXY_IMAGE, NODE_EXPORTER_IMAGE
from local.tools.build import (
    FAMILIES,
    KARPENTER_MODULE,
    KARPENTER_VERSION,
    check_module_version,
    image_version,
    required_version,
)


def test_image_version_is_the_exact_release_tag() -> None:
    assert image_version("quay.io/prometheus/node-exporter:v1.12.1") == "v1.12.1"
    assert image_version("quay.io/prometheus/node-exporter:v1.12.1@sha256:" + "a" * 64) == "v1.12.1"
    with pytest.raises(ValueError, match="vMAJOR.MINOR.PATCH"):
        image_version("quay.io/prometheus/node-exporter:v1.12.1@sha256:" + "a" * 63)
    with pytest.raises(ValueError, match="vMAJOR.MINOR.PATCH"):
        image_version("quay.io/prometheus/node-exporter@sha256:" + "a" * 64)


@pytest.mark.parametrize(("family_name", "image"), [("node-exporter", NODE_EXPORTER_IMAGE), ("kube-rbac-proxy", KUBE_RBAC_PROXY_IMAGE)])
def test_the_wrapper_builds_the_release_the_daemonset_pins(family_name: str, image: str) -> None:
    (family,) = [f for f in FAMILIES if f.name == family_name]
    assert family.version == image_version(image)
    assert required_version(family, family.module) == image_version(image)
    check_module_version(family)


def test_a_wrapper_requiring_another_release_is_refused() -> None:
    (family,) = [f for f in FAMILIES if f.name == "node-exporter"]
    with pytest.raises(ValueError, match="requires github.com/prometheus/node_exporter v1.12.1, but the node-exporter family is v9.9.9"):
        check_module_version(dataclasses.replace(family, version="v9.9.9"))


def _go_directive(family) -> tuple[int, ...]:
    (line,) = [line for line in (family.directory / "go.mod").read_text().splitlines() if line.startswith("go ")]
    return tuple(int(part) for part in line.split()[1].split("."))


def test_the_karpenter_wrapper_builds_the_release_it_stamps_with_the_go_this_machine_has() -> None:
    (family,) = [f for f in FAMILIES if f.name == "karpenter"]
    assert family.version == KARPENTER_VERSION
    assert required_version(family, KARPENTER_MODULE) == KARPENTER_VERSION
    check_module_version(family)
    # operator.Version is what /metrics' karpenter_build_info and the user agent report: the release, no leading v.
    assert f"-X {KARPENTER_MODULE}/pkg/operator.Version={KARPENTER_VERSION.removeprefix('v')}" in family.ldflags
    # v1.14.3 and v1.15.0 say go 1.26.10 and 1.26.9: a wrapper that needs more than the Go 1.26.8 every machine has
    # would need GOTOOLCHAIN in every shell and in CI.
    assert _go_directive(family) <= (1, 26, 8)
    assert sorted(family.assets) == [
        "crds/autoscaling.x-k8s.io_capacitybuffers.yaml",
        "crds/karpenter.kwok.sh_kwoknodeclasses.yaml",
        "crds/karpenter.sh_nodeclaims.yaml",
        "crds/karpenter.sh_nodeoverlays.yaml",
        "crds/karpenter.sh_nodepools.yaml",
    ]
