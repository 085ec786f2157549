"""The local cluster itself: the pinned versions, loopback only, refusals that name their cause, and a stop that
stops what it started and nothing else."""

from __future__ import annotations

import json
import subprocess

import pytest

from local.tools.build import BIN_DIR, KUBERNETES_VERSION, PULUMI_VERSION
from local.cluster import ClusterError, LocalCluster
from local.processes import listening_addresses, process_alive


def test_the_control_plane_and_the_cli_report_the_pinned_versions(cluster: LocalCluster) -> None:
    version = json.loads(cluster.kubectl("get", "--raw", "/version"))
    assert version["gitVersion"] == KUBERNETES_VERSION
    cli = subprocess.run([str(BIN_DIR / "pulumi"), "version"], capture_output=True, text=True, check=True)
    assert cli.stdout.strip() == PULUMI_VERSION


def test_every_component_listens_on_loopback_only(cluster: LocalCluster) -> None:
    pids = cluster.running_pids()
    assert set(pids) == {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok-controller"}
    for component, pid in pids.items():
        addresses = {address for address, _ in listening_addresses(pid)}
        assert addresses == {"127.0.0.1"}, (component, addresses)


def test_a_second_start_is_refused_while_the_cluster_is_up(cluster: LocalCluster) -> None:
    with pytest.raises(ClusterError, match=rf"local cluster '{cluster.name}' is still up: .*kube-apiserver \(pid \d+\)"):
        LocalCluster(cluster.name, port=cluster.port + 10).check_can_start()


def test_a_taken_port_is_refused_naming_who_holds_it(cluster: LocalCluster) -> None:
    with pytest.raises(ClusterError, match=rf"port 127.0.0.1:{cluster.port} is taken by kube-apiserver \(pid \d+\)"):
        LocalCluster("e2e-other", port=cluster.port).check_can_start()


def test_stop_stops_its_own_processes_and_nothing_else(cluster: LocalCluster) -> None:
    second = LocalCluster("e2e-second", port=cluster.port + 4)
    with second:
        theirs = second.running_pids()
        assert len(theirs) == 5
    assert not [pid for pid in theirs.values() if process_alive(pid)]
    ours = cluster.running_pids()
    assert len(ours) == 5, ours
    assert cluster.kubectl("get", "--raw", "/readyz").strip() == "ok"
