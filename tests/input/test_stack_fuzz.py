"""The stack-file fuzzer in the suite: a few hundred seeded cases in `make test`, thousands in `make fuzz`.

Every case must be answered with a render (exit 0), or exit 2 and exactly one ``error:`` line naming where the
problem is as the file writes it, nothing written, no traceback, within a second of CPU time (see
:mod:`tests.input.stack_fuzz`). The test id is the case id; a failure says how to regenerate its file.
``FUZZ_CASES`` and ``FUZZ_SEED`` choose the cases; the figures (cases, time, slowest case) are printed at the end of
the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.input import stack_fuzz

CASES = int(os.environ.get("FUZZ_CASES", "300"))
SEED = int(os.environ.get("FUZZ_SEED", str(stack_fuzz.SEED)))
FIGURES = stack_fuzz.Figures()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stack-fuzz")
    stack_fuzz.warm_up(path)
    return path


@pytest.mark.parametrize("case_id", stack_fuzz.case_ids(CASES, SEED))
def test_stack_file_gets_a_clean_fast_answer(case_id: str, workdir: Path) -> None:
    outcome, problems = stack_fuzz.check(case_id, workdir)
    FIGURES.add(outcome, problems)
    assert not problems, (
        f"case {case_id} ({outcome.case.base} + {'; '.join(outcome.case.mutations)[:500]}): "
        + " | ".join(problems)
        + f"\n  regenerate: .venv/bin/python -m tests.input.stack_fuzz --case {case_id} --write Pulumi.fuzz.yaml"
    )
