"""What every architecture does, and the weight files all of them share.

An :class:`Architecture` is the one object the rest of the code asks about a
model family: build the network, turn rolls into its inputs and targets, its
loss, logits -> probabilities, the probabilities of one whole song, decoding
them into a roll, calibrating the decoder, and reading/writing weights. The
registry (:mod:`wav2accomp.models.registry`) finds one by name.

A model is stored as two files side by side: ``NAME.npz`` (float32 weights,
read with ``allow_pickle=False``) and ``NAME.json`` (its
:class:`~wav2accomp.models.config.ModelConfig`), so loading never unpickles
anything.
"""
from __future__ import annotations

import json
import os
import zipfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import Wav2AccompError
from ..fileio import atomic_write
from .conditioning import bar_positions, key_profile
from .config import ModelConfig
from .registry import get_architecture


class Architecture:
    """A model family. Subclasses set :attr:`name` and implement the methods that raise here."""

    #: The name it is registered under.
    name: str = ""

    def build(self, config: ModelConfig) -> nn.Module:
        """A freshly initialised network for `config` (seed torch first for repeatability)."""
        raise NotImplementedError

    def inputs(self, melody: np.ndarray, positions: np.ndarray, profile: np.ndarray) -> np.ndarray:
        """Network inputs for encoded melody rolls ``(..., T, 78)``, their bar positions ``(..., T)`` and key
        profiles ``(..., 12)`` (:mod:`wav2accomp.models.conditioning`); float32."""
        raise NotImplementedError

    def targets(self, roll: np.ndarray, chords: np.ndarray, part: str, steps_per_beat: int) -> np.ndarray:
        """Training targets for encoded accompaniment rolls ``(..., T, 78)`` of class `part`, with the chord
        index of each step ``(..., T)`` (:func:`wav2accomp.symbolic.harmony.song_chords`); float32."""
        raise NotImplementedError

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The training loss of a batch, averaged over windows and steps."""
        raise NotImplementedError

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """Logits -> the probabilities the decoder reads."""
        raise NotImplementedError

    def decode(self, config: ModelConfig, probabilities: np.ndarray, *, temperature: float = 0.0, seed: int = 0,
               threshold: float | np.ndarray | None = None, chord_prior: np.ndarray | None = None) -> np.ndarray:
        """Probabilities of one song (:meth:`predict`) -> ``(T, 78)`` encoded roll.

        `threshold` overrides the model's calibrated one (used while calibrating); `chord_prior`
        (``(25,)`` weights over the chord vocabulary) is for architectures that choose chords.
        """
        raise NotImplementedError

    def song_logits(self, model: nn.Module, config: ModelConfig, melody: np.ndarray,
                    downbeats: np.ndarray) -> torch.Tensor:
        """Logits ``(T, outputs)`` for one song; by default the whole song in one sequence."""
        inputs = self.inputs(melody, bar_positions(len(melody), downbeats), key_profile(melody))
        return model(torch.from_numpy(inputs[None]))[0]

    def calibrate(self, model: nn.Module, config: ModelConfig, songs) -> float | list:
        """The decoding threshold to ship, chosen on `songs` (:class:`~wav2accomp.models.dataset.PartSongs`
        of the valid split); by default the configured one."""
        return config.threshold

    @torch.no_grad()
    def predict(self, model: nn.Module, config: ModelConfig, melody: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
        """The probabilities for one song, float32.

        Parameters
        ----------
        melody : np.ndarray
            ``(T, 78)`` encoded melody roll.
        downbeats : np.ndarray
            Steps of the song's downbeats.
        """
        with one_thread():
            return self.probabilities(self.song_logits(model, config, melody, downbeats)).numpy()


@contextmanager
def one_thread():
    """Run torch on one thread: a batch of one recurrent sequence gains nothing from more, and
    under load (a training run beside it) extra threads slow it down a hundredfold."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def build_model(config: ModelConfig) -> nn.Module:
    """A freshly initialised network for `config`, by its architecture."""
    return get_architecture(config.arch).build(config)


def n_parameters(model: nn.Module) -> int:
    """Number of trainable weights."""
    return sum(p.numel() for p in model.parameters())


def save_model(model: nn.Module, config: ModelConfig, path: str | os.PathLike) -> None:
    """Write ``path.npz`` (weights) and ``path.json`` (config), each atomically."""
    path = Path(path)
    state = {name: tensor.detach().cpu().numpy().astype(np.float32) for name, tensor in model.state_dict().items()}
    with atomic_write(path.with_suffix(".npz")) as handle:
        np.savez(handle, **state)
    with atomic_write(path.with_suffix(".json"), "w") as handle:
        json.dump(asdict(config), handle, indent=1)


def load_model(path: str | os.PathLike) -> tuple[nn.Module, ModelConfig]:
    """Read a model written by :func:`save_model`; eval mode, on the CPU.

    Raises
    ------
    Wav2AccompError
        One sentence when a file is missing, corrupt or does not fit its config.
    """
    path = Path(path)
    npz, config_file = path.with_suffix(".npz"), path.with_suffix(".json")
    try:
        settings = json.loads(config_file.read_text())
        config = ModelConfig(**settings) if isinstance(settings, dict) else None
    except (OSError, ValueError, TypeError) as exc:
        raise Wav2AccompError(f"cannot read model config {config_file}: {exc}") from exc
    problem = "it is not a mapping of settings" if config is None else config.problem()
    if problem:
        raise Wav2AccompError(f"cannot read model config {config_file}: {problem}")
    model = build_model(config)
    try:
        with np.load(npz, allow_pickle=False) as data:
            state = {name: torch.from_numpy(np.asarray(data[name], dtype=np.float32)) for name in data.files}
        model.load_state_dict(state)
    except (OSError, ValueError, KeyError, EOFError, RuntimeError, zipfile.BadZipFile) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Wav2AccompError(f"cannot load model weights {npz} (corrupt or not made for this "
                              f"{config.arch} config): {reason}") from exc
    if not all(torch.isfinite(tensor).all() for tensor in state.values()):
        raise Wav2AccompError(f"cannot load model weights {npz}: they hold NaN or infinite values")
    model.eval()
    return model, config
