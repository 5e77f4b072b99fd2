"""How a part is played: each figure on parts made to have it, and the real-vs-generated classifier."""
from __future__ import annotations

import numpy as np
import pytest

from wav2accomp.evaluation.playing import (PlayedNotes, bar_rhythms, classifier_accuracy, off_grid_share,
                                           offbeat_share, played_figures, texture_figures, velocity_figures,
                                           window_features)


def notes(starts, pitches=None, velocities=None, length=0.25):
    starts = np.asarray(starts, dtype=float)
    pitches = np.full(len(starts), 60) if pitches is None else np.asarray(pitches)
    velocities = np.full(len(starts), 80) if velocities is None else np.asarray(velocities)
    return PlayedNotes(pitches, starts, starts + length, velocities)


def test_velocity_figures_and_the_drum_accent():
    part = notes(np.arange(16) * 0.5, velocities=[100, 50] * 8)   # loud on the beat, soft off it
    figures = velocity_figures(part, drums=True)
    assert figures["velocity_sd"] == pytest.approx(25.0)
    assert figures["distinct_velocities"] == 2
    assert figures["accent_ratio"] == pytest.approx(2.0)


def test_off_grid_share_counts_onsets_beyond_a_64th_and_respects_the_phase():
    part = notes([0.0, 0.25, 0.5 + 0.1, 0.75 + 0.03])   # 0.1 beat = 0.4 steps off; 0.03 = 0.12 steps
    assert off_grid_share(part) == pytest.approx(0.25)
    assert off_grid_share(notes(np.arange(8) * 0.25 + 0.1), phase=0.1) == 0.0


def test_bar_rhythms_counts_distinct_bar_patterns():
    same = notes(np.concatenate([b * 4 + np.array([0, 1, 2, 3]) for b in range(4)]))
    assert bar_rhythms(same, np.arange(0, 16, 4)) == pytest.approx(0.25)
    varied = notes(np.concatenate([b * 4 + np.array([0, 0.5 * (b + 1)]) for b in range(4)]))
    assert bar_rhythms(varied, np.arange(0, 16, 4)) == pytest.approx(1.0)


def test_texture_figures_tell_blocks_from_arpeggios_and_parallel_from_led_voices():
    parallel = notes(np.repeat([0.0, 1.0, 2.0], 3), pitches=[60, 64, 67, 62, 66, 69, 64, 68, 71])
    figures = texture_figures(parallel)
    assert figures["block_share"] == 1.0 and figures["single_share"] == 0.0
    assert figures["parallel_share"] == 1.0 and figures["voice_leading"] == pytest.approx(2.0)
    assert figures["voicings_per_chord"] == 1.0
    led = notes(np.repeat([0.0, 1.0], 3), pitches=[60, 64, 67, 60, 65, 69])   # C -> F, C held
    assert texture_figures(led)["parallel_share"] == 0.0
    arpeggio = notes(np.arange(8) * 0.25, pitches=[60, 64, 67, 72] * 2)
    assert texture_figures(arpeggio)["single_share"] == 1.0


def test_offbeat_share_and_the_phase_gap():
    bass = notes([0.0, 1.0, 1.5, 2.75])
    assert offbeat_share(bass) == pytest.approx(0.5)
    late = notes(np.arange(8) * 0.5 + 1 / 12)
    figures = played_figures(late, np.arange(0, 8, 4), role="bass", phase=0.0, seconds_per_beat=0.5)
    assert figures["phase_gap_ms"] == pytest.approx(1000 / 24)


def test_the_classifier_tells_different_players_apart_and_not_the_same_one():
    rng = np.random.default_rng(0)

    def player(loud):
        return [window_features(notes(np.sort(rng.choice(64, 24, replace=False)) * 0.25,
                                      velocities=np.clip(rng.normal(loud, 8, 24), 1, 127).astype(int)),
                                np.arange(0, 16, 4)) for _ in range(20)]

    assert classifier_accuracy(player(90), player(40)) > 0.9
    assert classifier_accuracy(player(70), player(70)) < 0.7
    assert np.isnan(classifier_accuracy([np.zeros((0, 12))] * 5, [np.zeros((0, 12))] * 5))
