"""A seeded stack-file fuzzer: mutated stack files through the offline render, and what every answer must be.

Each case is a valid stack (``Pulumi.dev.yaml`` or one of ``tests/stacks``) with one to three mutations: wrong
types at any key, unknown keys (typos, snake_case twins, keys holding brackets, newlines or control characters, keys
YAML reads as booleans or numbers), deleted and duplicated keys, YAML oddities (tags, dates, anchors and merges,
alias bombs, block scalars, bad indentation), huge and deep values, and bad bytes. A case is named by its id,
``<seed>-<index>``, and is the same file on every machine, so any failure can be regenerated:

    .venv/bin/python -m tests.input.stack_fuzz --case 14-123 --write /tmp/Pulumi.fuzz.yaml   # the file
    .venv/bin/python -m tests.input.stack_fuzz --case 14-123                                  # the file and its answer
    .venv/bin/python -m tests.input.stack_fuzz --cases 3000                                   # a run, with figures

What every answer must be (``verdict``): exit 0, or exit 2 with exactly one ``error:`` line that names where
the problem is as the file writes it (a key path that the file holds, or a line and column when the file is not
YAML), nothing written to the output directory, no traceback, and at most one second of CPU time. Files stay under
1 MB. The time is CPU time, which other load on the machine barely changes; a wall-clock deadline well above it
turns a hang into a failure that names the case.

The parts: ``cases`` (the case of an id), ``runner`` (a case through the render, in this process), ``key_paths``
(the key path a message names, and how much of it the file holds), ``verdict`` (the promise, and one case run and
judged), ``figures`` (a run's figures) and ``__main__`` (the command line).
"""

from tests.input.stack_fuzz.cases import SEED, Case, case_ids, make_case
from tests.input.stack_fuzz.figures import Figures
from tests.input.stack_fuzz.key_paths import Part, parse_location, resolves
from tests.input.stack_fuzz.runner import Outcome, deadline, run_case, warm_up
from tests.input.stack_fuzz.verdict import check

__all__ = [
    "SEED",
    "Case",
    "Figures",
    "Outcome",
    "Part",
    "case_ids",
    "check",
    "deadline",
    "make_case",
    "parse_location",
    "resolves",
    "run_case",
    "warm_up",
]
