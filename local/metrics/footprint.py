"""A process's footprint, read from /proc: its memory lines and its CPU time (the footprint benchmark and the
end-to-end memory check)."""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def memory_status(pid: int) -> dict[str, int]:
    """The memory lines of /proc/<pid>/status in bytes: VmRSS (resident), VmHWM (its peak), RssAnon (heap and stacks,
    which only a kill frees) and RssFile (the binary's pages, which the kernel can drop and read again)."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            figures[key] = int(value.split()[0]) * 1024
    return figures


def rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of ``pid``."""
    return memory_status(pid)["VmRSS"]


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` so far: the on-CPU nanoseconds of each of its threads (/proc/<pid>/task/*/schedstat).

    utime + stime of /proc/<pid>/stat say the same in clock ticks (10 ms): a proxy that spends 3 ms a scrape would
    show a handful of ticks in five minutes. Go keeps its threads for the life of the process, so the live threads'
    sum loses nothing.
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def cpu_ticks_seconds(pid: int) -> float:
    """utime + stime of /proc/<pid>/stat, in seconds (10 ms resolution): a cross-check of cpu_seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
