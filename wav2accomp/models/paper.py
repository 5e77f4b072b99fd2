"""The seed's configuration, ``paper``, kept as the reference row of every table.

A 50-unit LSTM encoder reads a window of ``l`` steps (100) of the melody's
sounding roll; its final state starts a 50-unit LSTM decoder (fed the encoder's
final output at every step) that emits ``l`` x 78 note probabilities, trained
with binary cross-entropy summed over notes and decoded at threshold 0.5.
A song is generated window by window: ``l`` steps in, ``l`` steps out.
"""
from __future__ import annotations

import numpy as np

from ..constants import N_PITCHES, PAPER_ARCH
from .architecture import Architecture
from .config import ModelConfig
from .conditioning import paper_inputs
from .decoding import decode_paper
from .layers import linear, linear_shapes, lstm, lstm_shapes, sigmoid


class PaperArchitecture(Architecture):
    """Sounding roll in, sounding probabilities out, threshold decoding."""

    name = PAPER_ARCH

    def build(self, config: ModelConfig):
        from .paper_network import PaperSeq2Seq

        return PaperSeq2Seq(config)

    def weight_shapes(self, config: ModelConfig) -> dict[str, tuple]:
        return {**lstm_shapes("encoder", N_PITCHES, config.units), **lstm_shapes("decoder", config.units, config.units),
                **linear_shapes("output", config.units, N_PITCHES)}

    def logits(self, weights: dict, config: ModelConfig, inputs: np.ndarray) -> np.ndarray:
        """``(B, T, 78)`` melody -> ``(B, T, 78)`` logits (the network of
        :class:`~wav2accomp.models.paper_network.PaperSeq2Seq`)."""
        _, (hidden, cell) = lstm(inputs, weights, "encoder")
        summary = np.repeat(hidden[-1][:, None, :], inputs.shape[1], axis=1)
        decoded, _ = lstm(summary, weights, "decoder", state=(hidden, cell))
        return linear(decoded, weights, "output")

    def inputs(self, melody, positions, profile) -> np.ndarray:
        """The melody's sounding roll (bar position and key are not the seed's inputs)."""
        return paper_inputs(melody)

    def targets(self, roll, chords, part, steps_per_beat) -> np.ndarray:
        """Notes sounding (78)."""
        return (roll > 0).astype(np.float32)

    def loss(self, logits, targets):
        """Binary cross-entropy summed over notes, averaged over steps and windows (torch tensors)."""
        import torch.nn.functional as F

        n_cells = logits.shape[0] * logits.shape[1]
        return F.binary_cross_entropy_with_logits(logits, targets, reduction="sum") / n_cells

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid(logits).astype(np.float32)

    def song_logits(self, model, melody, downbeats) -> np.ndarray:
        """Window by window: the song cut into windows of ``config.window`` steps (the last one padded)."""
        config = model.config
        n_steps = melody.shape[0]
        n_windows = -(-n_steps // config.window)
        padded = np.zeros((n_windows * config.window,) + melody.shape[1:], dtype=melody.dtype)
        padded[:n_steps] = melody
        inputs = self.inputs(padded.reshape(n_windows, config.window, -1), None, None)
        return self.logits(model.weights, config, inputs).reshape(n_windows * config.window, -1)[:n_steps]

    def decode(self, config, probabilities, *, temperature=0.0, seed=0, threshold=None, chord_prior=None):
        """The seed's rule: a note sounds where its probability exceeds the threshold (0.5)."""
        return decode_paper(probabilities, np.asarray(config.threshold if threshold is None else threshold))


ARCHITECTURE = PaperArchitecture()
