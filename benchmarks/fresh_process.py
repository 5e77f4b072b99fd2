"""Shared by the benchmark scripts: wall time of a command in fresh processes, or of a call in this one."""
from __future__ import annotations

import statistics
import subprocess
import time


def fresh_seconds(command: list[str], repeats: int) -> float:
    """Median wall time of `command` run `repeats` times, each in a fresh process, seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_seconds(run, repeats: int) -> float:
    """Median wall time of calling `run()` `repeats` times in this process after one warm-up call, seconds."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
