"""The stronger default, ``aligned``: a two-rate, time-aligned network that chooses a chord per beat.

Encoder states aligned in time with the output, at two rates: a two-layer
bidirectional LSTM over *beats* (the harmony) reads the melody's pitch classes,
the position in the bar and the melody's key profile
(:func:`wav2accomp.models.conditioning.aligned_inputs`) and emits each beat's
chord (24 triads + no chord); a bidirectional LSTM over *steps* (the rhythm)
emits per step and note a *sounding* and an *onset* probability. It runs over
a whole song at once. Decoding (:mod:`wav2accomp.models.decoding`): one chord
per beat (most probable, or sampled with a temperature), notes outside it
weighted down, a calibrated threshold with hysteresis, a polyphony limit and
beat-coherent seeded sampling; drums are onsets above one calibrated
threshold per drum.
"""
from __future__ import annotations

import numpy as np

from ..constants import (ALIGNED_ARCH, CHORD_LOSS_WEIGHT, MIN_DRUM_THRESHOLD, N_PITCHES, ONSET, OUTSIDE_CHORD_WEIGHT,
                         PERCUSSION)
from ..dsp import tempered_probabilities
from ..symbolic.harmony import CHORD_LABELS, chord_masks, steps_to_chords
from .architecture import Architecture
from .conditioning import (ALIGNED_FEATURES, BAR_KEY_COLUMNS, BEAT_FEATURES, PITCH_CLASS_COLUMNS, aligned_inputs,
                           bar_positions, key_profile)
from .layers import linear, linear_shapes, lstm_many, lstm_shapes, relu, sigmoid
from .config import ModelConfig
from .decoding import decode_percussion, decode_pitched

#: Output width: sounding and onset per note, then the chord (24 triads + "N").
ALIGNED_OUTPUTS = 2 * N_PITCHES + len(CHORD_LABELS)


class AlignedArchitecture(Architecture):
    """Melody, bar position and key in; sounding, onset and chord out; chord-aware decoding."""

    name = ALIGNED_ARCH

    def build(self, config: ModelConfig):
        from .aligned_network import AlignedBiLSTM

        return AlignedBiLSTM(config)

    def weight_shapes(self, config: ModelConfig) -> dict[str, tuple]:
        units, half = config.units, config.units // 2
        return {**linear_shapes("beat_project", BEAT_FEATURES, units),
                **lstm_shapes("beats", units, units, layers=config.layers, bidirectional=True),
                **linear_shapes("chord", 2 * units, len(CHORD_LABELS)),
                **linear_shapes("step_project", ALIGNED_FEATURES, half),
                **lstm_shapes("steps", 2 * units + half, half, bidirectional=True),
                **linear_shapes("notes", units, 2 * N_PITCHES)}

    def logits(self, weights: dict, config: ModelConfig, inputs: np.ndarray) -> np.ndarray:
        """``(B, T, ALIGNED_FEATURES)`` -> ``(B, T, 181)``: sounding (78), onset (78), chord (25) logits
        (the network of :class:`~wav2accomp.models.aligned_network.AlignedBiLSTM`)."""
        return self.logits_many([weights], config, inputs)[0]

    def logits_many(self, weights: list[dict], config: ModelConfig, inputs: np.ndarray) -> list[np.ndarray]:
        """:meth:`logits` of several models of `config`'s sizes on the same inputs, their LSTMs stepped together."""
        batch, n_steps, width = inputs.shape
        spb = config.steps_per_beat
        padded = np.concatenate([inputs, np.zeros((batch, (-n_steps) % spb, width), dtype=inputs.dtype)], axis=1)
        beats = padded.reshape(batch, -1, spb, width)
        summary = np.concatenate([beats[..., PITCH_CLASS_COLUMNS].mean(axis=2), beats[:, :, 0, BAR_KEY_COLUMNS]],
                                 axis=-1)
        beat_states = lstm_many([relu(linear(summary, w, "beat_project")) for w in weights], weights, "beats",
                                layers=config.layers, bidirectional=True)
        step_inputs = [np.concatenate([np.repeat(states, spb, axis=1)[:, :n_steps],
                                       relu(linear(inputs, w, "step_project"))], axis=-1)
                       for states, w in zip(beat_states, weights)]
        step_states = lstm_many(step_inputs, weights, "steps", bidirectional=True)
        return [np.concatenate([linear(steps, w, "notes"),
                                np.repeat(linear(states, w, "chord"), spb, axis=1)[:, :n_steps]], axis=-1)
                for steps, states, w in zip(step_states, beat_states, weights)]

    def predict_many(self, models: list, melody: np.ndarray, downbeats: np.ndarray) -> list[np.ndarray]:
        """:meth:`predict` of several models at once (one recurrence for all) when they share their sizes."""
        sizes = {(m.config.units, m.config.layers, m.config.steps_per_beat) for m in models}
        if len(sizes) != 1:
            return super().predict_many(models, melody, downbeats)
        inputs = self.inputs(melody, bar_positions(len(melody), downbeats), key_profile(melody))[None]
        return [self.probabilities(logits[0])
                for logits in self.logits_many([m.weights for m in models], models[0].config, inputs)]

    def inputs(self, melody, positions, profile) -> np.ndarray:
        return aligned_inputs(melody, positions, profile)

    def targets(self, roll, chords=None, part="", steps_per_beat=4) -> np.ndarray:
        """Sounding (78), onsets (78) and one-hot the chord of each step (25); `chords` None recognises
        the chord of each beat from the roll itself. Drums have no chord: their chord targets are 0
        (no chord loss)."""
        sounding = (roll > 0).astype(np.float32)
        if chords is None:
            chords = steps_to_chords(sounding, steps_per_beat)
        one_hot = np.eye(len(CHORD_LABELS), dtype=np.float32)[chords]
        if part == PERCUSSION:
            one_hot[:] = 0
        return np.concatenate([sounding, (roll == ONSET).astype(np.float32), one_hot], axis=-1)

    def loss(self, logits, targets):
        """Binary cross-entropy summed over notes (sounding and onsets), plus the chord's cross-entropy
        times ``CHORD_LOSS_WEIGHT``; averaged over steps and windows (torch tensors)."""
        import torch.nn.functional as F

        n_cells = logits.shape[0] * logits.shape[1]
        notes = F.binary_cross_entropy_with_logits(logits[..., :2 * N_PITCHES], targets[..., :2 * N_PITCHES],
                                                   reduction="sum")
        chord = -(targets[..., 2 * N_PITCHES:] * F.log_softmax(logits[..., 2 * N_PITCHES:], dim=-1)).sum()
        return (notes + CHORD_LOSS_WEIGHT * chord) / n_cells

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Sigmoids per note; a softmax over the chords."""
        chords = logits[..., 2 * N_PITCHES:]
        chords = np.exp(chords - chords.max(axis=-1, keepdims=True))
        return np.concatenate([sigmoid(logits[..., :2 * N_PITCHES]), chords / chords.sum(axis=-1, keepdims=True)],
                              axis=-1).astype(np.float32)

    def decode(self, config, probabilities, *, temperature=0.0, seed=0, threshold=None, chord_prior=None):
        """Drums: onsets above their thresholds (never below :data:`~wav2accomp.constants.MIN_DRUM_THRESHOLD`).
        Pitched parts: a chord per beat (:func:`chord_weights`, the model's distribution times `chord_prior`),
        then hysteresis decoding of the weighted sounding probabilities. A per-step prior ``(T, 25)`` is the
        user's chords (:func:`~wav2accomp.symbolic.chords.given_chord_prior`): notes outside them are left out;
        a ``(25,)`` one (a key's chords) only weighs the choice."""
        threshold = np.asarray(config.threshold if threshold is None else threshold)
        rng = np.random.default_rng(seed)
        sounding, onsets, chords = np.split(probabilities, [N_PITCHES, 2 * N_PITCHES], axis=-1)
        if config.part == PERCUSSION:
            threshold = np.maximum(threshold, MIN_DRUM_THRESHOLD)
            return decode_percussion(onsets, threshold=threshold, max_polyphony=config.max_polyphony,
                                     temperature=temperature, rng=rng)
        if chord_prior is not None:
            chords = chords * chord_prior
        given = chord_prior is not None and np.ndim(chord_prior) == 2   # the user's chords, step by step
        sounding = sounding * chord_weights(chords, config.steps_per_beat, temperature, rng,
                                            outside=0.0 if given else OUTSIDE_CHORD_WEIGHT)
        return decode_pitched(sounding, onsets, threshold=threshold, max_polyphony=config.max_polyphony,
                              temperature=temperature, rng=rng, block_steps=config.steps_per_beat)

    def calibrate(self, model, songs, *, iterations: int = 12) -> float | list:
        """Decoding threshold whose output on `songs` has the texture of the real parts.

        Pitched parts: one threshold, so that the mean polyphony (notes sounding at
        once, over steps where any sounds) of the decoded songs matches the real
        parts'; polyphony falls as the threshold rises, so it is found by
        bisection. Percussion: one threshold per drum (roll row), so that each
        drum is hit as often as in the real parts (a single threshold let the
        surest drums, kick and hi-hat, crowd out the snare). Both on the valid split.
        """
        config = model.config
        probabilities = [self.predict(model, m, d) for m, d in zip(songs.melody, songs.downbeats)]
        if config.part == PERCUSSION:
            onsets = np.concatenate([p[:, N_PITCHES:2 * N_PITCHES] for p in probabilities])
            hits = np.concatenate([t == ONSET for t in songs.target]).sum(axis=0)
            ranked = -np.sort(-onsets, axis=0)
            thresholds = np.where(hits > 0, ranked[np.clip(hits, 1, len(ranked)) - 1, np.arange(N_PITCHES)], 1.0)
            return [round(float(t), 4) for t in np.minimum(thresholds, 1.0)]

        def polyphony(rolls) -> float:
            counts = np.concatenate([(r > 0).sum(axis=1) for r in rolls])
            return float(counts[counts > 0].mean()) if counts.any() else 0.0

        real = polyphony(songs.target)
        low, high = 0.0, 1.0
        for _ in range(iterations):
            middle = (low + high) / 2
            made = polyphony([self.decode(config, p, threshold=middle) for p in probabilities])
            low, high = (middle, high) if made > real else (low, middle)
        return round((low + high) / 2, 4)


def chords_per_beat(chords: np.ndarray, steps_per_beat: int) -> np.ndarray:
    """``(B, 25)`` the chord distribution ``(T, 25)`` averaged over each beat (groups of `steps_per_beat` steps)."""
    n_steps = len(chords)
    n_beats = -(-n_steps // steps_per_beat)
    padded = np.zeros((n_beats * steps_per_beat, chords.shape[1]), dtype=np.float64)
    padded[:n_steps] = chords
    return padded.reshape(n_beats, steps_per_beat, -1).mean(axis=1)


def chord_head(probabilities: np.ndarray, steps_per_beat: int, chord_prior: np.ndarray | None = None) -> np.ndarray:
    """``(T,)`` the most probable chord of each step's beat, from the aligned model's probabilities (times
    `chord_prior`, ``(25,)`` weights over the chords, as :meth:`AlignedArchitecture.decode` weighs them)."""
    chords = probabilities[:, 2 * N_PITCHES:] * (1.0 if chord_prior is None else chord_prior)
    return np.repeat(np.argmax(chords_per_beat(chords, steps_per_beat), axis=1), steps_per_beat)[:len(chords)]


def chord_weights(chords: np.ndarray, steps_per_beat: int, temperature: float, rng: np.random.Generator, *,
                  outside: float = OUTSIDE_CHORD_WEIGHT) -> np.ndarray:
    """``(T, 78)`` weights of each note from the model's chord distribution ``(T, 25)``.

    One chord is chosen per beat: the most probable (temperature 0) or one
    sampled from the distribution sharpened or flattened by the temperature.
    Notes of the chord weigh 1, others `outside` (default :data:`~wav2accomp.constants.OUTSIDE_CHORD_WEIGHT`).
    """
    n_steps = len(chords)
    per_beat = chords_per_beat(chords, steps_per_beat) + 1e-9
    if temperature > 0:
        sharpened = tempered_probabilities(per_beat, temperature, axis=1)
        chosen = np.array([rng.choice(len(row), p=row) for row in sharpened])
    else:
        chosen = np.argmax(per_beat, axis=1)
    inside = np.repeat(chord_masks()[chosen], steps_per_beat, axis=0)[:n_steps]
    return np.where(inside, 1.0, outside)


ARCHITECTURE = AlignedArchitecture()
