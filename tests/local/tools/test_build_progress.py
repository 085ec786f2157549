"""What `make tools` tells a user during a cold build of about an hour: the family it is on, that it is still going,
and the running total."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys

import pytest

from local.tools import build as tools
from local.tools import families


def test_a_long_command_beats_while_it_runs_and_a_failing_one_raises(monkeypatch) -> None:
    monkeypatch.setattr(tools, "HEARTBEAT_SECONDS", 0.05)
    beats = []
    tools._run_with_heartbeat([sys.executable, "-c", "import time; time.sleep(0.4)"], cwd=tools.TOOLS_DIR, env={},
                              heartbeat=lambda: beats.append(1))
    assert len(beats) >= 3
    with pytest.raises(subprocess.CalledProcessError):
        tools._run_with_heartbeat([sys.executable, "-c", "raise SystemExit(3)"], cwd=tools.TOOLS_DIR, env={},
                                  heartbeat=lambda: None)


def test_build_names_each_family_as_it_starts_and_keeps_a_running_total(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("EKS_DAEMONSETS_TOOLS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(tools, "BIN_DIR", tmp_path / "bin")
    monkeypatch.setattr(tools, "go_version", lambda: "go1.26.8")
    # Per family: its start, its heartbeat, its end.
    clock = iter([0.0, 0.0, 70.0, 70.0, 70.0, 200.0])
    monkeypatch.setattr(tools.time, "monotonic", lambda: next(clock))

    def fake_build(family, destination, heartbeat) -> None:
        heartbeat()
        destination.mkdir(parents=True)
        for command in family.packages:
            (destination / command).write_text("")

    monkeypatch.setattr(tools, "build_family", fake_build)
    families = [dataclasses.replace(f, module="") for f in tools.FAMILIES if f.name in ("etcd", "node-exporter")]
    out = io.StringIO()
    seconds = tools.build(families, out=out)
    lines = out.getvalue().splitlines()
    assert seconds == {"etcd": 70.0, "node-exporter": 130.0}
    assert lines[0].startswith("[1/2] building etcd v3.6.16 (etcd) ...")
    assert lines[1] == "[1/2] still building etcd: 0 s (all tools so far 0 s)"
    assert "(total    70.0 s)" in lines[2]
    assert lines[3].startswith("[2/2] building node-exporter")
    assert lines[4] == "[2/2] still building node-exporter: 0 s (all tools so far 70 s)"
    assert "(total   200.0 s)" in lines[5]
    assert lines[6].startswith("all tools") and "200.0 s" in lines[6]


def test_a_patch_builds_against_a_patched_copy_of_the_module_and_refuses_text_that_moved(monkeypatch, tmp_path) -> None:
    module = tmp_path / "cache" / "example.com" / "m@v1.0.0"
    (module / "pkg").mkdir(parents=True)
    (module / "pkg" / "server.go").write_text('a := fmt.Sprintf(":%d", 1)\nb := fmt.Sprintf(":%d", 2)\n')
    (module / "pkg" / "server.go").chmod(0o444)
    wrapper = tmp_path / "wrapper"
    wrapper.mkdir()
    (wrapper / "go.mod").write_text("module w\n")
    (wrapper / "go.sum").write_text("")
    monkeypatch.setattr(tools, "module_dir", lambda family, name: module)
    monkeypatch.setattr(families, "TOOLS_DIR", tmp_path)
    patch = tools.SourcePatch("example.com/m", "pkg/server.go", 'fmt.Sprintf(":%d", ', 'fmt.Sprintf("127.0.0.1:%d", ', 2, "loopback")
    family = dataclasses.replace(tools.FAMILIES[0], name="wrapper", patches=(patch,))
    staging = tmp_path / "staging"
    staging.mkdir()
    flags = tools.patched_modules(family, staging)
    copy = staging / "modules" / "example.com_m"
    assert flags == [f"-modfile={staging / 'go.mod'}"]
    assert (copy / "pkg" / "server.go").read_text().count('"127.0.0.1:%d"') == 2
    assert f"replace example.com/m => {copy}" in (staging / "go.mod").read_text()
    assert (module / "pkg" / "server.go").read_text().count('":%d"') == 2  # the module cache is left alone
    with pytest.raises(ValueError, match="holds .* 2 times, not 3"):
        tools.patched_modules(dataclasses.replace(family, patches=(dataclasses.replace(patch, count=3),)),
                              tmp_path / "other")
