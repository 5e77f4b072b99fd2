"""Training one accompaniment model: resumable, deterministic, optionally distributed.

An *epoch* is ``windows_per_epoch`` windows drawn at random (seeded by the
run's seed and the epoch number) from the training songs; the validation loss
is measured on fixed, non-overlapping windows of the valid split after each
epoch, and training stops early when it has not improved for ``patience``
epochs. The run folder (:class:`~wav2accomp.models.checkpoints.RunFolder`) holds::

    OUT/checkpoint.pt        the full training state (weights-only torch file), written atomically
    OUT/log.json             options and per-epoch train/valid loss
    OUT/loss.png             the loss curves
    OUT/<arch>-<part>.npz    the best weights, and .json their config (loadable with --model-dir OUT)

The state is checkpointed at every epoch end and at least every
``checkpoint_seconds`` within an epoch; ``resume=True`` continues from it and
gives the same weights as a run that was never interrupted. At the end the
architecture calibrates its decoder on the valid split.

Under ``torchrun --nproc_per_node=K`` each rank takes a slice of every batch
and DistributedDataParallel averages the gradients (gloo on CPU, nccl on
GPU); rank 0 writes the files. At the end the ranks compare checksums of
their weights and the log records them.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from ..constants import GRADIENT_CLIP, LR_HALF_LIFE_EPOCHS, TRANSPOSE_RANGE
from ..errors import Wav2AccompError
from ..options import TrainOptions
from .architecture import Model, n_parameters, numpy_weights, save_model
from .checkpoints import RunFolder, RunState, restore, stop_after_step
from .config import ModelConfig
from .dataset import PartSongs, load_part_songs, make_batch, sample_windows, tiled_windows
from .registry import get_architecture, training_config


@dataclass
class TrainState(RunState):
    """:class:`~wav2accomp.models.checkpoints.RunState` plus early stopping: epochs without a better valid
    loss, and whether the run is over (patience or time budget spent)."""

    bad_epochs: int = 0
    done: bool = False


@dataclass
class _Distributed:
    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0


@dataclass
class _Data:
    """The songs of a run and the fixed validation windows."""

    train: PartSongs
    valid: PartSongs
    valid_picks: np.ndarray


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


def _epoch_plan(options: TrainOptions, songs: PartSongs, epoch: int, window: int,
                steps_per_beat: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows and transpositions of one epoch; a pure function of seed and epoch."""
    rng = np.random.default_rng([options.seed, epoch])
    picks = sample_windows(songs.n_steps, options.windows_per_epoch, window, rng, align=steps_per_beat)
    low, high = TRANSPOSE_RANGE if options.augment else (0, 0)
    shifts = rng.integers(low, high + 1, size=len(picks))
    return picks, shifts


def _load_data(options: TrainOptions, window: int, show: bool) -> _Data:
    """Train and valid songs of the class, and at most ``valid_windows`` fixed validation windows."""
    train_songs = load_part_songs(options.data, options.part, "train", limit=options.limit_songs, progress=show)
    valid_songs = load_part_songs(options.data, options.part, "valid", limit=options.limit_songs, progress=show)
    valid_picks = tiled_windows(valid_songs.n_steps, window)
    if len(valid_picks) > options.valid_windows:
        keep = np.random.default_rng([options.seed, 7]).choice(len(valid_picks), options.valid_windows, replace=False)
        valid_picks = valid_picks[np.sort(keep)]
    return _Data(train_songs, valid_songs, valid_picks)


def _valid_loss(model, architecture, data: _Data, options: TrainOptions, window: int, ddp: _Distributed) -> float:
    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        mine = data.valid_picks[ddp.rank::ddp.world]
        for begin in range(0, len(mine), options.batch_size):
            inputs, targets = make_batch(data.valid, mine[begin:begin + options.batch_size], window, architecture,
                                         options.part)
            logits = model(torch.from_numpy(inputs))
            total += float(architecture.loss(logits, torch.from_numpy(targets))) * len(inputs)
            count += len(inputs)
    model.train()
    if ddp.world > 1:
        sums = torch.tensor([total, count], dtype=torch.float64)
        dist.all_reduce(sums)
        total, count = float(sums[0]), float(sums[1])
    return total / max(count, 1)


def _state_checksum(model) -> float:
    return float(sum(p.detach().double().sum() * (i + 1) for i, p in enumerate(model.parameters())))


class _Trainer:
    """One run's moving parts: the model, its optimiser, the state and the best weights so far."""

    def __init__(self, options: TrainOptions, config: ModelConfig, run: RunFolder, data: _Data, ddp: _Distributed):
        self.options, self.config, self.run, self.data, self.ddp = options, config, run, data, ddp
        self.architecture = get_architecture(config.arch)
        self.show = options.progress and ddp.main
        torch.manual_seed(options.seed)
        self.model = self.architecture.build(config)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=options.learning_rate)
        self.state = TrainState()
        self.best_weights = {k: v.clone() for k, v in self.model.state_dict().items()}
        self.network = torch.nn.parallel.DistributedDataParallel(self.model) if ddp.world > 1 else self.model
        self.n_batches = math.ceil(options.windows_per_epoch / options.batch_size)

    def resume_from(self, saved: dict) -> None:
        """Continue a checkpoint; a run stopped by its time budget goes on when resumed with a larger one."""
        self.state, self.best_weights = restore(saved, self.model, self.optimizer, TrainState)
        self.state.done = self.state.bad_epochs >= self.options.patience or self._out_of_time()

    def _out_of_time(self) -> bool:
        return self.options.max_minutes is not None and self.state.elapsed > 60 * self.options.max_minutes

    def checkpoint(self) -> None:
        if self.ddp.main:
            self.run.save_checkpoint(self.model, self.optimizer, self.state, self.best_weights)

    def write_log(self, **extra) -> None:
        if self.ddp.main:
            state = self.state
            self.run.write_log({"options": asdict(self.options), "config": asdict(self.config),
                                "parameters": n_parameters(self.model), "world_size": self.ddp.world,
                                "history": state.history, "best_epoch": state.best_epoch,
                                "best_loss": state.best_loss, "elapsed": state.elapsed,
                                "skipped": self.data.train.skipped + self.data.valid.skipped, **extra})
            self.run.plot_losses(state.history, title=f"{self.options.arch} {self.options.part}")

    def run_epochs(self) -> None:
        """Epochs until done, the epoch budget or Ctrl-C (after a checkpoint: TrainingInterrupted)."""
        began = time.perf_counter() - self.state.elapsed
        self.last_checkpoint = time.perf_counter()
        with stop_after_step(enabled=self.ddp.world == 1) as stop:
            while not self.state.done and self.state.epoch < self.options.epochs:
                self._train_epoch(began, stop)
                self._end_epoch(began)

    def _train_epoch(self, began: float, stop) -> None:
        options, state, ddp = self.options, self.state, self.ddp
        epoch, window = state.epoch, self.config.window
        picks, shifts = _epoch_plan(options, self.data.train, epoch, window, self.config.steps_per_beat)
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate_at(options.learning_rate, epoch)
        per_rank = options.batch_size // ddp.world
        bar = tqdm(total=self.n_batches, initial=state.batch, desc=f"epoch {epoch + 1}/{options.epochs}",
                   unit="batch", disable=not self.show, leave=False)
        while state.batch < self.n_batches:
            begin = state.batch * options.batch_size + ddp.rank * per_rank
            rows = slice(begin, min(begin + per_rank, (state.batch + 1) * options.batch_size))
            inputs, targets = make_batch(self.data.train, picks[rows], window, self.architecture, options.part,
                                         shifts[rows])
            loss = self.architecture.loss(self.network(torch.from_numpy(inputs)), torch.from_numpy(targets))
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), GRADIENT_CLIP)
            self.optimizer.step()
            state.loss_sum += float(loss.detach())
            state.batch += 1
            bar.update()
            bar.set_postfix(loss=f"{state.loss_sum / state.batch:.3f}")
            due = (time.perf_counter() - self.last_checkpoint >= options.checkpoint_seconds
                   and state.batch < self.n_batches)
            if due or stop.requested:
                state.elapsed = time.perf_counter() - began
                self.checkpoint()
                self.last_checkpoint = time.perf_counter()
            if stop.requested:
                bar.close()
                raise self.run.interrupted(state)
        bar.close()

    def _end_epoch(self, began: float) -> None:
        """Validate, keep the best weights, decide whether to stop, checkpoint and log."""
        options, state, ddp = self.options, self.state, self.ddp
        epoch = state.epoch
        valid = _valid_loss(self.model, self.architecture, self.data, options, self.config.window, ddp)
        train_loss = state.loss_sum / self.n_batches
        if ddp.world > 1:
            mean = torch.tensor([train_loss], dtype=torch.float64)
            dist.all_reduce(mean)
            train_loss = float(mean[0]) / ddp.world
        state.elapsed = time.perf_counter() - began
        state.history.append({"epoch": epoch + 1, "train_loss": round(train_loss, 5),
                              "valid_loss": round(valid, 5), "seconds": round(state.elapsed, 1)})
        if valid < state.best_loss:
            state.best_loss, state.best_epoch, state.bad_epochs = valid, epoch + 1, 0
            self.best_weights = {k: v.clone() for k, v in self.model.state_dict().items()}
        else:
            state.bad_epochs += 1
        if self.show:
            tqdm.write(f"epoch {epoch + 1}: train {train_loss:.4f}  valid {valid:.4f}"
                       f"{'  (best)' if state.best_epoch == epoch + 1 else ''}  {state.elapsed:.0f} s",
                       file=sys.stderr)
        state.epoch, state.batch, state.loss_sum = epoch + 1, 0, 0.0
        state.done = state.bad_epochs >= options.patience or self._out_of_time()
        self.checkpoint()
        self.last_checkpoint = time.perf_counter()
        self.write_log()

    def finish(self) -> dict:
        """The best weights, calibrated and saved (rank 0) with their provenance; the ranks' checksums."""
        options, state, ddp, config = self.options, self.state, self.ddp, self.config
        self.model.load_state_dict(self.best_weights)
        self.model.eval()
        if ddp.world > 1:
            checksums = [None] * ddp.world
            dist.all_gather_object(checksums, _state_checksum(self.model))
        else:
            checksums = [_state_checksum(self.model)]
        if ddp.main:
            config.threshold = self.architecture.calibrate(Model(config, numpy_weights(self.model)),
                                                           self.data.valid.first(options.calibration_songs))
            config.training = {"data": str(options.data), "split": "train (valid for early stopping and the "
                               "decoding threshold)", "command": options.command, "seed": options.seed,
                               "train_songs": len(self.data.train), "valid_songs": len(self.data.valid),
                               "epochs": state.epoch, "best_epoch": state.best_epoch,
                               "best_valid_loss": round(state.best_loss, 5), "seconds": round(state.elapsed, 1),
                               "windows_per_second": round(state.epoch * options.windows_per_epoch
                                                           / max(state.elapsed, 1e-9), 1),
                               "parameters": n_parameters(self.model), "world_size": ddp.world}
            save_model(self.model, config, self.run.path / f"{options.arch}-{options.part}")
            self.write_log(rank_checksums=checksums, ranks_in_sync=len(set(checksums)) == 1,
                           threshold=config.threshold)
        if ddp.world > 1:
            dist.barrier()
            dist.destroy_process_group()
        return {"checksums": checksums, "threshold": config.threshold, "history": state.history,
                "skipped": self.data.train.skipped + self.data.valid.skipped}


def train(options: TrainOptions) -> dict:
    """Train (or resume) one model; returns the final log.

    Raises
    ------
    Wav2AccompError
        Bad data folder, no songs, an unreadable checkpoint or a resume that does
        not match the run's options.
    """
    ddp = _setup_distributed()
    config = training_config(options)
    if options.batch_size % ddp.world:
        raise Wav2AccompError(f"--batch-size {options.batch_size} must divide by the {ddp.world} ranks")
    run = RunFolder(options.out, options, create=ddp.main)
    saved = run.load_for_resume() if options.resume else None   # before the (long) loading of the songs
    data = _load_data(options, config.window, options.progress and ddp.main)
    trainer = _Trainer(options, config, run, data, ddp)
    if saved is not None:
        trainer.resume_from(saved)
    trainer.run_epochs()
    return trainer.finish()
