"""The seed's network in torch, for training (inference runs in numpy: :mod:`wav2accomp.models.paper`)."""
from __future__ import annotations

import torch
from torch import nn

from ..constants import N_PITCHES
from .config import ModelConfig


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
