import numpy as np

from wav2accomp.constants import N_PITCHES, ONSET, PITCH_LOW, SUSTAIN
from wav2accomp.models.conditioning import ALIGNED_FEATURES, aligned_inputs, bar_positions, key_profile, paper_inputs


def test_bar_positions_follow_downbeats():
    positions = bar_positions(40, np.array([4, 16, 28]))
    assert positions[:4].tolist() == [12, 13, 14, 15]  # before the first downbeat: counted back from it
    assert positions[4:8].tolist() == [0, 1, 2, 3]
    assert positions[15] == 11 and positions[16] == 0  # a 3/4 bar of 12 steps
    assert bar_positions(20, np.array([]))[17] == 1


def test_long_bars_are_clipped():
    assert bar_positions(40, np.array([0]))[39] == 15


def test_key_profile_peaks_at_one():
    melody = np.zeros((8, N_PITCHES), dtype=np.uint8)
    melody[:6, 60 - PITCH_LOW] = SUSTAIN
    melody[6:, 67 - PITCH_LOW] = SUSTAIN
    profile = key_profile(melody)
    assert profile[0] == 1.0 and np.isclose(profile[7], 2 / 6) and profile.dtype == np.float32


def test_inputs_of_both_architectures():
    melody = np.zeros((2, 8, N_PITCHES), dtype=np.uint8)
    melody[:, 0, 62 - PITCH_LOW] = ONSET
    melody[:, 1, 62 - PITCH_LOW] = SUSTAIN
    assert paper_inputs(melody).shape == (2, 8, N_PITCHES)
    features = aligned_inputs(melody, np.tile(np.arange(8), (2, 1)), np.ones((2, 12)))
    assert features.shape == (2, 8, ALIGNED_FEATURES)
    row = features[0, 0]
    assert row[62 - PITCH_LOW] == 1 and row[N_PITCHES] == 1  # sounding note, onset flag
    assert row[N_PITCHES + 1 + 2] == 1  # pitch class D
    assert features[0, 1, N_PITCHES] == 0  # held, no onset
    assert features[0, 3, N_PITCHES + 13 + 3] == 1  # bar position 3
