"""What defines a trained model: :class:`ModelConfig`, saved as the JSON file beside its weights.

Pure Python (no torch), so that reading a model's description, checking it and
listing the defaults of the command line cost nothing at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..constants import ALIGNED_LAYERS, ALIGNED_UNITS, N_PITCHES, PAPER_THRESHOLD, STEPS_PER_BEAT, WINDOW_STEPS

#: Largest LSTM size a model file may ask for (guards against building a network of absurd size).
MAX_UNITS = 4096


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

    def problem(self) -> str | None:
        """What is wrong with this configuration (types, ranges), in one phrase; None when nothing is."""
        for name, low, high in (("units", 1, MAX_UNITS), ("layers", 1, 16), ("window", 1, 1 << 20),
                                ("steps_per_beat", 1, 96), ("max_polyphony", 1, N_PITCHES)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                return f"{name} must be a whole number from {low} to {high}, not {value!r}"
        for name in ("arch", "part"):
            if not isinstance(getattr(self, name), str):
                return f"{name} must be a name, not {getattr(self, name)!r}"
        thresholds = self.threshold if isinstance(self.threshold, list) else [self.threshold]
        if isinstance(self.threshold, list) and len(self.threshold) != N_PITCHES:
            return f"threshold must be one number or {N_PITCHES} (one per drum), not {len(self.threshold)}"
        if not all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 <= t <= 1 for t in thresholds):
            return f"threshold must be between 0 and 1, not {self.threshold!r}"
        if not isinstance(self.training, dict):
            return "training must be a mapping of its provenance"
        return None
