"""The figures of a fuzz run: cases refused, rendered and failed, CPU and wall time, and the slowest case."""

from __future__ import annotations

from dataclasses import dataclass

from tests.input.stack_fuzz.runner import Outcome


@dataclass
class Figures:
    cases: int = 0
    refused: int = 0
    rendered: int = 0
    failed: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    slowest: tuple[float, str] = (0.0, "")

    def add(self, outcome: Outcome, problems: list[str]) -> None:
        self.cases += 1
        self.refused += outcome.code == 2
        self.rendered += outcome.code == 0
        self.failed += bool(problems)
        self.cpu_seconds += outcome.cpu_seconds
        self.wall_seconds += outcome.wall_seconds
        self.slowest = max(self.slowest, (outcome.cpu_seconds, outcome.case.id))

    def line(self) -> str:
        return (
            f"stack fuzz: {self.cases} cases ({self.refused} refused, {self.rendered} rendered, {self.failed} failed) "
            f"in {self.wall_seconds:.1f} s wall, {self.cpu_seconds:.1f} s CPU; slowest case {self.slowest[1]} "
            f"{self.slowest[0]:.3f} s CPU"
        )
