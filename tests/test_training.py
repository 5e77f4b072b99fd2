import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from wav2accomp.errors import Wav2AccompError
from wav2accomp.models.generate import load_part_model
from wav2accomp.models.training import train
from wav2accomp.options import TrainOptions

TINY = ["--units", "8", "--batch-size", "16", "--windows-per-epoch", "128", "--window", "32", "-q"]


def options(cache, out, **changes):
    settings = dict(data=str(cache), part="guitarlike", arch="aligned", out=str(out), epochs=2,
                    windows_per_epoch=64, batch_size=16, units=8, window=32, progress=False)
    settings.update(changes)
    return TrainOptions(**settings)


def weights(folder, name="aligned-guitarlike"):
    with np.load(folder / f"{name}.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def test_a_run_writes_model_log_and_plot(tiny_cache, tmp_path):
    result = train(options(tiny_cache, tmp_path, arch="paper", units=None))
    assert len(result["history"]) == 2
    log = json.loads((tmp_path / "log.json").read_text())
    assert [row["epoch"] for row in log["history"]] == [1, 2] and log["ranks_in_sync"]
    assert (tmp_path / "loss.png").stat().st_size > 1000
    model, config = load_part_model("guitarlike", "paper", tmp_path)
    assert config.threshold == 0.5 and config.training["train_songs"] == 6
    assert config.training["split"].startswith("train")


def test_same_seed_same_weights_other_seed_other_weights(tiny_cache, tmp_path):
    train(options(tiny_cache, tmp_path / "a", epochs=1))
    train(options(tiny_cache, tmp_path / "b", epochs=1))
    train(options(tiny_cache, tmp_path / "c", epochs=1, seed=1))
    a, b, c = (weights(tmp_path / x) for x in "abc")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_killed_or_interrupted_run_resumes_to_the_same_weights(tiny_cache, tmp_path):
    common = ["--data", str(tiny_cache), "--part", "guitarlike", "--epochs", "8", *TINY]
    subprocess.run([sys.executable, "-m", "wav2accomp", "train", *common, "--out", str(tmp_path / "whole")],
                   check=True)
    run = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "wav2accomp", "train", *common, "--out", str(run),
                                "--checkpoint-seconds", "0"])
    deadline = time.time() + 120
    while time.time() < deadline:
        if (run / "checkpoint.pt").exists():
            state = torch.load(run / "checkpoint.pt", weights_only=True)["state"]
            if state["epoch"] >= 2 and state["batch"] >= 1:
                break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (run / "aligned-guitarlike.npz").exists()
    subprocess.run([sys.executable, "-m", "wav2accomp", "train", *common, "--out", str(run), "--resume"],
                   check=True)

    # Ctrl-C: the step in flight finishes, a checkpoint is written mid-epoch, exit 130 with one line.
    stopped = tmp_path / "ctrl-c"
    process = subprocess.Popen([sys.executable, "-m", "wav2accomp", "train", *common, "--out", str(stopped)],
                               stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (stopped / "checkpoint.pt").exists():   # written after epoch 1
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stderr = process.communicate()[1]
    assert process.returncode == 130, ("the run ended before it could be interrupted", stderr)
    assert stderr.startswith("wav2accomp: interrupted: checkpoint saved in") and "--resume" in stderr
    assert stderr.count("\n") == 1 and not (stopped / "aligned-guitarlike.npz").exists()
    assert torch.load(stopped / "checkpoint.pt", weights_only=True)["state"]["batch"] >= 1
    subprocess.run([sys.executable, "-m", "wav2accomp", "train", *common, "--out", str(stopped), "--resume"],
                   check=True)

    whole = weights(tmp_path / "whole")
    for resumed in (run, stopped):
        assert all(np.array_equal(whole[k], weights(resumed)[k]) for k in whole), resumed.name
        losses = [[row["valid_loss"] for row in json.loads((folder / "log.json").read_text())["history"]]
                  for folder in (tmp_path / "whole", resumed)]
        assert losses[0] == losses[1] and len(losses[0]) == 8


def test_first_ctrl_c_asks_to_stop_second_interrupts():
    from wav2accomp.models.checkpoints import stop_after_step

    def wait_for_the_signal():          # a loaded machine may take a while to run the handler
        for _ in range(100):
            time.sleep(0.05)

    before = signal.signal(signal.SIGINT, signal.default_int_handler)   # the interpreter's own, whatever ran before
    try:
        with stop_after_step() as stop:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(100):
                if stop.requested:
                    break
                time.sleep(0.05)
            assert stop.requested
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)
                wait_for_the_signal()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with stop_after_step(enabled=False) as stop:
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)
                wait_for_the_signal()
        assert not stop.requested
    finally:
        signal.signal(signal.SIGINT, before)


def test_resume_refuses_a_different_run_or_a_broken_checkpoint(tiny_cache, tmp_path):
    with pytest.raises(Wav2AccompError, match="nothing to resume"):
        train(options(tiny_cache, tmp_path, resume=True))
    train(options(tiny_cache, tmp_path, epochs=1))
    with pytest.raises(Wav2AccompError, match="--learning-rate"):
        train(options(tiny_cache, tmp_path, resume=True, learning_rate=0.1))
    (tmp_path / "checkpoint.pt").write_bytes(b"\x00" * 100)
    with pytest.raises(Wav2AccompError, match="not a readable checkpoint"):
        train(options(tiny_cache, tmp_path, resume=True))


def test_early_stopping_stops_after_patience(tiny_cache, tmp_path):
    result = train(options(tiny_cache, tmp_path, epochs=50, patience=1, learning_rate=0.0))
    assert len(result["history"]) == 2  # no epoch improves on the first


def test_torchrun_two_cpu_ranks_hold_identical_weights(tiny_cache, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                    "-m", "wav2accomp", "train", "--data", str(tiny_cache), "--part", "percussion",
                    "--epochs", "2", "--out", str(tmp_path), *TINY], check=True, env=env, timeout=300)
    log = json.loads((tmp_path / "log.json").read_text())
    assert log["world_size"] == 2 and len(log["rank_checksums"]) == 2 and log["ranks_in_sync"]
    assert len(log["history"]) == 2
    load_part_model("percussion", "aligned", tmp_path)


def test_learning_rate_halves_and_has_a_floor():
    from wav2accomp.models.training import learning_rate_at
    assert learning_rate_at(1.0, 0) == 1.0 and learning_rate_at(1.0, 8) == pytest.approx(0.5)
    assert learning_rate_at(1.0, 1000) == pytest.approx(0.1)


def test_a_run_stopped_by_its_time_budget_resumes_with_a_larger_one(tiny_cache, tmp_path):
    first = train(options(tiny_cache, tmp_path, epochs=5, max_minutes=0.0))
    assert len(first["history"]) == 1
    assert len(train(options(tiny_cache, tmp_path, epochs=5, max_minutes=0.0, resume=True))["history"]) == 1
    assert len(train(options(tiny_cache, tmp_path, epochs=3, resume=True))["history"]) == 3
