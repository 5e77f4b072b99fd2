"""A training run's folder, shared by every trainer: creation, atomic checkpoints, resume, Ctrl-C.

A run folder holds ``checkpoint.pt`` (the whole training state, written
atomically, read back ``weights_only`` so no code is ever unpickled),
``log.json``, ``loss.png`` and the best model. One rule decides whether
``--resume`` may continue a checkpoint: every option that defines the run
(:func:`wav2accomp.options.run_defining`) must be the same; the others (the
budget of epochs and minutes, how often to checkpoint, the progress bar) may
change. Within :func:`stop_after_step` the first Ctrl-C lets the step in
flight finish, so the loop can checkpoint and raise :class:`TrainingInterrupted`.
"""
from __future__ import annotations

import math
import signal
import threading
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import torch

from ..errors import Wav2AccompError
from ..fileio import atomic_write, write_json
from ..options import run_defining
from ..plotting import plot_losses

CHECKPOINT = "checkpoint.pt"
LOG = "log.json"
LOSS_PLOT = "loss.png"
#: What a checkpoint holds besides the options.
CHECKPOINT_KEYS = ("model", "optimizer", "state", "best_model")


@dataclass
class RunState:
    """Where a training loop stands; checkpointed as a plain dict.

    Attributes
    ----------
    epoch, batch : int
        Epochs finished; batches finished in the current epoch.
    loss_sum : float
        Summed training loss of those batches.
    history : list of dict
        One row per finished epoch (epoch, train_loss, valid_loss, ...).
    best_loss : float
        Lowest valid loss so far, and `best_epoch` (1-based) where it came.
    elapsed : float
        Seconds of training so far, over every resume.
    """

    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0
    history: list = field(default_factory=list)
    best_loss: float = math.inf
    best_epoch: int = -1
    elapsed: float = 0.0


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


class RunFolder:
    """The folder of one training run.

    Parameters
    ----------
    out : path-like
        The folder; created (with its parents) unless `create` is false (the other ranks of a
        distributed run, which write nothing).
    options : dataclass
        The run's options; :func:`~wav2accomp.options.run_defining` picks those a resume must share.
    """

    def __init__(self, out, options, *, create: bool = True):
        self.path = Path(out)
        self.defining = run_defining(options)
        if create:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise Wav2AccompError(f"cannot create output folder {self.path}: {exc.strerror or exc}") from exc

    @property
    def checkpoint_path(self) -> Path:
        return self.path / CHECKPOINT

    def load_for_resume(self) -> dict:
        """The checkpoint to continue: read, checked for its keys, and made with the same run-defining options.

        Raises
        ------
        Wav2AccompError
            No checkpoint, an unreadable one, one of another shape, or one made with other options.
        """
        path = self.checkpoint_path
        if not path.is_file():
            raise Wav2AccompError(f"nothing to resume: {path} does not exist")
        try:
            with warnings.catch_warnings():  # torch explains its unpickling rules at length: the sentence below says it
                warnings.simplefilter("ignore")
                saved = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many types for a damaged file
            raise Wav2AccompError(f"cannot resume from {path}: not a readable checkpoint ({type(exc).__name__})") from exc
        if not isinstance(saved, dict) or any(key not in saved for key in CHECKPOINT_KEYS + ("options",)) \
                or not isinstance(saved["options"], dict) or not isinstance(saved["state"], dict):
            raise Wav2AccompError(f"cannot resume from {path}: not a wav2accomp training checkpoint")
        changed = [k for k, v in self.defining.items() if saved["options"].get(k) != v]
        if changed:
            raise Wav2AccompError("cannot resume: the checkpoint was made with different "
                                  + ", ".join(f"--{k.replace('_', '-')}" for k in changed))
        return saved

    def save_checkpoint(self, model, optimizer, state: RunState, best_weights: dict) -> None:
        """Write the training state atomically (tensors, numbers, lists, dicts: loadable ``weights_only``)."""
        payload = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": asdict(state),
                   "best_model": best_weights, "options": self.defining}
        with atomic_write(self.checkpoint_path) as handle:
            torch.save(payload, handle)

    def interrupted(self, state: RunState) -> TrainingInterrupted:
        """The exception a loop raises after its checkpoint, saying how to go on."""
        return TrainingInterrupted(f"checkpoint saved in {self.path} (epoch {state.epoch + 1}, batch {state.batch}); "
                                   "run the same command with --resume to continue")

    def write_log(self, log: dict) -> None:
        """``log.json``, atomically."""
        write_json(self.path / LOG, log)

    def plot_losses(self, history: list[dict], **labels) -> None:
        """``loss.png``: train and valid loss per epoch."""
        if history:
            plot_losses(history, self.path / LOSS_PLOT, **labels)


def restore(saved: dict, model, optimizer, state_type):
    """Load a checkpoint of :meth:`RunFolder.save_checkpoint` into `model` and `optimizer`.

    Returns the state (a `state_type`) and the best weights so far; a one-line error when the
    checkpoint does not fit this model.
    """
    try:
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = state_type(**saved["state"])
        best_weights = dict(saved["best_model"])
        if best_weights.keys() != model.state_dict().keys():
            raise ValueError("its best weights are of another model")
    except (RuntimeError, ValueError, TypeError, KeyError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Wav2AccompError(f"cannot resume: the checkpoint does not fit this model ({reason})") from exc
    return state, best_weights
