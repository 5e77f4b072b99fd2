import numpy as np

from wav2accomp.constants import N_PITCHES, ONSET, SUSTAIN
from wav2accomp.models.decoding import decode_paper, decode_percussion, decode_pitched, limit_polyphony, perturbed


def test_paper_threshold_and_onsets():
    probabilities = np.zeros((4, N_PITCHES))
    probabilities[1:3, 10] = 0.7
    probabilities[3, 11] = 0.4
    roll = decode_paper(probabilities)
    assert roll[:, 10].tolist() == [0, ONSET, SUSTAIN, 0] and not roll[:, 11].any()


def test_hysteresis_holds_a_note_through_a_dip():
    sounding = np.zeros((5, N_PITCHES))
    sounding[:, 30] = [0.6, 0.35, 0.6, 0.1, 0.1]
    roll = decode_pitched(sounding, np.zeros_like(sounding), threshold=0.5, max_polyphony=4)
    assert roll[:, 30].tolist() == [ONSET, SUSTAIN, SUSTAIN, 0, 0]


def test_onset_output_restrikes_a_held_note():
    sounding = np.full((4, N_PITCHES), 0.0)
    sounding[:, 30] = 0.9
    onsets = np.zeros_like(sounding)
    onsets[2, 30] = 0.8
    roll = decode_pitched(sounding, onsets, threshold=0.5, max_polyphony=4)
    assert roll[:, 30].tolist() == [ONSET, SUSTAIN, ONSET, SUSTAIN]


def test_polyphony_limit_keeps_the_most_probable():
    sounding = np.zeros((2, N_PITCHES))
    sounding[:, :6] = [0.9, 0.8, 0.7, 0.6, 0.55, 0.95]
    roll = decode_pitched(sounding, np.zeros_like(sounding), threshold=0.5, max_polyphony=3)
    assert np.flatnonzero(roll[0]).tolist() == [0, 1, 5]
    assert limit_polyphony(sounding, sounding > 0.5, N_PITCHES).sum() == 12


def test_sampling_is_seeded_and_beat_coherent():
    probabilities = np.full((16, N_PITCHES), 0.3)
    first = perturbed(probabilities, 1.0, np.random.default_rng(1), block_steps=4)
    again = perturbed(probabilities, 1.0, np.random.default_rng(1), block_steps=4)
    other = perturbed(probabilities, 1.0, np.random.default_rng(2), block_steps=4)
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert np.array_equal(first[0], first[3]) and not np.array_equal(first[3], first[4])
    assert perturbed(probabilities, 0.0, None) is probabilities
    sampled = decode_pitched(probabilities, probabilities, threshold=0.5, max_polyphony=N_PITCHES,
                             temperature=1.0, rng=np.random.default_rng(3))
    share = (sampled > 0).mean()
    assert 0.15 < share < 0.45  # Bernoulli(0.3) give or take the hysteresis


def test_percussion_hits_are_single_step_onsets():
    onsets = np.zeros((6, N_PITCHES))
    onsets[::2, 12] = 0.9
    onsets[1, 14] = 0.2
    roll = decode_percussion(onsets, threshold=0.5, max_polyphony=4)
    assert roll[:, 12].tolist() == [ONSET, 0] * 3 and not roll[:, 14].any()
