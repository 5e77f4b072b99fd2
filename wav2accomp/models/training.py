"""Training one accompaniment model: resumable, deterministic, optionally distributed.

An *epoch* is ``windows_per_epoch`` windows drawn at random (seeded by the
run's seed and the epoch number) from the training songs; the validation loss
is measured on fixed, non-overlapping windows of the valid split after each
epoch, and training stops early when it has not improved for ``patience``
epochs. The run folder holds::

    OUT/checkpoint.pt        the full training state (weights-only torch file), written atomically
    OUT/log.json             options and per-epoch train/valid loss
    OUT/loss.png             the loss curves
    OUT/<arch>-<part>.npz    the best weights, and .json their config (loadable with --model-dir OUT)

The state is checkpointed at every epoch end and at least every
``checkpoint_seconds`` within an epoch; ``resume=True`` continues from it and
gives the same weights as a run that was never interrupted.

Under ``torchrun --nproc_per_node=K`` each rank takes a slice of every batch
and DistributedDataParallel averages the gradients (gloo on CPU, nccl on
GPU); rank 0 writes the files. At the end the ranks compare checksums of
their weights and the log records them.
"""
from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from ..constants import (GRADIENT_CLIP, LR_HALF_LIFE_EPOCHS, MAX_POLYPHONY, N_PITCHES, ONSET, PAPER_ARCH, PERCUSSION,
                         TRANSPOSE_RANGE)
from ..errors import Wav2AccompError
from ..fileio import atomic_write, write_json
from ..plotting import plot_losses
from .dataset import PartSongs, load_part_songs, make_batch, sample_windows, tiled_windows
from .generate import decode, predict_probabilities
from .networks import ModelConfig, build_model, model_loss, n_parameters, save_model

CHECKPOINT = "checkpoint.pt"
LOG = "log.json"
LOSS_PLOT = "loss.png"


@dataclass
class TrainOptions:
    """Options of one training run (the CLI's ``train`` flags)."""

    data: str
    part: str
    arch: str
    out: str
    epochs: int = 60
    windows_per_epoch: int = 8192
    batch_size: int = 64
    learning_rate: float = 2e-3
    patience: int = 6
    seed: int = 0
    window: int | None = None
    units: int | None = None
    layers: int | None = None
    augment: bool = True
    valid_windows: int = 1024
    calibration_songs: int = 60
    max_minutes: float | None = None
    checkpoint_seconds: float = 120.0
    limit_songs: int | None = None
    resume: bool = False
    progress: bool = True
    command: str = field(default_factory=lambda: " ".join(["wav2accomp"] + sys.argv[1:]))

    def model_config(self) -> ModelConfig:
        """The model configuration these options ask for."""
        config = ModelConfig.default(self.arch, self.part)
        config.window = self.window or config.window
        config.units = self.units or config.units
        config.layers = self.layers or config.layers
        if self.arch != PAPER_ARCH:
            config.max_polyphony = MAX_POLYPHONY.get(self.part, N_PITCHES)
        return config


# Options that must match for --resume to continue a run (others, like max_minutes, may change).
_RUN_DEFINING = ("data", "part", "arch", "windows_per_epoch", "batch_size", "learning_rate", "seed",
                 "window", "units", "layers", "augment", "valid_windows", "limit_songs")


@dataclass
class _Distributed:
    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def _setup_distributed() -> _Distributed:
    """Join the process group when started by torchrun (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Distributed()
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
    return _Distributed(rank=dist.get_rank(), world=dist.get_world_size())


def learning_rate_at(base: float, epoch: int) -> float:
    """Learning rate of an epoch: halved every ``LR_HALF_LIFE_EPOCHS``, never below a tenth of `base`.

    A pure function of the epoch, so a resumed run follows the same schedule.
    """
    return base * max(0.5 ** (epoch / LR_HALF_LIFE_EPOCHS), 0.1)


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, after the step in flight finished and a checkpoint was written."""


@dataclass
class StopRequest:
    """Set by the first Ctrl-C inside :func:`stop_after_step`."""

    requested: bool = False


@contextmanager
def stop_after_step(enabled: bool = True) -> Iterator[StopRequest]:
    """Within, the first Ctrl-C (SIGINT) sets ``.requested`` instead of raising, so that a training loop can
    stop at a step boundary with a checkpoint; a second Ctrl-C interrupts at once.

    Nothing changes when `enabled` is false (several processes, which must stop together) or outside the
    main thread (where signal handlers cannot be set).
    """
    request = StopRequest()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield request
        return

    def on_interrupt(signum, frame):
        request.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield request
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupted(out: Path, epoch: int, batch: int) -> TrainingInterrupted:
    """The exception a loop raises after its checkpoint, saying how to go on."""
    return TrainingInterrupted(f"checkpoint saved in {out} (epoch {epoch + 1}, batch {batch}); "
                               "run the same command with --resume to continue")


def save_checkpoint(path: Path, state: dict) -> None:
    """Write a training checkpoint (tensors, numbers, lists, dicts) atomically."""
    with atomic_write(path) as handle:
        torch.save(state, handle)


def load_checkpoint(path: Path) -> dict:
    """Read a checkpoint of :func:`save_checkpoint` (``weights_only``: no code is unpickled)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        raise Wav2AccompError(f"cannot resume from {path}: not a readable checkpoint ({type(exc).__name__})") from exc


def _epoch_plan(options: TrainOptions, songs: PartSongs, epoch: int, window: int,
                steps_per_beat: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows and transpositions of one epoch; a pure function of seed and epoch."""
    rng = np.random.default_rng([options.seed, epoch])
    picks = sample_windows(songs.n_steps, options.windows_per_epoch, window, rng, align=steps_per_beat)
    low, high = TRANSPOSE_RANGE if options.augment else (0, 0)
    shifts = rng.integers(low, high + 1, size=len(picks))
    return picks, shifts


def _valid_loss(model, songs: PartSongs, picks: np.ndarray, options: TrainOptions, window: int,
                ddp: _Distributed) -> float:
    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        mine = picks[ddp.rank::ddp.world]
        for begin in range(0, len(mine), options.batch_size):
            inputs, targets = make_batch(songs, mine[begin:begin + options.batch_size], window,
                                         options.arch, options.part)
            logits = model(torch.from_numpy(inputs))
            total += float(model_loss(options.arch, logits, torch.from_numpy(targets))) * len(inputs)
            count += len(inputs)
    model.train()
    if ddp.world > 1:
        sums = torch.tensor([total, count], dtype=torch.float64)
        dist.all_reduce(sums)
        total, count = float(sums[0]), float(sums[1])
    return total / max(count, 1)


def calibrate_threshold(model, config: ModelConfig, songs: PartSongs, *, iterations: int = 12) -> float | list:
    """Decoding threshold whose output on `songs` has the texture of the real parts.

    Pitched parts: one threshold, so that the mean polyphony (notes sounding at
    once, over steps where any sounds) of the decoded songs matches the real
    parts'; polyphony falls as the threshold rises, so it is found by
    bisection. Percussion: one threshold per drum (roll row), so that each
    drum is hit as often as in the real parts (a single threshold let the
    surest drums, kick and hi-hat, crowd out the snare). Both on the valid
    split. The seed's configuration keeps its fixed 0.5.
    """
    if config.arch == PAPER_ARCH:
        return config.threshold
    probabilities = [predict_probabilities(model, config, m, d) for m, d in zip(songs.melody, songs.downbeats)]
    if config.part == PERCUSSION:
        onsets = np.concatenate([p[:, N_PITCHES:2 * N_PITCHES] for p in probabilities])
        hits = np.concatenate([t == ONSET for t in songs.target]).sum(axis=0)
        ranked = -np.sort(-onsets, axis=0)
        thresholds = np.where(hits > 0, ranked[np.clip(hits, 1, len(ranked)) - 1, np.arange(N_PITCHES)], 1.0)
        return [round(float(t), 4) for t in np.minimum(thresholds, 1.0)]

    def polyphony(rolls) -> float:
        counts = np.concatenate([(r > 0).sum(axis=1) for r in rolls])
        return float(counts[counts > 0].mean()) if counts.any() else 0.0

    real = polyphony(songs.target)
    low, high = 0.0, 1.0
    for _ in range(iterations):
        middle = (low + high) / 2
        made = polyphony([decode(config, p, threshold=middle) for p in probabilities])
        low, high = (middle, high) if made > real else (low, middle)
    return round((low + high) / 2, 4)


def _state_checksum(model) -> float:
    return float(sum(p.detach().double().sum() * (i + 1) for i, p in enumerate(model.parameters())))


def train(options: TrainOptions) -> dict:
    """Train (or resume) one model; returns the final log.

    Raises
    ------
    Wav2AccompError
        Bad data folder, no songs, unreadable checkpoint or a resume that does
        not match the run's options.
    """
    ddp = _setup_distributed()
    out = Path(options.out)
    if ddp.main:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Wav2AccompError(f"cannot create output folder {out}: {exc.strerror or exc}") from exc
    config = options.model_config()
    window = config.window
    if options.batch_size % ddp.world:
        raise Wav2AccompError(f"--batch-size {options.batch_size} must divide by the {ddp.world} ranks")

    show = options.progress and ddp.main
    train_songs = load_part_songs(options.data, options.part, "train", limit=options.limit_songs, progress=show)
    valid_songs = load_part_songs(options.data, options.part, "valid", limit=options.limit_songs, progress=show)
    valid_picks = tiled_windows(valid_songs.n_steps, window)
    if len(valid_picks) > options.valid_windows:
        keep = np.random.default_rng([options.seed, 7]).choice(len(valid_picks), options.valid_windows, replace=False)
        valid_picks = valid_picks[np.sort(keep)]

    torch.manual_seed(options.seed)
    model = build_model(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.learning_rate)
    run_options = {k: v for k, v in asdict(options).items() if k not in ("out", "resume", "progress")}
    state = {"epoch": 0, "batch": 0, "loss_sum": 0.0, "history": [], "best_loss": math.inf, "best_epoch": -1,
             "bad_epochs": 0, "elapsed": 0.0, "done": False}
    checkpoint_path = out / CHECKPOINT
    if options.resume:
        if not checkpoint_path.is_file():
            raise Wav2AccompError(f"nothing to resume: {checkpoint_path} does not exist")
        saved = load_checkpoint(checkpoint_path)
        mismatched = [k for k in _RUN_DEFINING if saved["options"].get(k) != run_options.get(k)]
        if mismatched:
            raise Wav2AccompError("cannot resume: the checkpoint was made with different "
                                  + ", ".join(f"--{k.replace('_', '-')}" for k in mismatched))
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
        best_weights = saved["best_model"]
        # a run stopped by its time budget goes on when resumed with a larger one
        state["done"] = state["bad_epochs"] >= options.patience or (
            options.max_minutes is not None and state["elapsed"] > 60 * options.max_minutes)
    else:
        best_weights = {k: v.clone() for k, v in model.state_dict().items()}
    network = torch.nn.parallel.DistributedDataParallel(model) if ddp.world > 1 else model

    def checkpoint():
        if ddp.main:
            save_checkpoint(checkpoint_path, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                               "state": state, "best_model": best_weights,
                                               "options": run_options})

    def write_log():
        if ddp.main:
            log = {"options": run_options, "config": asdict(config), "parameters": n_parameters(model),
                   "world_size": ddp.world, **{k: state[k] for k in ("history", "best_epoch", "best_loss", "elapsed")}}
            write_json(out / LOG, log)
            if state["history"]:
                plot_losses(state["history"], out / LOSS_PLOT, title=f"{options.arch} {options.part}")

    began = time.perf_counter() - state["elapsed"]
    last_checkpoint = time.perf_counter()
    per_rank = options.batch_size // ddp.world
    n_batches = math.ceil(options.windows_per_epoch / options.batch_size)
    out_of_time = False
    with stop_after_step(enabled=ddp.world == 1) as stop:
        while not state["done"] and state["epoch"] < options.epochs:
            epoch = state["epoch"]
            picks, shifts = _epoch_plan(options, train_songs, epoch, window, config.steps_per_beat)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate_at(options.learning_rate, epoch)
            bar = tqdm(total=n_batches, initial=state["batch"], desc=f"epoch {epoch + 1}/{options.epochs}",
                       unit="batch", disable=not show, leave=False)
            while state["batch"] < n_batches:
                begin = state["batch"] * options.batch_size + ddp.rank * per_rank
                rows = slice(begin, min(begin + per_rank, (state["batch"] + 1) * options.batch_size))
                inputs, targets = make_batch(train_songs, picks[rows], window, options.arch, options.part,
                                             shifts[rows])
                loss = model_loss(options.arch, network(torch.from_numpy(inputs)), torch.from_numpy(targets))
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), GRADIENT_CLIP)
                optimizer.step()
                state["loss_sum"] += float(loss.detach())
                state["batch"] += 1
                bar.update()
                bar.set_postfix(loss=f"{state['loss_sum'] / state['batch']:.3f}")
                due = time.perf_counter() - last_checkpoint >= options.checkpoint_seconds and state["batch"] < n_batches
                if due or stop.requested:
                    state["elapsed"] = time.perf_counter() - began
                    checkpoint()
                    last_checkpoint = time.perf_counter()
                if stop.requested:
                    bar.close()
                    raise interrupted(out, epoch, state["batch"])
            bar.close()
            valid = _valid_loss(model, valid_songs, valid_picks, options, window, ddp)
            train_loss = state["loss_sum"] / n_batches
            if ddp.world > 1:
                mean = torch.tensor([train_loss], dtype=torch.float64)
                dist.all_reduce(mean)
                train_loss = float(mean[0]) / ddp.world
            state["elapsed"] = time.perf_counter() - began
            state["history"].append({"epoch": epoch + 1, "train_loss": round(train_loss, 5),
                                     "valid_loss": round(valid, 5), "seconds": round(state["elapsed"], 1)})
            if valid < state["best_loss"]:
                state["best_loss"], state["best_epoch"], state["bad_epochs"] = valid, epoch + 1, 0
                best_weights = {k: v.clone() for k, v in model.state_dict().items()}
            else:
                state["bad_epochs"] += 1
            if show:
                tqdm.write(f"epoch {epoch + 1}: train {train_loss:.4f}  valid {valid:.4f}"
                           f"{'  (best)' if state['best_epoch'] == epoch + 1 else ''}  {state['elapsed']:.0f} s",
                           file=sys.stderr)
            state["epoch"], state["batch"], state["loss_sum"] = epoch + 1, 0, 0.0
            out_of_time = options.max_minutes is not None and state["elapsed"] > 60 * options.max_minutes
            state["done"] = state["bad_epochs"] >= options.patience or out_of_time
            checkpoint()
            last_checkpoint = time.perf_counter()
            write_log()

    model.load_state_dict(best_weights)
    model.eval()
    if ddp.world > 1:
        checksums = [None] * ddp.world
        dist.all_gather_object(checksums, _state_checksum(model))
    else:
        checksums = [_state_checksum(model)]
    if ddp.main:
        config.threshold = calibrate_threshold(model, config, valid_songs.first(options.calibration_songs))
        config.training = {"data": str(options.data), "split": "train (valid for early stopping and the "
                           "decoding threshold)", "command": options.command, "seed": options.seed,
                           "train_songs": len(train_songs), "valid_songs": len(valid_songs),
                           "epochs": state["epoch"], "best_epoch": state["best_epoch"],
                           "best_valid_loss": round(state["best_loss"], 5), "seconds": round(state["elapsed"], 1),
                           "windows_per_second": round(state["epoch"] * options.windows_per_epoch
                                                       / max(state["elapsed"], 1e-9), 1),
                           "parameters": n_parameters(model), "world_size": ddp.world}
        save_model(model, config, out / f"{options.arch}-{options.part}")
        write_log()
        log = json.loads((out / LOG).read_text())
        log["rank_checksums"] = checksums
        log["ranks_in_sync"] = len(set(checksums)) == 1
        log["threshold"] = config.threshold
        write_json(out / LOG, log)
    if ddp.world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return {"checksums": checksums, "threshold": config.threshold, "history": state["history"]}
