import numpy as np
import pytest
from mir_eval.transcription import precision_recall_f1_overlap

from wav2accomp.constants import N_PITCHES, ONSET, PITCH_LOW, SUSTAIN
from wav2accomp.evaluation.metrics import (bass_root_agreement, chord_accuracy, chord_tone_ratio, consonance,
                                           drum_family_onset_f1, empty_beat_rate, frame_scores, grid_onset_scores, groove_consistency,
                                           mean_polyphony, pitch_class_entropy)
from wav2accomp.symbolic.roll import roll_note_spans


def notes_roll(notes, n_steps=32):
    """(pitch, start step, end step) -> encoded roll."""
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    for pitch, start, end in notes:
        roll[start:end, pitch - PITCH_LOW] = SUSTAIN
        roll[start, pitch - PITCH_LOW] = ONSET
    return roll


def test_frame_scores():
    ref = notes_roll([(60, 0, 4)])
    est = notes_roll([(60, 2, 6)])
    assert frame_scores(ref, est) == pytest.approx((0.5, 0.5, 0.5))
    assert frame_scores(ref, ref) == (1.0, 1.0, 1.0)
    empty = np.zeros_like(ref)
    assert frame_scores(empty, empty) == (1.0, 1.0, 1.0) and frame_scores(ref, empty)[2] == 0.0


def test_grid_onset_scores_equal_mir_eval():
    rng = np.random.default_rng(0)

    def random_notes():
        return [(int(rng.integers(48, 72)), int(s), int(s) + int(rng.integers(1, 4)))
                for s in rng.integers(0, 60, 40)]

    ref, est = notes_roll(random_notes(), 64), notes_roll(random_notes(), 64)

    def arrays(roll):
        pitches, starts, ends = roll_note_spans(roll)
        return np.column_stack([starts, ends]).astype(float), 440.0 * 2 ** ((pitches - 69) / 12)

    expected = precision_recall_f1_overlap(*arrays(ref), *arrays(est), onset_tolerance=0.4, offset_ratio=None)[:3]
    assert grid_onset_scores(ref, est) == pytest.approx(expected)


def test_chord_accuracy_of_the_annotated_chords():
    beats = np.arange(0, 32, 4)
    roll = notes_roll([(p, 0, 16) for p in (60, 64, 67)] + [(p, 16, 32) for p in (57, 60, 64)])
    starts, ends = np.array([0, 16]), np.array([16, 32])
    assert chord_accuracy(roll, beats, starts, ends, np.array(["C:maj7", "A:min"])) == 1.0
    assert chord_accuracy(roll, beats, starts, ends, np.array(["C:maj", "F:maj"])) == 0.5
    # a label outside the majmin vocabulary is left out
    assert chord_accuracy(roll, beats, starts, ends, np.array(["C:maj", "A:sus4"])) == 1.0


def test_chord_tones_and_consonance():
    melody = notes_roll([(72, 0, 4), (74, 4, 8), (76, 8, 12)])
    chord = notes_roll([(60, 0, 12), (64, 0, 12), (67, 0, 12)])
    assert chord_tone_ratio(melody, chord) == pytest.approx(2 / 3)
    # melody above C, E, G: C = unison +1, minor 6th +1, 4th 0; D = 2nd -1, minor 7th -1, 5th +1;
    # E = major 3rd +1, unison +1, major 6th +1; each for 4 steps, 3 pairs a step
    expected = 4 * ((1 + 1 + 0) + (-1 - 1 + 1) + (1 + 1 + 1)) / (12 * 3)
    assert consonance(melody, chord) == pytest.approx(expected)
    assert np.isnan(chord_tone_ratio(melody, np.zeros_like(melody)))


def test_texture_figures():
    roll = notes_roll([(60, 0, 4), (64, 0, 4), (67, 0, 2), (62, 8, 12)])
    assert mean_polyphony(roll) == pytest.approx((3 + 3 + 2 + 2 + 1 * 4) / 8)
    assert empty_beat_rate(roll, np.arange(0, 32, 4)) == pytest.approx(6 / 8)
    assert pitch_class_entropy(notes_roll([(60, 0, 1), (62, 1, 2), (64, 2, 3), (65, 3, 4)])) == pytest.approx(2.0)
    assert np.isnan(pitch_class_entropy(np.zeros_like(roll)))


def test_groove_consistency():
    steady = notes_roll([(36, s, s + 1) for s in range(0, 64, 4)], 64)
    assert groove_consistency(steady, np.arange(0, 64, 16)) == 1.0
    varied = notes_roll([(36, s, s + 1) for s in (0, 4, 8, 12, 16, 32, 36, 40, 44)], 64)
    # bars: 4 hits, 1 hit, 4 hits, none -> distances 3/16, 3/16, 4/16
    assert groove_consistency(varied, np.arange(0, 64, 16)) == pytest.approx(1 - 10 / 48)
    assert np.isnan(groove_consistency(steady, np.array([0])))


def test_drum_families():
    ref = notes_roll([(36, 0, 1), (38, 4, 5), (42, 0, 1), (42, 2, 3)], 8)
    est = notes_roll([(35, 0, 1), (40, 6, 7), (42, 0, 1)], 8)
    scores = drum_family_onset_f1(ref, est)
    assert scores["kick"] == 1.0 and scores["snare"] == 0.0
    assert scores["hihat/cymbal"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)


def test_waveform_scores():
    from wav2accomp.evaluation.metrics import waveform_scores

    t = np.arange(22050) / 22050
    reference = 0.5 * np.sin(2 * np.pi * 220 * t)
    perfect = waveform_scores(reference, reference)
    assert perfect["mse"] == 0 and perfect["snr_db"] == float("inf") and perfect["lsd_db"] == pytest.approx(0)
    silence = waveform_scores(np.zeros_like(reference), reference)
    assert silence["snr_db"] == pytest.approx(0.0) and silence["mse"] == pytest.approx(0.125, rel=1e-3)
    half = waveform_scores(0.5 * reference, reference)
    assert half["snr_db"] == pytest.approx(6.02, abs=0.01)
    assert 1.0 < half["lsd_db"] <= 6.03 < silence["lsd_db"]   # 6 dB where the tone sounds, 0 at the floor
    assert waveform_scores(-reference, reference)["snr_db"] == pytest.approx(-6.02, abs=0.01)


def test_harmonisation_metrics_of_a_melody_on_its_own_chord():
    from wav2accomp.constants import ONSET, PITCH_LOW
    from wav2accomp.evaluation.metrics import harmonisation_metrics, tonal_centroid
    from wav2accomp.symbolic.chords import chord_index

    melody = np.zeros((32, 78), dtype=np.uint8)
    for step, pitch in zip(range(0, 32, 4), (60, 64, 67, 65, 64, 62, 60, 60)):   # F: a passing tone, D: another
        melody[step, pitch - PITCH_LOW] = ONSET
    chords = np.full(32, chord_index("C"))
    scores = harmonisation_metrics(melody, chords, np.array([0, 16]))
    assert scores["ctnctr"] == 1.0                       # 6 chord tones, 2 non-chord tones a step from one
    assert scores["distinct_chords"] == 1.0 and scores["chord_entropy"] == 0.0
    assert scores["chord_changes_per_bar"] == 0.0
    # melody minus chord tone, mod 12: C scores 1 1 0 (G lies a fourth below), E and G 1 1 1, F 0 -1 -1, D -1 -1 1
    assert scores["pcs"] == pytest.approx((3 * 2 + 2 * 3 + 3 - 2 - 1) / 24)
    assert np.allclose(tonal_centroid([0]), tonal_centroid([0, 0]))
    assert scores["mctd"] > 0


def test_bass_root_agreement_hears_each_beats_lowest_note():
    from wav2accomp.symbolic.chords import chord_index
    from wav2accomp.symbolic.harmony import NO_CHORD

    # beats of 4 steps: C root; G over C (a fifth); silence; E under C-chord's... its third; root after a rest
    roll = notes_roll([(36, 0, 4), (43, 4, 8), (40, 12, 16), (48, 18, 20), (36, 17, 20)])
    chords = np.repeat([chord_index("C")] * 5, 4)
    assert bass_root_agreement(roll, chords, np.arange(0, 20, 4)) == pytest.approx(2 / 4)  # the silent beat left out
    chords[:4] = NO_CHORD
    assert bass_root_agreement(roll, chords, np.arange(0, 20, 4)) == pytest.approx(1 / 3)
    assert np.isnan(bass_root_agreement(np.zeros_like(roll), chords, np.arange(0, 20, 4)))
