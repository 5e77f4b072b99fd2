"""Run one function over many tasks on several processes, with a progress bar."""
from __future__ import annotations

from multiprocessing import Pool
from typing import Callable, Iterable, TypeVar

from tqdm import tqdm

Task = TypeVar("Task")
Result = TypeVar("Result")


def map_with_progress(function: Callable[[Task], Result], tasks: Iterable[Task], *, jobs: int, desc: str,
                      unit: str, progress: bool = True, chunksize: int = 1) -> list[Result]:
    """``function`` applied to every task, in completion order (not task order).

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
            with Pool(jobs) as pool:
                for result in pool.imap_unordered(function, tasks, chunksize=chunksize):
                    results.append(result)
                    bar.update()
    return results
