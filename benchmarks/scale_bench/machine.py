"""The machine the figures come from: its CPUs and memory, and its load average while the benchmark runs."""

from __future__ import annotations

import os
import platform
import threading
from pathlib import Path


class LoadSampler:
    """/proc/loadavg every few seconds, on a thread, while the benchmark runs."""

    def __init__(self, every: float = 5.0) -> None:
        self.samples: list[float] = []
        self._every = every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))
            self._done.wait(self._every)

    def __enter__(self) -> "LoadSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def summary(self) -> str:
        s = self.samples or [0.0]
        return f"1-min load average: {s[0]:.1f} at the start, {sum(s) / len(s):.1f} mean, {max(s):.1f} max, {s[-1]:.1f} at the end"


def machine() -> str:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} CPUs ({model}), {memory_kib / 2**20:.0f} GiB, {platform.system()} {platform.release()}"
