import math

from wav2accomp.parallel import map_with_progress


def test_every_task_once_in_process_and_on_a_pool():
    tasks = list(range(25))
    expected = sorted(math.sqrt(t) for t in tasks)
    assert map_with_progress(math.sqrt, tasks, jobs=1, desc="t", unit="x", progress=False) == \
        [math.sqrt(t) for t in tasks]                      # in process: task order
    on_pool = map_with_progress(math.sqrt, iter(tasks), jobs=2, desc="t", unit="x", progress=False, chunksize=3)
    assert sorted(on_pool) == expected
    assert map_with_progress(math.sqrt, [], jobs=2, desc="t", unit="x", progress=False) == []
