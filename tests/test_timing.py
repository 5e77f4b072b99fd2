import numpy as np
import pytest

from wav2accomp.symbolic.tempo_map import TempoMap, TimeSignature, metre_grid


def test_tempo_map_converts_both_ways_across_changes():
    tempo = TempoMap.from_changes([0, 4], [500_000, 1_000_000])  # 120 BPM, then 60 BPM from beat 4
    assert tempo.beats_to_seconds([0, 2, 4, 6]) == pytest.approx([0, 1, 2, 4])
    assert tempo.seconds_to_beats([0, 1, 2, 4]) == pytest.approx([0, 2, 4, 6])
    assert tempo.bpm_at(5) == pytest.approx(60)


def test_tempo_map_defaults_to_120_bpm_and_last_change_at_a_beat_wins():
    assert TempoMap.from_changes([], []).beats_to_seconds(2) == pytest.approx(1.0)
    tempo = TempoMap.from_changes([2, 0, 2], [400_000, 500_000, 1_000_000])
    assert tempo.beats_to_seconds(3) == pytest.approx(1.0 + 1.0)


def test_metre_grid_follows_signature_changes():
    pulses, downbeats = metre_grid([TimeSignature(0, 3, 4), TimeSignature(6, 6, 8)], 12)
    assert list(downbeats) == [0, 3, 6, 9]
    assert np.allclose(pulses[:7], [0, 1, 2, 3, 4, 5, 6])
    assert np.allclose(pulses[7:9], [6.5, 7.0])
    _, default = metre_grid([], 8)
    assert list(default) == [0, 4]
