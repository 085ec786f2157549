"""Where the judges find the repo, its stack files, and the checkov skip list, and where they write."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = ROOT / "tests" / "stacks"
BAD_STACKS_DIR = ROOT / "tests" / "bad_stacks"
SKIPS_FILE = ROOT / "tests" / "judges" / "checkov_skips.yaml"
JUDGES_BUILD_DIR = ROOT / "build" / "judges"
