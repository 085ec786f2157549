"""Build the real parts from the Go module proxy: control plane, etcd, kwok, the Pulumi CLI and its Kubernetes provider,
node_exporter, kube-rbac-proxy and Karpenter (its kwok cloud provider).

    python -m local.tools.build            # build what is missing, print each tool's build time
    python -m local.tools.build --list     # say what would be built, from which module version

Each tool family (the table is ``local/tools/families.py``) is a small wrapper module under
``local/tools/<family>/`` (go.mod and go.sum committed, a main of a few lines where upstream's own can't be used). Binaries are cached outside the checkout, in
``$EKS_DAEMONSETS_TOOLS_CACHE`` (default ``~/.cache/eks-daemonsets/tools``), under a key made of the family's
version, the Go version and a hash of its wrapper files and flags: a second build is a directory look-up. Go's own
module and build caches (``go env GOMODCACHE GOCACHE``) are outside the checkout too, so an edit to one wrapper
rebuilds only what changed. ``build/tools/bin`` gets a symlink per command, for PATH.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from local.tools.families import (  # noqa: F401 (the table's names, imported from here by the rest of the tree)
    FAMILIES,
    KARPENTER_MODULE,
    KARPENTER_VERSION,
    KUBE_RBAC_PROXY_VERSION,
    KUBERNETES_VERSION,
    NODE_EXPORTER_VERSION,
    PULUMI_KUBERNETES_VERSION,
    PULUMI_VERSION,
    TOOLS_DIR,
    Family,
    SourcePatch,
    image_version,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN_DIR = PROJECT_DIR / "build" / "tools" / "bin"


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
    if family.patches:
        flags.append([dataclasses.astuple(patch) for patch in family.patches])
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


def patched_modules(family: Family, staging: Path) -> list[str]:
    """The go flags that build ``family`` against patched copies of the modules its patches name.

    The go command refuses an overlay of a file in the module cache, so each patched module is copied under
    ``staging`` (outside the checkout), patched there, and put in place by a ``replace`` in a copy of the wrapper's
    go.mod that ``-modfile`` points at; the wrapper's own go.mod and go.sum stay as committed.

    Raises:
        ValueError: the text to replace is not in the file as many times as the patch says (upstream changed).
    """
    if not family.patches:
        return []
    copies: dict[str, Path] = {}
    for patch in family.patches:
        if patch.module not in copies:
            copy = staging / "modules" / patch.module.replace("/", "_")
            shutil.copytree(module_dir(family, patch.module), copy)
            for path in [copy, *copy.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)  # the module cache's files are read-only
            copies[patch.module] = copy
        target = copies[patch.module] / patch.path
        text = target.read_text()
        if text.count(patch.old) != patch.count:
            raise ValueError(
                f"{family.name}: {patch.path} holds {patch.old!r} {text.count(patch.old)} times, not {patch.count}: "
                f"the patch to {patch.why} no longer fits {patch.module}"
            )
        target.write_text(text.replace(patch.old, patch.new))
    go_mod = (family.directory / "go.mod").read_text()
    replaces = "".join(f"\nreplace {module} => {copy}\n" for module, copy in copies.items())
    (staging / "go.mod").write_text(go_mod + replaces)
    shutil.copyfile(family.directory / "go.sum", staging / "go.sum")
    return [f"-modfile={staging / 'go.mod'}"]


def build_family(family: Family, destination: Path, heartbeat=lambda: None) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{family.name}-", dir=destination.parent))
    try:
        command = ["go", "build", "-mod=readonly", "-trimpath", "-buildvcs=false", "-ldflags", " ".join(["-s", "-w", *family.ldflags])]
        if family.tags:
            command += ["-tags", ",".join(family.tags)]
        replace = {
            str(family.directory / name): str(module_dir(family, module) / path)
            for name, (module, path) in family.overlay.items()
        }
        command += patched_modules(family, staging)
        if replace:
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
        shutil.rmtree(staging / "modules", ignore_errors=True)
        (staging / "go.mod").unlink(missing_ok=True)
        (staging / "go.sum").unlink(missing_ok=True)
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
