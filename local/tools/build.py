"""Build the real parts from the Go module proxy: control plane, etcd, kwok, the Pulumi CLI and its Kubernetes provider,
node_exporter, kube-rbac-proxy and Karpenter (its kwok cloud provider).

    python -m local.tools.build            # build what is missing, print each tool's build time
    python -m local.tools.build --list     # say what would be built, from which module version

Each tool family is a small wrapper module under ``local/tools/<family>/`` (go.mod and go.sum committed, a main of a
few lines where upstream's own can't be used). Binaries are cached outside the checkout, in
``$EKS_DAEMONSETS_TOOLS_CACHE`` (default ``~/.cache/eks-daemonsets/tools``), under a key made of the family's
version, the Go version and a hash of its wrapper files and flags: a second build is a directory look-up. Go's own
module and build caches (``go env GOMODCACHE GOCACHE``) are outside the checkout too, so an edit to one wrapper
rebuilds only what changed. ``build/tools/bin`` gets a symlink per command, for PATH.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from components.agents.node_exporter_args import KUBE_RBAC_PROXY_IMAGE, NODE_EXPORTER_IMAGE

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOOLS_DIR = Path(__file__).resolve().parent
BIN_DIR = PROJECT_DIR / "build" / "tools" / "bin"

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

    @property
    def directory(self) -> Path:
        return TOOLS_DIR / self.name

    def commands(self) -> list[str]:
        return sorted([*self.packages, *self.aliases])


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


def required_version(family: Family, module: str) -> str:
    """The version of ``module`` the family's go.mod requires, read from the file."""
    for line in (family.directory / "go.mod").read_text().splitlines():
        fields = line.split("//", 1)[0].split()
        if fields[:1] == ["require"]:
            fields = fields[1:]
        if len(fields) == 2 and fields[0] == module:
            return fields[1]
    raise ValueError(f"{family.directory / 'go.mod'} does not require {module}")


def check_module_version(family: Family) -> None:
    """Refuse to build a wrapper whose go.mod requires another release than the one the family names."""
    if not family.module:
        return
    required = required_version(family, family.module)
    if required != family.version:
        raise ValueError(
            f"{family.directory / 'go.mod'} requires {family.module} {required}, but the {family.name} family is "
            f"{family.version} (the pinned image's tag): run `go get -tool {family.module}@{family.version}` there"
        )


def cache_root() -> Path:
    configured = os.environ.get("EKS_DAEMONSETS_TOOLS_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eks-daemonsets" / "tools"


def go_version() -> str:
    return subprocess.run(["go", "env", "GOVERSION"], check=True, capture_output=True, text=True).stdout.strip()


def cache_key(family: Family, go: str) -> str:
    """Version, Go version, and everything in the wrapper and the flags that changes the binary."""
    digest = hashlib.sha256()
    flags = [go, family.packages, family.ldflags, family.tags, family.overlay, family.assets]
    if family.env:
        flags.append(family.env)
    digest.update(json.dumps(flags, sort_keys=True).encode())
    for path in sorted(family.directory.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{family.name}-{family.version}-{go}-{digest.hexdigest()[:12]}"


def module_dir(family: Family, module: str) -> Path:
    """Where the go command keeps ``module`` at the version the wrapper's go.sum pins (downloaded if need be)."""
    listing = subprocess.run(
        ["go", "list", "-mod=readonly", "-m", "-json", module],
        cwd=family.directory,
        check=True,
        capture_output=True,
        text=True,
    )
    directory = json.loads(listing.stdout).get("Dir")
    if not directory:
        subprocess.run(["go", "mod", "download", module], cwd=family.directory, check=True)
        return module_dir(family, module)
    return Path(directory)


#: How often a long build says it is still going (go build prints nothing while it compiles).
HEARTBEAT_SECONDS = 60.0


def _run_with_heartbeat(command: list[str], *, cwd: Path, env: dict[str, str], heartbeat) -> None:
    """Run ``command``; every HEARTBEAT_SECONDS while it runs, call ``heartbeat()``. Raise as ``check=True`` does."""
    process = subprocess.Popen(command, cwd=cwd, env=env)
    while True:
        try:
            returncode = process.wait(timeout=HEARTBEAT_SECONDS)
            break
        except subprocess.TimeoutExpired:
            heartbeat()
    if returncode:
        raise subprocess.CalledProcessError(returncode, command)


def build_family(family: Family, destination: Path, heartbeat=lambda: None) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{family.name}-", dir=destination.parent))
    try:
        command = ["go", "build", "-mod=readonly", "-trimpath", "-buildvcs=false", "-ldflags", " ".join(["-s", "-w", *family.ldflags])]
        if family.tags:
            command += ["-tags", ",".join(family.tags)]
        if family.overlay:
            replace = {
                str(family.directory / name): str(module_dir(family, module) / path)
                for name, (module, path) in family.overlay.items()
            }
            overlay_file = staging / "overlay.json"
            overlay_file.write_text(json.dumps({"Replace": replace}))
            command += ["-overlay", str(overlay_file)]
        for name, package in family.packages.items():
            _run_with_heartbeat(
                [*command, "-o", str(staging / name), package],
                cwd=family.directory,
                env={**os.environ, **family.env},
                heartbeat=heartbeat,
            )
        for name, (module, path) in family.assets.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(module_dir(family, module) / path, staging / name)
        for alias, target in family.aliases.items():
            (staging / alias).symlink_to(target)
        (staging / "overlay.json").unlink(missing_ok=True)
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def link_commands(family: Family, built: Path) -> None:
    """``build/tools/<family>`` -> the cached build (assets included), and ``build/tools/bin/<command>`` for PATH."""
    BIN_DIR.mkdir(parents=True, exist_ok=True)
    family_link = BIN_DIR.parent / family.name
    family_link.unlink(missing_ok=True)
    family_link.symlink_to(built)
    for command in family.commands():
        link = BIN_DIR / command
        link.unlink(missing_ok=True)
        link.symlink_to(built / command)


def build(families: Sequence[Family] = FAMILIES, *, out=sys.stdout) -> dict[str, float]:
    """Build each family not yet cached; return and print seconds per family (0.0 where cached).

    A cold build takes about an hour on two busy cores, so it says which family it is on (``[3/8]``), how long that
    one has taken every HEARTBEAT_SECONDS, and the running total after each.
    """
    go = go_version()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    for number, family in enumerate(families, start=1):
        check_module_version(family)
        destination = root / cache_key(family, go)
        started = time.monotonic()
        so_far = sum(seconds.values())
        if destination.is_dir():
            state = "cached"
        else:
            print(f"[{number}/{len(families)}] building {family.name} {family.version} ({', '.join(family.commands())}) "
                  f"...", file=out, flush=True)

            def heartbeat(family: Family = family, started: float = started) -> None:
                elapsed = time.monotonic() - started
                print(f"[{number}/{len(families)}] still building {family.name}: {elapsed:.0f} s "
                      f"(all tools so far {so_far + elapsed:.0f} s)", file=out, flush=True)

            build_family(family, destination, heartbeat)
            state = "built"
        seconds[family.name] = time.monotonic() - started
        link_commands(family, destination)
        print(f"{family.name:<18} {family.version:<10} {state:<6} {seconds[family.name]:7.1f} s  "
              f"(total {sum(seconds.values()):7.1f} s)  {destination}", file=out, flush=True)
    print(f"{'all tools':<18} {'':<10} {'':<6} {sum(seconds.values()):7.1f} s  (Go {go}; binaries on {BIN_DIR})", file=out)
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the families, versions and cache keys; build nothing")
    parser.add_argument("families", nargs="*", help="build only these families (default: all)")
    args = parser.parse_args(argv)
    chosen = [f for f in FAMILIES if not args.families or f.name in args.families]
    unknown = set(args.families) - {f.name for f in FAMILIES}
    if unknown:
        parser.error(f"unknown families {sorted(unknown)}; known: {[f.name for f in FAMILIES]}")
    if args.list:
        go = go_version()
        for family in chosen:
            print(f"{family.name:<18} {family.version:<10} {cache_root() / cache_key(family, go)}")
        return 0
    build(chosen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
