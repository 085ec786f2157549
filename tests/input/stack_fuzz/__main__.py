"""The fuzzer's command line: ``python -m tests.input.stack_fuzz --case <id> [--write <file>]`` or ``--cases N``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Optional

from tests.input import stack_fuzz
from tests.input.stack_fuzz.cases import SEED, case_ids, make_case
from tests.input.stack_fuzz.figures import Figures
from tests.input.stack_fuzz.runner import warm_up
from tests.input.stack_fuzz.verdict import check


def main(argv: Optional[list[str]] = None) -> int:
    description = stack_fuzz.__doc__.split("\n\n")[0]
    parser = argparse.ArgumentParser(prog="python -m tests.input.stack_fuzz", description=description)
    parser.add_argument("--case", help="one case id, <seed>-<index>")
    parser.add_argument("--write", type=Path, help="with --case: write the case's stack file here, and stop")
    parser.add_argument("--cases", type=int, default=300, help="how many cases to run (default 300)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.case and args.write:
        case = make_case(args.case)
        args.write.write_bytes(case.content)
        print(f"{case.id}: {case.base} + {'; '.join(case.mutations)} -> {args.write}")
        return 0
    ids = [args.case] if args.case else case_ids(args.cases, args.seed)
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="stack-fuzz-") as tmp:
        warm_up(Path(tmp))
        for case_id in ids:
            outcome, problems = check(case_id, Path(tmp))
            figures.add(outcome, problems)
            if args.case or problems:
                print(f"{case_id} ({outcome.case.base} + {'; '.join(outcome.case.mutations)}): exit {outcome.code}, "
                      f"{outcome.cpu_seconds:.3f} s CPU; {outcome.stderr.strip()[:300]}")
                for problem in problems:
                    print(f"  FAIL {problem}")
    print(figures.line())
    return 1 if figures.failed else 0


if __name__ == "__main__":
    sys.exit(main())
