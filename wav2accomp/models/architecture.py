"""What every architecture does, the trained model as numpy arrays, and the weight files all of them share.

An :class:`Architecture` is the one object the rest of the code asks about a
model family: its inputs and targets, the network's forward pass in numpy (so
that generating needs no torch), logits -> probabilities, decoding them into a
roll, calibrating the decoder, the names and shapes of its weights, and — for
training only, importing torch then — the torch network and its loss. The
registry (:mod:`wav2accomp.models.registry`) finds one by name.

A model is stored as two files side by side: ``NAME.npz`` (the torch network's
``state_dict`` as float32 arrays, read with ``allow_pickle=False``) and
``NAME.json`` (its :class:`~wav2accomp.models.config.ModelConfig`), so loading
never unpickles anything; :func:`load_model` gives a :class:`Model`.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import Wav2AccompError
from ..fileio import atomic_write
from .conditioning import bar_positions, key_profile
from .config import ModelConfig
from .registry import get_architecture


@dataclass
class Model:
    """A trained model ready to run: its configuration and its weights (float32 arrays by torch's names)."""

    config: ModelConfig
    weights: dict[str, np.ndarray]


class Architecture:
    """A model family. Subclasses set :attr:`name` and implement the methods that raise here."""

    #: The name it is registered under.
    name: str = ""

    def inputs(self, melody: np.ndarray, positions: np.ndarray, profile: np.ndarray) -> np.ndarray:
        """Network inputs for encoded melody rolls ``(..., T, 78)``, their bar positions ``(..., T)`` and key
        profiles ``(..., 12)`` (:mod:`wav2accomp.models.conditioning`); float32."""
        raise NotImplementedError

    def targets(self, roll: np.ndarray, chords: np.ndarray, part: str, steps_per_beat: int) -> np.ndarray:
        """Training targets for encoded accompaniment rolls ``(..., T, 78)`` of class `part`, with the chord
        index of each step ``(..., T)`` (:func:`wav2accomp.symbolic.harmony.song_chords`); float32."""
        raise NotImplementedError

    def weight_shapes(self, config: ModelConfig) -> dict[str, tuple]:
        """The names and shapes of a model's weights (those of the torch network's ``state_dict``)."""
        raise NotImplementedError

    def logits(self, weights: dict, config: ModelConfig, inputs: np.ndarray) -> np.ndarray:
        """The network's forward pass in numpy: inputs ``(B, T, features)`` -> logits ``(B, T, outputs)``."""
        raise NotImplementedError

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Logits -> the probabilities the decoder reads (numpy, float32)."""
        raise NotImplementedError

    def decode(self, config: ModelConfig, probabilities: np.ndarray, *, temperature: float = 0.0, seed: int = 0,
               threshold: float | np.ndarray | None = None, chord_prior: np.ndarray | None = None) -> np.ndarray:
        """Probabilities of one song (:meth:`predict`) -> ``(T, 78)`` encoded roll.

        `threshold` overrides the model's calibrated one (used while calibrating); `chord_prior`
        (``(25,)`` weights over the chord vocabulary) is for architectures that choose chords.
        """
        raise NotImplementedError

    def build(self, config: ModelConfig):
        """A freshly initialised torch network for `config` (training; seed torch first for repeatability)."""
        raise NotImplementedError

    def loss(self, logits, targets):
        """The training loss of a batch (torch tensors), averaged over windows and steps."""
        raise NotImplementedError

    def song_logits(self, model: Model, melody: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
        """Logits ``(T, outputs)`` for one song; by default the whole song in one sequence."""
        inputs = self.inputs(melody, bar_positions(len(melody), downbeats), key_profile(melody))
        return self.logits(model.weights, model.config, inputs[None])[0]

    def calibrate(self, model: Model, songs) -> float | list:
        """The decoding threshold to ship, chosen on `songs` (:class:`~wav2accomp.models.dataset.PartSongs`
        of the valid split); by default the configured one."""
        return model.config.threshold

    def predict_many(self, models: list[Model], melody: np.ndarray, downbeats: np.ndarray) -> list[np.ndarray]:
        """:meth:`predict` of several models on one song (architectures may run them together)."""
        return [self.predict(model, melody, downbeats) for model in models]

    def predict(self, model: Model, melody: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
        """The probabilities for one song, float32.

        Parameters
        ----------
        melody : np.ndarray
            ``(T, 78)`` encoded melody roll.
        downbeats : np.ndarray
            Steps of the song's downbeats.
        """
        return self.probabilities(self.song_logits(model, melody, downbeats))


def build_model(config: ModelConfig):
    """A freshly initialised torch network for `config`, by its architecture (training)."""
    return get_architecture(config.arch).build(config)


def n_parameters(model) -> int:
    """Number of trainable weights of a torch network."""
    return sum(p.numel() for p in model.parameters())


def numpy_weights(network) -> dict[str, np.ndarray]:
    """A torch network's ``state_dict`` as float32 arrays (what :func:`save_model` writes)."""
    return {name: tensor.detach().cpu().numpy().astype(np.float32) for name, tensor in network.state_dict().items()}


def save_model(network, config: ModelConfig, path: str | os.PathLike) -> None:
    """Write ``path.npz`` (the weights of a torch network or a :class:`Model`) and ``path.json`` (config),
    each atomically."""
    path = Path(path)
    state = network.weights if isinstance(network, Model) else numpy_weights(network)
    with atomic_write(path.with_suffix(".npz")) as handle:
        np.savez(handle, **state)
    with atomic_write(path.with_suffix(".json"), "w") as handle:
        json.dump(asdict(config), handle, indent=1)


def load_model(path: str | os.PathLike) -> tuple[Model, ModelConfig]:
    """Read a model written by :func:`save_model` (no torch): the :class:`Model` and its config.

    Raises
    ------
    Wav2AccompError
        One sentence when a file is missing, corrupt, out of range or does not fit its config.
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
    expected = get_architecture(config.arch).weight_shapes(config)
    try:
        with np.load(npz, allow_pickle=False) as data:
            weights = {name: np.asarray(data[name], dtype=np.float32) for name in data.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Wav2AccompError(f"cannot load model weights {npz} (corrupt or not made for this "
                              f"{config.arch} config): {reason}") from exc
    wrong = sorted(set(expected) ^ set(weights)) or [n for n in expected if weights[n].shape != tuple(expected[n])]
    if wrong:
        raise Wav2AccompError(f"cannot load model weights {npz} (corrupt or not made for this {config.arch} config): "
                              f"{'names' if set(expected) ^ set(weights) else 'shapes'} differ ({wrong[0]}, ...)")
    if not all(np.isfinite(array).all() for array in weights.values()):
        raise Wav2AccompError(f"cannot load model weights {npz}: they hold NaN or infinite values")
    return Model(config, weights), config
