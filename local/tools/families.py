"""The tool families ``local/tools/build.py`` builds: which upstream release, which Go packages, and the flags and
data files upstream's own release builds use. One wrapper module per family under ``local/tools/<family>/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from components.agents.node_exporter_args import KUBE_RBAC_PROXY_IMAGE, NODE_EXPORTER_IMAGE

TOOLS_DIR = Path(__file__).resolve().parent

KUBERNETES_VERSION = "v1.35.4"
PULUMI_VERSION = "v3.274.1"
# The Kubernetes provider module has no provider/v4.* tags; the one pseudo-version the module proxy serves is the
# main-branch commit of 2026-01-15 (f47bc2d6f199), a day before the v4.25.0 release was tagged. It reports itself as
# 4.25.0, and requirements.txt pins the Python SDK to the same release.
PULUMI_KUBERNETES_VERSION = "4.25.0"
PULUMI_KUBERNETES_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4"


def image_version(image: str) -> str:
    """The ``vMAJOR.MINOR.PATCH`` tag of a pinned image: the release the local build must match.

    The tag is read whether or not a digest follows it (``name:v1.2.3@sha256:…``): the digest pins the image's bytes,
    the tag names the release they were built from.
    """
    match = re.fullmatch(r"[^@]+:(v\d+\.\d+\.\d+)(?:@sha256:[0-9a-f]{64})?", image)
    if not match:
        raise ValueError(f"{image}: expected an image pinned to a vMAJOR.MINOR.PATCH tag")
    return match[1]


# The versions the node-exporter DaemonSet runs, read from its pinned images so the two can't drift apart; the
# wrappers' go.mod files require the same versions (check_module_version refuses before a build).
NODE_EXPORTER_VERSION = image_version(NODE_EXPORTER_IMAGE)
KUBE_RBAC_PROXY_VERSION = image_version(KUBE_RBAC_PROXY_IMAGE)
# The commits those tags point at, as the module proxy's .info files report them (Origin.Hash); upstream's release
# builds stamp them into the binary.
NODE_EXPORTER_REVISION = "98bc26f01a0ded117b7215b0c6a794f71a2a11f9"
KUBE_RBAC_PROXY_REVISION = "a67fc47c9e13db72e64b3cf0a369de4350e1c59b"
# The newest Karpenter this machine's Go (1.26.8) builds: v1.14.3's go.mod says go 1.26.10 and v1.15.0's go 1.26.9, so
# either would need GOTOOLCHAIN set in every shell, CI and the README; v1.14.1's says go 1.26.6.
KARPENTER_VERSION = "v1.14.1"
KARPENTER_MODULE = "sigs.k8s.io/karpenter"


@dataclass(frozen=True)
class Family:
    """One wrapper module and the commands it builds.

    Attributes:
        name: the folder under local/tools.
        version: what the family's tools report, and part of the cache key.
        packages: command name -> Go package to build (``.`` is the wrapper's own main).
        ldflags: -X flags that set the version upstream's release builds set.
        tags: build tags upstream's release builds use.
        aliases: extra command names that are symlinks to a built one (a multi-call binary).
        overlay: file in the wrapper dir -> (module path, file in that module): go build -overlay maps them, so
            nothing is copied into the checkout.
        assets: file in the cache dir -> (module path, file in that module): data files the tools need at run time,
            copied from the module cache beside the binaries.
        module: the upstream module whose release ``version`` names; when set, the wrapper's go.mod must require
            exactly that version (see check_module_version).
        env: environment the go command runs with, as upstream's release builds set it (CGO_ENABLED=0: a static
            binary, as in the image).
        patches: exact text replacements in upstream files, each for a stated reason, applied at build time to a
            copy of the module outside the checkout (see build.patched_modules); the build fails if the text is not
            found exactly as many times as given.
    """

    name: str
    version: str
    packages: dict[str, str]
    ldflags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    overlay: dict[str, tuple[str, str]] = field(default_factory=dict)
    assets: dict[str, tuple[str, str]] = field(default_factory=dict)
    module: str = ""
    env: dict[str, str] = field(default_factory=dict)
    patches: tuple["SourcePatch", ...] = ()

    @property
    def directory(self) -> Path:
        return TOOLS_DIR / self.name

    def commands(self) -> list[str]:
        return sorted([*self.packages, *self.aliases])


@dataclass(frozen=True)
class SourcePatch:
    """Replace ``old`` by ``new`` in ``path`` of ``module`` (``count`` times), because ``why``."""

    module: str
    path: str
    old: str
    new: str
    count: int
    why: str


def _version_flags(prefix: str, **values: str) -> tuple[str, ...]:
    return tuple(f"-X {prefix}.{key}={value}" for key, value in values.items())


FAMILIES: tuple[Family, ...] = (
    Family(
        name="kube",
        version=KUBERNETES_VERSION,
        packages={"kube": "."},
        # Without these, /version reports v0.0.0-master+$Format:%H$ and clients that parse it complain.
        ldflags=_version_flags(
            "k8s.io/component-base/version",
            gitVersion=KUBERNETES_VERSION,
            gitMajor="1",
            gitMinor=KUBERNETES_VERSION.split(".")[1],
            gitTreeState="clean",
        ),
        aliases={name: "kube" for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")},
    ),
    Family(name="etcd", version="v3.6.16", packages={"etcd": "go.etcd.io/etcd/server/v3"}),
    Family(
        name="kwok",
        version="v0.8.0",
        packages={"kwok": "sigs.k8s.io/kwok/cmd/kwok", "kwokctl": "sigs.k8s.io/kwok/cmd/kwokctl"},
        # kwok 0.8 has no built-in stages: without these it fails "no stages found". Nodes become Ready and renew
        # their leases; pods become Running and Ready, finish, and go when deleted (a rollout, an eviction).
        assets={
            f"stages/{Path(path).name}": ("sigs.k8s.io/kwok", f"kustomize/stage/{path}")
            for path in (
                "node/fast/node-initialize.yaml",
                "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
                "pod/fast/pod-ready.yaml",
                "pod/fast/pod-complete.yaml",
                "pod/fast/pod-delete.yaml",
            )
        },
    ),
    Family(
        name="pulumi",
        version=PULUMI_VERSION,
        packages={"pulumi": "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"},
        # As upstream's release build (.goreleaser.yml): the Automation API refuses a CLI whose version it can't parse.
        ldflags=_version_flags("github.com/pulumi/pulumi/sdk/v3/go/common/version", Version=PULUMI_VERSION),
        tags=("osusergo", "grpcnotrace"),
    ),
    Family(
        name="pulumi-kubernetes",
        version=PULUMI_KUBERNETES_VERSION,
        packages={"pulumi-resource-kubernetes": "."},
        ldflags=_version_flags(
            "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version", Version=PULUMI_KUBERNETES_VERSION
        ),
        overlay={
            "schema.json": (PULUMI_KUBERNETES_MODULE, "cmd/pulumi-resource-kubernetes/schema.json"),
            "terraform-mapping.json": (PULUMI_KUBERNETES_MODULE, "cmd/pulumi-resource-kubernetes/terraform-mapping.json"),
        },
    ),
    Family(
        name="karpenter",
        version=KARPENTER_VERSION,
        module=KARPENTER_MODULE,
        # Karpenter's kwok cloud provider: the real provisioner, scheduler simulation and node lifecycle controllers,
        # with a cloud that makes Node objects (kwok/main.go). ko, which its Makefile builds the image with, builds
        # static binaries (CGO_ENABLED=0).
        packages={"karpenter-kwok": f"{KARPENTER_MODULE}/kwok"},
        env={"CGO_ENABLED": "0"},
        # Karpenter's own Makefile builds the kwok image without a version (it reports "unspecified"); the AWS
        # provider's release build sets the release without its leading v (aws/karpenter-provider-aws Makefile:
        # -X=sigs.k8s.io/karpenter/pkg/operator.Version=$(git describe --tags --always | cut -d"v" -f2)).
        ldflags=_version_flags(f"{KARPENTER_MODULE}/pkg/operator", Version=KARPENTER_VERSION.removeprefix("v")),
        # Local servers listen on 127.0.0.1 only: Karpenter binds its metrics and health servers to every interface
        # (pkg/operator/operator.go, ctrl.Options: BindAddress ":%d", HealthProbeBindAddress ":%d") and has no flag
        # for the address.
        patches=(
            SourcePatch(
                KARPENTER_MODULE, "pkg/operator/operator.go", 'fmt.Sprintf(":%d", ', 'fmt.Sprintf("127.0.0.1:%d", ', 2,
                "bind the metrics and health probe servers to loopback",
            ),
        ),
        # The CRDs the kwok provider's chart installs (kwok/charts/crds: NodePools, NodeClaims, NodeOverlays,
        # CapacityBuffers) and its node class.
        assets={
            f"crds/{Path(path).name}": (KARPENTER_MODULE, path)
            for path in (
                "kwok/charts/crds/autoscaling.x-k8s.io_capacitybuffers.yaml",
                "kwok/charts/crds/karpenter.sh_nodeclaims.yaml",
                "kwok/charts/crds/karpenter.sh_nodeoverlays.yaml",
                "kwok/charts/crds/karpenter.sh_nodepools.yaml",
                "kwok/apis/crds/karpenter.kwok.sh_kwoknodeclasses.yaml",
            )
        },
    ),
    Family(
        name="node-exporter",
        version=NODE_EXPORTER_VERSION,
        module="github.com/prometheus/node_exporter",
        packages={"node_exporter": "github.com/prometheus/node_exporter"},
        env={"CGO_ENABLED": "0"},
        # As upstream's .promu.yml (its Version is the VERSION file: no leading v). BuildUser and BuildDate are left
        # out so that the flags, and so the cache key, are the same from one build to the next.
        ldflags=_version_flags(
            "github.com/prometheus/common/version",
            Version=NODE_EXPORTER_VERSION.removeprefix("v"),
            Revision=NODE_EXPORTER_REVISION,
            Branch="HEAD",
        ),
    ),
    Family(
        name="kube-rbac-proxy",
        version=KUBE_RBAC_PROXY_VERSION,
        module="github.com/brancz/kube-rbac-proxy",
        packages={"kube-rbac-proxy": "github.com/brancz/kube-rbac-proxy/cmd/kube-rbac-proxy"},
        env={"CGO_ENABLED": "0"},
        # As upstream's Makefile: --version prints "kube-rbac-proxy v0.22.1", not "Kubernetes v0.0.0-master".
        ldflags=(
            *_version_flags(
                "k8s.io/component-base/version", gitVersion=KUBE_RBAC_PROXY_VERSION, gitCommit=KUBE_RBAC_PROXY_REVISION
            ),
            "-X k8s.io/component-base/version/verflag.programName=kube-rbac-proxy",
        ),
    ),
)
