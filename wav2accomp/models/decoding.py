"""Note probabilities -> an encoded accompaniment roll.

``paper``: the seed's rule, a note sounds where its probability exceeds 0.5.

``aligned``: pitched parts are decoded with hysteresis (a note starts above
the threshold and holds while above ``HOLD_RATIO`` x threshold), at most
``max_polyphony`` notes at once (the most probable win), and a new onset on a
held note where the onset output says so. Percussion hits are onsets above
the threshold. With ``temperature`` > 0 the decoder samples: logistic noise
scaled by the temperature is added to the logits before thresholding (at
temperature 1 and threshold 0.5 that is exact Bernoulli sampling); for pitched
parts the noise is drawn once per beat and note, so a sampled chord is held
through the beat instead of flickering step by step.
"""
from __future__ import annotations

import numpy as np

from ..constants import N_PITCHES, ONSET, SUSTAIN

#: A held note continues while its probability stays above this share of the threshold.
HOLD_RATIO = 0.6
#: A held note is struck again where its onset probability exceeds this.
RETRIGGER_PROBABILITY = 0.1


def decode_paper(probabilities: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The seed's decoding: ``(T, 78)`` probabilities -> encoded roll; onsets where a note begins."""
    sounding = probabilities > threshold
    roll = sounding.astype(np.uint8)
    begins = sounding & ~np.vstack([np.zeros((1, N_PITCHES), dtype=bool), sounding[:-1]])
    roll[begins] = ONSET
    return roll


def perturbed(probabilities: np.ndarray, temperature: float, rng: np.random.Generator | None,
              block_steps: int = 1) -> np.ndarray:
    """Probabilities after adding logistic noise x `temperature` to their logits.

    The noise is drawn once per `block_steps` steps and note. Temperature 0
    returns the probabilities unchanged.
    """
    if temperature <= 0:
        return probabilities
    rng = rng if rng is not None else np.random.default_rng(0)
    n_steps = probabilities.shape[0]
    n_blocks = -(-n_steps // block_steps)
    uniform = rng.uniform(1e-6, 1 - 1e-6, size=(n_blocks, probabilities.shape[1]))
    noise = np.repeat(np.log(uniform) - np.log1p(-uniform), block_steps, axis=0)[:n_steps]
    clipped = np.clip(probabilities, 1e-6, 1 - 1e-6)
    logits = np.log(clipped) - np.log1p(-clipped) + temperature * noise
    return 1.0 / (1.0 + np.exp(-logits))


def limit_polyphony(scores: np.ndarray, chosen: np.ndarray, max_notes: int) -> np.ndarray:
    """Keep at most `max_notes` chosen cells per step, those with the highest scores."""
    if max_notes >= scores.shape[1]:
        return chosen
    ranked = np.where(chosen, scores, -np.inf)
    cut = -np.partition(-ranked, max_notes - 1, axis=1)[:, max_notes - 1:max_notes]
    return chosen & (ranked >= cut)


def decode_pitched(sounding: np.ndarray, onsets: np.ndarray, *, threshold: float, max_polyphony: int,
                   temperature: float = 0.0, rng: np.random.Generator | None = None,
                   block_steps: int = 4) -> np.ndarray:
    """Decode a pitched part (see the module docstring).

    Parameters
    ----------
    sounding, onsets : np.ndarray
        ``(T, 78)`` probabilities that a note sounds / starts at each step.
    threshold : float
        A note starts above it.
    max_polyphony : int
        Most notes sounding at once.
    temperature : float
        0 decodes deterministically; higher values sample more freely.
    rng : np.random.Generator, optional
        Source of the sampling noise (seed it for repeatable output).
    block_steps : int
        Steps that share one draw of noise (a beat).

    Returns
    -------
    np.ndarray
        ``(T, 78)`` uint8 encoded roll.
    """
    scores = perturbed(sounding, temperature, rng, block_steps)
    hold = HOLD_RATIO * threshold
    roll = np.zeros(scores.shape, dtype=np.uint8)
    active = np.zeros(N_PITCHES, dtype=bool)
    above_start, above_hold = scores > threshold, scores > hold
    strike = onsets > RETRIGGER_PROBABILITY
    for step in range(scores.shape[0]):
        now = above_start[step] | (active & above_hold[step])
        if now.sum() > max_polyphony:
            now = limit_polyphony(scores[step:step + 1], now[None], max_polyphony)[0]
        begins = now & (~active | (strike[step] & above_start[step]))
        roll[step, now] = SUSTAIN
        roll[step, begins] = ONSET
        active = now
    return roll


def decode_percussion(onsets: np.ndarray, *, threshold, max_polyphony: int, temperature: float = 0.0,
                      rng: np.random.Generator | None = None) -> np.ndarray:
    """Drum hits where the onset probability exceeds `threshold` (a number, or one per drum row):
    one-step notes, ``(T, 78)`` uint8."""
    scores = perturbed(onsets, temperature, rng)
    hits = limit_polyphony(scores, scores > threshold, max_polyphony)
    return np.where(hits, ONSET, 0).astype(np.uint8)
