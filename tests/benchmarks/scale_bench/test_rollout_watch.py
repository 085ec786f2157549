"""The rollout the benchmark starts: a new tag for the same image."""

from __future__ import annotations

from benchmarks.scale_bench.rollout_watch import new_tag


def test_new_tag_changes_only_the_tag() -> None:
    assert new_tag("quay.io/prometheus/node-exporter:v1.12.1") == "quay.io/prometheus/node-exporter:v1.12.1-bench-rollout"
    assert new_tag("localhost:5000/busybox") == "localhost:5000/busybox:bench-rollout"
    assert new_tag("busybox") == "busybox:bench-rollout"
    digest = "@sha256:" + "a" * 64
    assert new_tag(f"quay.io/prometheus/node-exporter:v1.12.1{digest}") == "quay.io/prometheus/node-exporter:v1.12.1-bench-rollout"
    assert new_tag(f"localhost:5000/busybox{digest}") == "localhost:5000/busybox:bench-rollout"
