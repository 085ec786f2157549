"""A rollout on the cluster, watched: ``kubectl set image`` to a new tag, then every change of the DaemonSet's pods fed
into a ``Rollout`` until every node runs the new image, or the watch window ends and the DaemonSet is frozen."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

from benchmarks.scale_bench.cluster import daemonset, wait_settled
from benchmarks.scale_bench.figures import Result
from benchmarks.scale_bench.rollout import WATCH_JSONPATH, PodEvent, Rollout
from benchmarks.scale_bench.targets import Target
from local.tools.build import BIN_DIR
from local.cluster import ClusterError, LocalCluster


def new_tag(image: str) -> str:
    """The same image with a tag it hasn't had (kwok pulls nothing, so any tag works).

    A digest is dropped: it would keep naming the old image whatever the tag says.
    """
    reference = image.partition("@")[0]
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag:
        return f"{reference}:bench-rollout"
    return f"{name}:{tag}-bench-rollout"


class PodWatch:
    """``kubectl get pods --watch`` of one DaemonSet's pods, fed into a Rollout line by line on a thread."""

    def __init__(self, cluster: LocalCluster, target: Target, rollout: Rollout, log: Path) -> None:
        self.rollout = rollout
        self.lock = threading.Lock()
        self.lines = 0
        self._log = log.open("w")
        self._process = subprocess.Popen(
            [
                str(BIN_DIR / "kubectl"), "--kubeconfig", str(cluster.kubeconfig), "get", "pods", "-n", target.namespace,
                # Unchunked: with --output-watch-events, kubectl prints each chunk of the initial list as one event.
                "-l", target.selector, "--chunk-size=0", "--watch", "--output-watch-events", "-o", f"jsonpath={WATCH_JSONPATH}",
            ],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            at = time.time()
            if not line.strip():
                continue
            self._log.write(f"{at:.3f}\t{line}")
            with self.lock:
                self.rollout.observe(PodEvent.parse(line), at)
                self.lines += 1

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)
        self._thread.join(timeout=30)
        self._log.close()


def measure_rollout(cluster: LocalCluster, target: Target, result: Result, *, window: float, limit: float, out: Path) -> None:
    wait_settled(cluster, [target], timeout_seconds=300)
    container = daemonset(cluster, target)["spec"]["template"]["spec"]["containers"][0]
    image = new_tag(container["image"])
    nodes = _pod_nodes(cluster, target)
    rollout = Rollout(nodes=frozenset(nodes), new_image=image, min_ready_seconds=result.min_ready_seconds)
    one_at_a_time = result.allowed_unavailable == 1 and result.desired > 1
    watch = PodWatch(cluster, target, rollout, out / f"watch-{target.key.replace('/', '-')}.tsv")
    try:
        deadline = time.monotonic() + 120
        while True:
            with watch.lock:
                seen = len(rollout.pods)
            if seen >= len(nodes):
                break
            if time.monotonic() > deadline:
                raise ClusterError(f"the watch of {target.label} listed {seen} of {len(nodes)} pods")
            time.sleep(0.2)
        with watch.lock:
            rollout.started = time.time()
        cluster.kubectl("set", "image", f"daemonset/{target.name}", "-n", target.namespace, f"{container['name']}={image}")
        stop_at = rollout.started + (window if one_at_a_time else limit)
        while time.time() < stop_at:
            with watch.lock:
                if rollout.finished is not None:
                    break
            time.sleep(0.2)
        ended = time.time()
        if rollout.finished is None:
            # Freeze it where it is: OnDelete replaces no more pods, so the next measurement runs on a quiet cluster.
            cluster.kubectl(
                "patch", "daemonset", target.name, "-n", target.namespace, "--type=merge",
                "-p", json.dumps({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": None}}}),
            )
    finally:
        watch.stop()
    with watch.lock:
        result.waves = rollout.waves()
        result.most_without_ready = rollout.most_without_ready
        result.most_unavailable = rollout.most_unavailable
        if rollout.finished is not None:
            result.rollout_seconds = rollout.finished - rollout.started
            result.nodes_per_minute = 60 * len(nodes) / result.rollout_seconds
        else:
            elapsed = ended - rollout.started
            result.window_seconds = elapsed
            result.updated_in_window = rollout.updated_nodes()
            result.nodes_per_minute = 60 * result.updated_in_window / elapsed
            result.projected = True
            if result.updated_in_window:
                result.rollout_seconds = len(nodes) / (result.updated_in_window / elapsed)


def _pod_nodes(cluster: LocalCluster, target: Target) -> list[str]:
    listing = cluster.kubectl("get", "pods", "-n", target.namespace, "-l", target.selector, "--chunk-size=500", "-o", "jsonpath={.items[*].spec.nodeName}")
    return sorted(set(listing.split()))
