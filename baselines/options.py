"""Options of the raw-amplitude baseline's training run, with their defaults (no torch: the command line reads them)."""
from __future__ import annotations

from dataclasses import dataclass, field

from wav2accomp.options import (FREE_ON_RESUME, check_count, check_finite, check_optional_count,
                                check_optional_finite)

#: Samples per chunk, in and out (23 ms at 22050 Hz), and the default hidden layers.
DEFAULT_CHUNK = 500
DEFAULT_HIDDEN = (1024, 1024)


@dataclass
class BaselineTrainOptions:
    """Options of :func:`~wav2accomp.baselines.raw_amplitude.train_baseline` (the ``baseline train`` flags)."""

    stems: str
    out: str = field(metadata=FREE_ON_RESUME)
    chunk: int = DEFAULT_CHUNK
    hidden: list[int] = field(default_factory=lambda: list(DEFAULT_HIDDEN))
    epochs: int = field(default=20, metadata=FREE_ON_RESUME)
    chunks_per_epoch: int = 65536
    batch_size: int = 256
    learning_rate: float = 1e-3
    seed: int = 0
    max_seconds_per_song: float | None = None
    limit_songs: int | None = None
    melody_keywords: list[str] | None = None
    max_minutes: float | None = field(default=None, metadata=FREE_ON_RESUME)
    checkpoint_seconds: float = field(default=120.0, metadata=FREE_ON_RESUME)
    resume: bool = field(default=False, metadata=FREE_ON_RESUME)
    progress: bool = field(default=True, metadata=FREE_ON_RESUME)

    def __post_init__(self):
        for name in ("chunk", "epochs", "chunks_per_epoch", "batch_size"):
            check_count(name.replace("_", " "), getattr(self, name))
        for units in self.hidden:
            check_count("a hidden layer's width", units)
        check_finite("the learning rate", self.learning_rate, minimum=0)
        check_count("seed", self.seed, minimum=0)
        check_optional_finite("max seconds per song", self.max_seconds_per_song, above=0)
        check_optional_count("limit songs", self.limit_songs)
        check_optional_finite("max minutes", self.max_minutes, minimum=0)
        check_finite("checkpoint seconds", self.checkpoint_seconds, minimum=0)
