"""Run one function over many tasks on several processes, with a progress bar."""
from __future__ import annotations

import multiprocessing
from typing import Callable, Iterable, TypeVar

from tqdm import tqdm

Task = TypeVar("Task")
Result = TypeVar("Result")


def map_with_progress(function: Callable[[Task], Result], tasks: Iterable[Task], *, jobs: int, desc: str,
                      unit: str, progress: bool = True, chunksize: int = 1) -> list[Result]:
    """``function`` applied to every task, in completion order (not task order).

    With ``jobs > 1`` the workers start from a fresh server process (multiprocessing's "forkserver"), so a
    script that calls this must keep its top-level work under ``if __name__ == "__main__":``.

    Parameters
    ----------
    function : callable
        A picklable (module-level) function of one task.
    jobs : int
        Worker processes; 1 runs in this process (no pool to start, easier to debug).
    desc, unit : str
        The progress bar's label and unit ("song", "file").
    chunksize : int
        Tasks handed to a worker at once (larger for many small tasks).
    """
    tasks = list(tasks)
    results: list[Result] = []
    with tqdm(total=len(tasks), desc=desc, unit=unit, disable=not progress) as bar:
        if jobs <= 1:
            for task in tasks:
                results.append(function(task))
                bar.update()
        else:
            # Workers come from a fresh server process, not a fork of this one: a fork of a process whose
            # torch/OpenMP threads have run (a training step, say) can deadlock on a lock held at fork time.
            with multiprocessing.get_context("forkserver").Pool(jobs) as pool:
                for result in pool.imap_unordered(function, tasks, chunksize=chunksize):
                    results.append(result)
                    bar.update()
    return results
