"""What defines a trained model: :class:`ModelConfig`, saved as the JSON file beside its weights.

Pure Python (no torch), so that reading a model's description, checking it and
listing the defaults of the command line cost nothing at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..constants import ALIGNED_LAYERS, ALIGNED_UNITS, N_PITCHES, PAPER_THRESHOLD, STEPS_PER_BEAT, WINDOW_STEPS


@dataclass
class ModelConfig:
    """Everything needed to rebuild and decode a model; saved as its JSON file.

    Attributes
    ----------
    arch : str
        The architecture's name in :mod:`wav2accomp.models.registry` (``"paper"``, ``"aligned"``).
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
