"""Sequence models from a melody roll to an accompaniment roll, and their files.

Two architectures, one trained model per accompaniment class:

``paper``
    The seed's configuration, faithfully: a 50-unit LSTM encoder reads a
    window of ``l`` steps of the melody's sounding roll; its final state
    starts a 50-unit LSTM decoder (fed the encoder's final output at every
    step) that emits ``l`` x 78 note probabilities. Decoded at threshold 0.5.
``aligned``
    Encoder states aligned in time with the output, at two rates: a two-layer
    bidirectional LSTM over *beats* (the harmony) reads the melody plus the
    position in the bar and the melody's key profile
    (:func:`wav2accomp.models.conditioning.aligned_inputs`); a bidirectional LSTM
    over *steps* (the rhythm) emits per step and note a *sounding* and an
    *onset* probability, and the pitch classes sounding. Decoded with a
    calibrated threshold, hysteresis, a polyphony limit, pitch-class
    agreement and beat-coherent sampling (:mod:`wav2accomp.models.decoding`). It
    runs over a whole song at once.

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
import torch.nn.functional as F
from torch import nn

from ..constants import (ALIGNED_ARCH, ALIGNED_LAYERS, ALIGNED_UNITS, ALIGNED_WINDOW_STEPS, CHORD_LOSS_WEIGHT,
                         N_PITCHES, ONSET, PAPER_ARCH, PAPER_THRESHOLD, PAPER_UNITS, PERCUSSION, STEPS_PER_BEAT,
                         WINDOW_STEPS)
from ..errors import Wav2AccompError
from ..fileio import atomic_write
from ..symbolic.harmony import CHORD_LABELS, steps_to_chords
from .conditioning import ALIGNED_FEATURES, aligned_inputs, paper_inputs

ARCHS = (PAPER_ARCH, ALIGNED_ARCH)
#: Columns of the aligned inputs a beat is summarised by: pitch classes (averaged over the beat),
#: then bar position and key profile (of its first step).
PITCH_CLASS_COLUMNS = slice(N_PITCHES + 1, N_PITCHES + 13)
BAR_KEY_COLUMNS = slice(N_PITCHES + 13, ALIGNED_FEATURES)
BEAT_FEATURES = ALIGNED_FEATURES - N_PITCHES - 1
#: Output width of the aligned model: sounding and onset per note, then the chord (24 triads + "N").
ALIGNED_OUTPUTS = 2 * N_PITCHES + len(CHORD_LABELS)


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
    threshold : float or list of float
        Decoding threshold on sounding (pitched) probabilities, or one per
        drum (78 values) on onset probabilities (aligned percussion).
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
    threshold: float | list = PAPER_THRESHOLD
    max_polyphony: int = N_PITCHES
    training: dict = field(default_factory=dict)

    @classmethod
    def default(cls, arch: str, part: str) -> "ModelConfig":
        """The configuration an architecture is trained with by default."""
        if arch == PAPER_ARCH:
            return cls(arch=arch, part=part, units=PAPER_UNITS, layers=1)
        if arch == ALIGNED_ARCH:
            return cls(arch=arch, part=part, window=ALIGNED_WINDOW_STEPS)
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
    """Two-rate, time-aligned model: a bidirectional LSTM over beats for harmony, one over steps for rhythm.

    Each beat (``steps_per_beat`` steps; the grid's step 0 is a beat) is
    summarised as the melody's mean pitch-class activity, the bar position of
    its first step and the key profile; a two-layer bidirectional LSTM over
    these beats emits the beat's chord (24 triads and "no chord": a softmax,
    so the model commits to one chord, which the decoder uses to keep the
    notes sounding together coherent). Its state of each beat is handed to
    that beat's steps, where a one-layer bidirectional LSTM over the step
    features emits per step and note a sounding and an onset logit.

    For pitched parts the beat LSTM learns from the chord loss alone (its
    states reach the step LSTM detached): trained jointly, the far larger
    note loss drowned the harmony and the chords collapsed to the tonic
    (measured: chord accuracy 0.20 against 0.35+ when separated). For
    percussion, which has no chords, the note loss trains it.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.steps_per_beat = config.steps_per_beat
        self.harmony_only_from_chords = config.part != PERCUSSION
        self.beat_project = nn.Linear(BEAT_FEATURES, config.units)
        self.beats = nn.LSTM(config.units, config.units, num_layers=config.layers, batch_first=True,
                             bidirectional=True)
        self.chord = nn.Linear(2 * config.units, len(CHORD_LABELS))
        self.step_project = nn.Linear(ALIGNED_FEATURES, config.units // 2)
        self.steps = nn.LSTM(2 * config.units + config.units // 2, config.units // 2, batch_first=True,
                             bidirectional=True)
        self.notes = nn.Linear(config.units, 2 * N_PITCHES)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, T, ALIGNED_FEATURES)`` -> ``(B, T, 181)`` logits: sounding (78), onset (78), chord (25)."""
        batch, n_steps, width = inputs.shape
        spb = self.steps_per_beat
        beats = F.pad(inputs, (0, 0, 0, (-n_steps) % spb)).reshape(batch, -1, spb, width)
        summary = torch.cat([beats[..., PITCH_CLASS_COLUMNS].mean(dim=2), beats[:, :, 0, BAR_KEY_COLUMNS]], dim=-1)
        beat_states, _ = self.beats(torch.relu(self.beat_project(summary)))
        handed = beat_states.detach() if self.harmony_only_from_chords else beat_states
        per_step = handed.repeat_interleave(spb, dim=1)[:, :n_steps]
        step_states, _ = self.steps(torch.cat([per_step, torch.relu(self.step_project(inputs))], dim=-1))
        chords = self.chord(beat_states).repeat_interleave(spb, dim=1)[:, :n_steps]
        return torch.cat([self.notes(step_states), chords], dim=-1)


def build_model(config: ModelConfig) -> nn.Module:
    """A freshly initialised network for `config` (seed torch first for repeatability)."""
    if config.arch == PAPER_ARCH:
        return PaperSeq2Seq(config)
    if config.arch == ALIGNED_ARCH:
        return AlignedBiLSTM(config)
    raise Wav2AccompError(f"unknown architecture {config.arch!r}; choose from {', '.join(ARCHS)}")


def model_inputs(arch: str, melody: np.ndarray, positions: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Inputs of `arch` for encoded melody rolls ``(..., T, 78)`` (see :mod:`wav2accomp.models.conditioning`)."""
    if arch == PAPER_ARCH:
        return paper_inputs(melody)
    return aligned_inputs(melody, positions, profile)


def model_targets(arch: str, roll: np.ndarray, chords: np.ndarray | None = None,
                  steps_per_beat: int = STEPS_PER_BEAT) -> np.ndarray:
    """Training targets of `arch` for encoded accompaniment rolls ``(..., T, 78)``, float32.

    ``paper``: notes sounding (78). ``aligned``: sounding (78), onsets (78)
    and one-hot the chord of each step (25): `chords` (``(..., T)`` indices,
    see :func:`wav2accomp.symbolic.harmony.song_chords`), or when absent the chord
    recognised from the accompaniment itself per beat.
    """
    sounding = (roll > 0).astype(np.float32)
    if arch == PAPER_ARCH:
        return sounding
    if chords is None:
        chords = steps_to_chords(sounding, steps_per_beat)
    one_hot = np.eye(len(CHORD_LABELS), dtype=np.float32)[chords]
    return np.concatenate([sounding, (roll == ONSET).astype(np.float32), one_hot], axis=-1)


def model_loss(arch: str, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy summed over notes (sounding, and onsets for ``aligned``), plus for
    ``aligned`` the chord's cross-entropy times ``CHORD_LOSS_WEIGHT``; averaged over steps and windows."""
    n_cells = logits.shape[0] * logits.shape[1]
    if arch == PAPER_ARCH:
        return F.binary_cross_entropy_with_logits(logits, targets, reduction="sum") / n_cells
    notes = F.binary_cross_entropy_with_logits(logits[..., :2 * N_PITCHES], targets[..., :2 * N_PITCHES],
                                               reduction="sum")
    chord = -(targets[..., 2 * N_PITCHES:] * F.log_softmax(logits[..., 2 * N_PITCHES:], dim=-1)).sum()
    return (notes + CHORD_LOSS_WEIGHT * chord) / n_cells


def output_probabilities(arch: str, logits: torch.Tensor) -> torch.Tensor:
    """Logits -> probabilities: sigmoids per note; for ``aligned`` a softmax over the chords."""
    if arch == PAPER_ARCH:
        return torch.sigmoid(logits)
    return torch.cat([torch.sigmoid(logits[..., :2 * N_PITCHES]), torch.softmax(logits[..., 2 * N_PITCHES:], -1)],
                     dim=-1)


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
