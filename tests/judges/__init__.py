"""Plumbing for the outside judges (kubernetes-validate, checkov, the bad-stack corpus), shared by their tests.

``paths`` says where things are; ``renders`` renders each valid stack file once; ``checkov`` runs checkov and reads
its findings; ``skips`` holds the justified skip list and judges the findings against it; ``summaries`` writes the
per-DaemonSet figures. ``python -m tests.judges checkov|anchors`` (``__main__``) shows checkov's verdicts by hand.
"""

from tests.judges.checkov import (
    ANCHOR_FIGURES,
    ANCHOR_OF,
    CHECKOV_VERSION,
    DAEMONSET_TARGETS,
    CheckovReport,
    CheckovUnavailable,
    Finding,
    checkov_executable,
    run_checkov,
)
from tests.judges.paths import BAD_STACKS_DIR, JUDGES_BUILD_DIR, ROOT, SKIPS_FILE, STACKS_DIR
from tests.judges.renders import NAMESPACE, Render, kubernetes_version, rendered, stack_label, valid_stack_files
from tests.judges.skips import Skip, judge, load_skips, skip_matches, subject_of
from tests.judges.summaries import daemonset_summary, write_summary

__all__ = [
    "ANCHOR_FIGURES",
    "ANCHOR_OF",
    "BAD_STACKS_DIR",
    "CHECKOV_VERSION",
    "DAEMONSET_TARGETS",
    "JUDGES_BUILD_DIR",
    "NAMESPACE",
    "ROOT",
    "SKIPS_FILE",
    "STACKS_DIR",
    "CheckovReport",
    "CheckovUnavailable",
    "Finding",
    "Render",
    "Skip",
    "checkov_executable",
    "daemonset_summary",
    "judge",
    "kubernetes_version",
    "load_skips",
    "rendered",
    "run_checkov",
    "skip_matches",
    "stack_label",
    "subject_of",
    "valid_stack_files",
    "write_summary",
]
