"""Coverage and rollout of ours and the anchors' DaemonSets on one simulated 1,000-node cluster (``make bench-scale``).

    python -m benchmarks.scale_bench [--nodes 1000] [--window 120] [--startup-seconds 0 5] [--no-pulumi]

The command line: one scenario per ``--startup-seconds`` value (``scenario.py``); the package's docstring says what
each scenario measures and keeps.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from benchmarks.scale_bench.scenario import run
from benchmarks.scale_bench.targets import ROOT
from local.cluster import ClusterError

OUT = ROOT / "build" / "bench" / "scale"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000, help="simulated nodes (default 1000)")
    parser.add_argument("--window", type=float, default=120, help="seconds to watch a one-node-at-a-time rollout (default 120)")
    parser.add_argument("--limit", type=float, default=1800, help="seconds after which any other rollout is cut short (default 1800)")
    parser.add_argument(
        "--startup-seconds", type=float, nargs="+", default=[0.0],
        help="seconds a pod takes from scheduled to Ready, one scenario (a fresh cluster) each (default 0: kwok's "
        "instant pods); a few seconds stand in for an image pull and an agent's start-up",
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the figures and watch logs go (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--no-pulumi", action="store_true", help="skip pulumi up / preview / destroy (else: in the first scenario)")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
