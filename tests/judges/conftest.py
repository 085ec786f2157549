"""The policy tests import the CrossGuard pack the way the Pulumi CLI runs it: ``policy/`` first on ``sys.path``."""

from __future__ import annotations

import sys
from pathlib import Path

# The CLI starts a Python pack with `python -m pulumi.policy <engine-address> .` in the pack's directory, and
# pulumi.policy runs it with runpy.run_path("."), which puts policy/ first on sys.path and runs its __main__.py as a
# script: policy/ is not a package there, so its modules import one another by top-level name
# (`from daemonset_policies import POLICIES`). Importing them here as `policy.daemonset_policies` would break those
# sibling imports and load a second copy of each module under another name; so the tests import them by the names
# the CLI does, from here on, and never as `policy.<module>`.
POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))
