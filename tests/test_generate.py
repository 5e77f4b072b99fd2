import numpy as np
import pytest

from wav2accomp.constants import N_PITCHES, ONSET, PITCH_LOW
from wav2accomp.errors import Wav2AccompError
from wav2accomp.models.aligned import chord_weights
from wav2accomp.models.generate import PRETRAINED_DIR, generate_part, load_part_model
from wav2accomp.symbolic.harmony import CHORD_LABELS


def melody_roll(n_steps=192):
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    pitches = [72, 74, 76, 77, 79, 77, 76, 74]
    for step in range(0, n_steps, 4):
        roll[step:step + 4, pitches[(step // 4) % 8] - PITCH_LOW] = 1
        roll[step, pitches[(step // 4) % 8] - PITCH_LOW] = ONSET
    return roll


def test_chord_weights_follow_the_most_probable_chord():
    chords = np.zeros((8, len(CHORD_LABELS)))
    chords[:4, CHORD_LABELS.index("C:maj")] = 1
    chords[4:, CHORD_LABELS.index("A:min")] = 1
    weights = chord_weights(chords, 4, 0.0, np.random.default_rng(0))
    assert weights[0, 64 - PITCH_LOW] == 1 and weights[0, 65 - PITCH_LOW] < 1
    assert weights[5, 69 - PITCH_LOW] == 1 and weights[5, 67 - PITCH_LOW] < 1


@pytest.mark.parametrize("part", ["guitarlike", "percussion", "stringslike"])
@pytest.mark.parametrize("arch", ["paper", "aligned"])
def test_shipped_models_generate_repeatably(part, arch):
    model, config = load_part_model(part, arch)
    melody = melody_roll()
    downbeats = np.arange(0, len(melody), 16)
    roll = generate_part(model, config, melody, downbeats, seed=3)
    assert roll.shape == melody.shape and roll.dtype == np.uint8
    assert np.array_equal(roll, generate_part(model, config, melody, downbeats, seed=3))
    if arch == "aligned":
        assert roll.any(), "the shipped model stays silent on a plain tune"
        assert (roll > 0).sum(axis=1).max() <= config.max_polyphony
        sampled = [generate_part(model, config, melody, downbeats, temperature=1.0, seed=s) for s in (1, 1, 2)]
        assert np.array_equal(sampled[0], sampled[1]) and not np.array_equal(sampled[0], sampled[2])
    if part == "percussion" and arch == "aligned":
        assert set(np.unique(roll)) <= {0, ONSET}


def test_missing_model_is_a_one_line_error(tmp_path):
    with pytest.raises(Wav2AccompError, match="no aligned model for guitarlike"):
        load_part_model("guitarlike", "aligned", tmp_path)
    assert (PRETRAINED_DIR / "MODEL_CARD.md").is_file()


def test_generate_parts_gives_every_class_of_the_band():
    from wav2accomp.models.generate import generate_parts
    melody = melody_roll()
    parts = generate_parts(melody, np.arange(0, len(melody), 16), temperature=0.5, seed=4)
    assert list(parts) == ["percussion", "guitarlike", "stringslike"]
    assert all(roll.shape == melody.shape and roll.any() for roll in parts.values())
    again = generate_parts(melody, np.arange(0, len(melody), 16), temperature=0.5, seed=4)
    assert all(np.array_equal(parts[p], again[p]) for p in parts)


def test_a_chord_prior_moves_the_chords_into_the_key_and_drums_need_a_minimum_probability():
    from wav2accomp.constants import MIN_DRUM_THRESHOLD
    from wav2accomp.models.generate import decode
    from wav2accomp.symbolic.harmony import diatonic_chord_mask

    _, config = load_part_model("guitarlike", "aligned")
    n_steps = 32
    sounding = np.full((n_steps, N_PITCHES), 0.5)
    onsets = np.zeros((n_steps, N_PITCHES))
    onsets[::8] = 0.5
    chords = np.zeros((n_steps, len(CHORD_LABELS)))
    chords[:, CHORD_LABELS.index("F#:maj")], chords[:, CHORD_LABELS.index("G:maj")] = 0.9, 0.1
    probabilities = np.hstack([sounding, onsets, chords])

    def pitch_classes(roll):
        return set(((np.nonzero(roll)[1] + PITCH_LOW) % 12).tolist())

    assert pitch_classes(decode(config, probabilities)) <= {6, 10, 1}                  # F# major
    in_c = np.where(diatonic_chord_mask(0, "maj"), 1.0, 0.0)
    assert pitch_classes(decode(config, probabilities, chord_prior=in_c)) <= {7, 11, 2}  # G major, diatonic in C

    _, drums = load_part_model("percussion", "aligned")
    quiet = np.zeros((n_steps, 2 * N_PITCHES + len(CHORD_LABELS)))
    quiet[:, N_PITCHES:2 * N_PITCHES] = MIN_DRUM_THRESHOLD / 2   # above many calibrated drum thresholds
    assert not decode(drums, quiet).any()


def test_chords_first_by_default_the_parts_play_the_harmonisers_chords():
    from wav2accomp.models.generate import generate_parts, load_harmony
    from wav2accomp.models.harmoniser import harmonise_melody
    from wav2accomp.symbolic.harmony import chord_masks

    melody = melody_roll()
    downbeats = np.arange(0, len(melody), 16)
    chords = harmonise_melody(load_harmony(), melody, downbeats)
    parts = generate_parts(melody, downbeats, parts=("guitarlike", "stringslike", "bass"))
    given = generate_parts(melody, downbeats, parts=("guitarlike", "stringslike", "bass"), chords=chords)
    assert all(np.array_equal(parts[p], given[p]) for p in parts)           # the same as being given them
    inside = chord_masks()[chords]
    for roll in parts.values():
        assert roll.any() and not (roll > 0)[~inside].any()                # every note a tone of its chord
    network = generate_parts(melody, downbeats, parts=("guitarlike",), harmony="network")
    assert not np.array_equal(network["guitarlike"], parts["guitarlike"])
    paper = generate_parts(melody, downbeats, parts=("guitarlike",), arch="paper")
    assert np.array_equal(paper["guitarlike"], generate_parts(melody, downbeats, parts=("guitarlike",), arch="paper",
                                                              harmony="network")["guitarlike"])
    with pytest.raises(Wav2AccompError, match="unknown harmony source"):
        generate_parts(melody, downbeats, harmony="oracle")
