"""``pulumi up``, a no-change ``pulumi preview`` and ``pulumi destroy`` of our three agents through the real engine,
timed, on the benchmark's nodes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.scale_bench.targets import DEV
from local.cluster import LocalCluster
from local.up import existing_cluster_config


def pulumi_figures(cluster: LocalCluster, out: Path) -> dict[str, Any]:
    """``pulumi up`` of the dev stack's agents, a no-change preview and a destroy, through the real engine."""
    from local.stack import LocalStack

    home = out / "pulumi"
    log = (out / "pulumi.log").open("w")
    stack = LocalStack(DEV, "bench", home=home, extra_config=existing_cluster_config(cluster))
    figures: dict[str, Any] = {}
    try:
        stack.stack()  # workspace, stack and config, not timed
        started = time.monotonic()
        result = stack.up(on_output=log.write)
        figures["up_seconds"] = time.monotonic() - started
        figures["up_summary"] = dict(result.summary.resource_changes or {})
        started = time.monotonic()
        preview = stack.preview(on_output=log.write)
        figures["preview_seconds"] = time.monotonic() - started
        figures["preview_summary"] = dict(preview.change_summary)
        started = time.monotonic()
        stack.destroy(on_output=log.write)
        figures["destroy_seconds"] = time.monotonic() - started
    finally:
        try:
            stack.remove()
        finally:
            log.close()
    return figures
