import mir_eval
import numpy as np

from wav2accomp.constants import N_PITCHES, PITCH_LOW
from wav2accomp.symbolic.harmony import (beat_spans, chord_templates, estimate_key, fold_to_pitch_classes, labels_at,
                                         pitch_class_histogram, profiles_per_span, recognise_chords)


def roll_of(pitches, n_steps=4):
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    roll[:, [p - PITCH_LOW for p in pitches]] = 1
    return roll


def test_pitch_class_folding_counts_every_octave():
    folded = fold_to_pitch_classes(roll_of([36, 48, 64]) > 0)
    assert folded.shape == (4, 12)
    assert folded[0, 0] == 2 and folded[0, 4] == 1 and folded[0].sum() == 3


def tune_of(pitches):
    roll = np.zeros((len(pitches), N_PITCHES), dtype=np.uint8)
    roll[np.arange(len(pitches)), [p - PITCH_LOW for p in pitches]] = 1
    return roll


def test_key_of_scales():
    c_major = tune_of([60, 62, 64, 65, 67, 69, 71, 60, 64, 67, 60])
    assert estimate_key(pitch_class_histogram(c_major > 0)) == (0, "maj")
    a_minor = tune_of([57, 59, 60, 62, 64, 65, 67, 57, 60, 64, 57, 69, 64, 57])
    assert estimate_key(pitch_class_histogram(a_minor > 0)) == (9, "min")
    assert estimate_key(np.zeros(12)) == (0, "maj")


def test_templates_recognise_their_own_triads_and_mir_eval_agrees():
    labels, templates = chord_templates()
    assert len(labels) == 24 and templates.shape == (24, 12)
    assert recognise_chords(templates) == labels
    assert recognise_chords(np.zeros((1, 12))) == ["N"]
    # a C major seventh still reads as C major under majmin
    seventh = np.zeros((1, 12))
    seventh[0, [0, 4, 7, 11]] = 1
    estimate = recognise_chords(seventh)
    assert mir_eval.chord.majmin(["C:maj7"], estimate)[0] == 1.0


def test_beat_spans_and_profiles():
    spans = beat_spans(np.array([0, 4, 8, 8, 20]), 12)
    assert spans.tolist() == [[0, 4], [4, 8], [8, 12]]
    roll = np.zeros((12, N_PITCHES), dtype=bool)
    roll[0:4, 60 - PITCH_LOW] = True
    roll[4:6, 67 - PITCH_LOW] = True
    profiles = profiles_per_span(roll, spans)
    assert profiles[0, 0] == 4 and profiles[1, 7] == 2 and profiles[2].sum() == 0


def test_labels_at_steps():
    labels = labels_at(np.array([0, 5, 10, 30]), np.array([0, 8]), np.array([8, 16]), np.array(["C:maj", "A:min"]))
    assert labels == ["C:maj", "C:maj", "A:min", "N"]


def test_annotated_labels_reduce_to_the_model_vocabulary():
    from wav2accomp.symbolic.harmony import CHORD_LABELS, NO_CHORD, label_index
    assert CHORD_LABELS[label_index("G:maj7")] == "G:maj" and CHORD_LABELS[label_index("E:min7")] == "E:min"
    assert label_index("N") == NO_CHORD and label_index("C:sus4") == -1 and label_index("nonsense") == -1


def test_song_chords_prefer_annotations_and_transpose():
    from wav2accomp.symbolic.harmony import CHORD_LABELS, NO_CHORD, song_chords, transpose_chords
    part = np.zeros((16, N_PITCHES), dtype=np.uint8)
    part[:, [60 - PITCH_LOW, 64 - PITCH_LOW, 67 - PITCH_LOW]] = 1  # C major throughout
    assert {CHORD_LABELS[c] for c in song_chords(part, 4)} == {"C:maj"}
    annotated = song_chords(part, 4, np.array([0, 8]), np.array([8, 16]), np.array(["A:min", "C:sus4"]))
    assert [CHORD_LABELS[c] for c in annotated[[0, 7, 8, 15]]] == ["A:min", "A:min", "C:maj", "C:maj"]
    moved = transpose_chords(np.array([0, 12 + 9, NO_CHORD]), 5)
    assert [CHORD_LABELS[c] for c in moved] == ["F:maj", "D:min", "N"]
