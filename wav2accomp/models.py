"""Sequence models from a melody roll to an accompaniment roll, and their files.

Two architectures, one trained model per accompaniment class:

``paper``
    The seed's configuration, faithfully: a 50-unit LSTM encoder reads a
    window of ``l`` steps of the melody's sounding roll; its final state
    starts a 50-unit LSTM decoder (fed the encoder's final output at every
    step) that emits ``l`` x 78 note probabilities. Decoded at threshold 0.5.
``aligned``
    Encoder states aligned in time with the output: a two-layer bidirectional
    LSTM over the melody plus the position in the bar and the melody's key
    profile (:func:`wav2accomp.conditioning.aligned_inputs`), emitting per
    step and note a *sounding* and an *onset* probability. Decoded with a
    calibrated threshold, hysteresis, a polyphony limit and beat-coherent
    sampling (:mod:`wav2accomp.decoding`). It runs over a whole song at once.

A model is stored as two files side by side: ``NAME.npz`` (float32 weights,
read with ``allow_pickle=False``) and ``NAME.json`` (its :class:`ModelConfig`),
so loading never unpickles anything.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .conditioning import ALIGNED_FEATURES, aligned_inputs, paper_inputs
from .constants import (ALIGNED_ARCH, ALIGNED_LAYERS, ALIGNED_UNITS, N_PITCHES, ONSET, PAPER_ARCH,
                        PAPER_THRESHOLD, PAPER_UNITS, STEPS_PER_BEAT, WINDOW_STEPS)
from .errors import Wav2AccompError
from .fileio import atomic_write

ARCHS = (PAPER_ARCH, ALIGNED_ARCH)


@dataclass
class ModelConfig:
    """Everything needed to rebuild and decode a model; saved as its JSON file.

    Attributes
    ----------
    arch : str
        ``"paper"`` or ``"aligned"``.
    part : str
        The accompaniment class it generates.
    units, layers : int
        LSTM size (per direction for ``aligned``) and depth.
    window : int
        Training window, steps.
    steps_per_beat : int
        Grid resolution.
    threshold : float
        Decoding threshold on sounding (pitched) or onset (percussion) probabilities.
    max_polyphony : int
        Most notes the decoder lets sound at once (``aligned``).
    training : dict
        Provenance: data, split, command, time, epochs, losses (free-form).
    """

    arch: str
    part: str
    units: int = ALIGNED_UNITS
    layers: int = ALIGNED_LAYERS
    window: int = WINDOW_STEPS
    steps_per_beat: int = STEPS_PER_BEAT
    threshold: float = PAPER_THRESHOLD
    max_polyphony: int = N_PITCHES
    training: dict = field(default_factory=dict)

    @classmethod
    def default(cls, arch: str, part: str) -> "ModelConfig":
        """The configuration an architecture is trained with by default."""
        if arch == PAPER_ARCH:
            return cls(arch=arch, part=part, units=PAPER_UNITS, layers=1)
        if arch == ALIGNED_ARCH:
            return cls(arch=arch, part=part)
        raise Wav2AccompError(f"unknown architecture {arch!r}; choose from {', '.join(ARCHS)}")


class PaperSeq2Seq(nn.Module):
    """The seed's encoder-decoder LSTM (see the module docstring)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.encoder = nn.LSTM(N_PITCHES, config.units, batch_first=True)
        self.decoder = nn.LSTM(config.units, config.units, batch_first=True)
        self.output = nn.Linear(config.units, N_PITCHES)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, T, 78)`` melody -> ``(B, T, 78)`` logits of notes sounding."""
        _, (hidden, cell) = self.encoder(inputs)
        summary = hidden[-1][:, None, :].expand(-1, inputs.shape[1], -1)
        decoded, _ = self.decoder(summary, (hidden, cell))
        return self.output(decoded)


class AlignedBiLSTM(nn.Module):
    """Time-aligned bidirectional LSTM with sounding and onset outputs."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.project = nn.Linear(ALIGNED_FEATURES, config.units)
        self.recurrent = nn.LSTM(config.units, config.units, num_layers=config.layers,
                                 batch_first=True, bidirectional=True)
        self.output = nn.Linear(2 * config.units, 2 * N_PITCHES)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, T, ALIGNED_FEATURES)`` -> ``(B, T, 156)`` logits: sounding (78), then onset (78)."""
        states, _ = self.recurrent(torch.relu(self.project(inputs)))
        return self.output(states)


def build_model(config: ModelConfig) -> nn.Module:
    """A freshly initialised network for `config` (seed torch first for repeatability)."""
    if config.arch == PAPER_ARCH:
        return PaperSeq2Seq(config)
    if config.arch == ALIGNED_ARCH:
        return AlignedBiLSTM(config)
    raise Wav2AccompError(f"unknown architecture {config.arch!r}; choose from {', '.join(ARCHS)}")


def model_inputs(arch: str, melody: np.ndarray, positions: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Inputs of `arch` for encoded melody rolls ``(..., T, 78)`` (see :mod:`wav2accomp.conditioning`)."""
    if arch == PAPER_ARCH:
        return paper_inputs(melody)
    return aligned_inputs(melody, positions, profile)


def model_targets(arch: str, roll: np.ndarray) -> np.ndarray:
    """Training targets of `arch` for encoded accompaniment rolls ``(..., T, 78)``, float32.

    ``paper``: notes sounding (78). ``aligned``: sounding (78) then onsets (78).
    """
    sounding = (roll > 0).astype(np.float32)
    if arch == PAPER_ARCH:
        return sounding
    return np.concatenate([sounding, (roll == ONSET).astype(np.float32)], axis=-1)


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
        config = ModelConfig(**json.loads(config_file.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise Wav2AccompError(f"cannot read model config {config_file}: {exc}") from exc
    model = build_model(config)
    try:
        with np.load(npz, allow_pickle=False) as data:
            state = {name: torch.from_numpy(data[name]) for name in data.files}
        model.load_state_dict(state)
    except (OSError, ValueError, KeyError, EOFError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Wav2AccompError(f"cannot load model weights {npz} (corrupt or not made for this "
                              f"{config.arch} config): {reason}") from exc
    model.eval()
    return model, config
