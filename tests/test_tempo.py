import numpy as np
import pytest

from wav2accomp.audio.beats import BeatGrid, beat_grid, estimate_tempo, midi_timing
from wav2accomp.constants import STEPS_PER_BEAT
from wav2accomp.symbolic.tempo_map import metre_grid
from wav2accomp.testing.singer import TUNES


def onsets_of(tune, bpm, start, jitter=0.0, seed=0):
    beats = np.cumsum([0] + [b for _, b in TUNES[tune]])[:-1]
    rng = np.random.default_rng(seed)
    durations = np.array([b for _, b in TUNES[tune]]) * 60 / bpm
    return start + beats * 60 / bpm + jitter * rng.standard_normal(len(beats)), durations


@pytest.mark.parametrize("bpm", [72, 90, 100, 120, 140])
def test_tempo_and_downbeat_of_a_tune(bpm):
    onsets, durations = onsets_of("ode_to_joy", bpm, start=0.8, jitter=0.01)
    found, beat_time = estimate_tempo(onsets, durations)
    assert abs(found / bpm - 1) < 0.02
    grid = beat_grid(onsets, durations)
    assert abs(grid.downbeat - 0.8) < 0.03  # the tune starts on a bar line


def test_given_bpm_keeps_tempo_and_finds_phase():
    onsets, durations = onsets_of("twinkle", 100, start=1.3)
    grid = beat_grid(onsets, durations, bpm=100)
    assert grid.bpm == 100 and abs(grid.downbeat - 1.3) < 0.01


def test_no_or_one_onset_gives_a_default_grid():
    assert beat_grid(np.array([])).downbeat == 0.0
    assert beat_grid(np.array([0.7])).downbeat == pytest.approx(0.7)


@pytest.mark.parametrize("downbeat", [0.0, 0.02, 0.6, 1.3, 2.39, -0.5])
def test_midi_timing_puts_bar_lines_at_their_real_times(downbeat):
    grid = BeatGrid(bpm=100, downbeat=downbeat)
    tempo_map, signatures = midi_timing(grid)
    _, downbeats = metre_grid(signatures, 40.0)
    seconds = tempo_map.beats_to_seconds(downbeats)
    real_bars = downbeat % 2.4 + 2.4 * np.arange(-1, 20)
    for bar in seconds[1:]:  # every bar line after the pickup is a real one, to the microsecond
        assert np.min(np.abs(real_bars - bar)) < 1e-6
    assert tempo_map.beats_to_seconds(0.0) == 0.0
    assert all(round(s.beat * STEPS_PER_BEAT) == s.beat * STEPS_PER_BEAT for s in signatures)
    assert tempo_map.bpm_at(20.0) == pytest.approx(100)
    assert 0.5 < tempo_map.bpm_at(0.0) / 100 < 2.0  # the pickup keeps a plausible tempo
