import numpy as np

from wav2accomp.constants import N_PITCHES
from wav2accomp.models.conditioning import ALIGNED_FEATURES
from wav2accomp.models.dataset import cut, load_part_songs, make_batch, sample_windows, tiled_windows, transpose_roll
from wav2accomp.models.registry import get_architecture

ALIGNED = get_architecture("aligned")


def test_transpose_drops_what_falls_off():
    roll = np.zeros((2, N_PITCHES), dtype=np.uint8)
    roll[0, [0, 10, N_PITCHES - 1]] = 2
    up = transpose_roll(roll, 3)
    assert np.flatnonzero(up[0]).tolist() == [3, 13]
    assert np.flatnonzero(transpose_roll(roll, -1)[0]).tolist() == [9, N_PITCHES - 2]
    assert transpose_roll(roll, 0) is roll


def test_window_sampling_is_seeded_and_in_range():
    lengths = np.array([50, 400, 1000])
    picks = sample_windows(lengths, 500, 100, np.random.default_rng(3))
    assert np.array_equal(picks, sample_windows(lengths, 500, 100, np.random.default_rng(3)))
    assert np.all(picks[:, 1] <= np.maximum(lengths[picks[:, 0]] - 100, 0))
    assert np.bincount(picks[:, 0], minlength=3)[2] > np.bincount(picks[:, 0], minlength=3)[1]
    assert tiled_windows(np.array([250, 100]), 100).tolist() == [[0, 0], [0, 100], [0, 200], [1, 0]]
    assert cut(np.ones((5, 2)), 3, 4).tolist() == [[1, 1], [1, 1], [0, 0], [0, 0]]


def test_batches_from_a_cache(tiny_cache):
    songs = load_part_songs(tiny_cache, "guitarlike", "train")
    assert len(songs) == 6 and songs.profiles.shape == (6, 12)
    picks = np.array([[0, 0], [1, 40]])
    inputs, targets = make_batch(songs, picks, 100, ALIGNED, "guitarlike", np.array([0, 2]))
    assert inputs.shape == (2, 100, ALIGNED_FEATURES) and targets.shape == (2, 100, 2 * N_PITCHES + 25)
    plain_inputs, plain_targets = make_batch(songs, picks[1:], 100, ALIGNED, "guitarlike")
    assert np.array_equal(targets[1, :, :N_PITCHES - 2], 0 * targets[1, :, :N_PITCHES - 2] +
                          np.pad(plain_targets[0, :, :N_PITCHES], ((0, 0), (2, 0)))[:, :N_PITCHES - 2])
    drums = load_part_songs(tiny_cache, "percussion", "train")
    _, drum_targets = make_batch(drums, picks, 100, ALIGNED, "percussion", np.array([5, 5]))
    _, unshifted = make_batch(drums, picks, 100, ALIGNED, "percussion")
    assert np.array_equal(drum_targets, unshifted)  # drums keep their GM numbers
