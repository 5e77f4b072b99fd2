"""The ``aligned`` network in torch, for training (inference runs in numpy: :mod:`wav2accomp.models.aligned`)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..constants import N_PITCHES, PERCUSSION
from ..symbolic.harmony import CHORD_LABELS
from .conditioning import ALIGNED_FEATURES, BAR_KEY_COLUMNS, BEAT_FEATURES, PITCH_CLASS_COLUMNS
from .config import ModelConfig


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
