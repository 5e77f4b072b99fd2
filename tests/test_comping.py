"""Chords first: comping models learn a rhythm and voicing from real parts and play exactly the chords given."""
import numpy as np
import pytest

from wav2accomp.constants import BAR_POSITIONS, N_PITCHES, ONSET, PITCH_LOW
from wav2accomp.errors import Wav2AccompError
from wav2accomp.models.comping import (CompingModel, chord_notes, comp, fit_comping, load_comping, save_comping,
                                       train_comping)
from wav2accomp.models.dataset import load_part_songs
from wav2accomp.models.generate import load_comper
from wav2accomp.symbolic.chords import chord_index
from wav2accomp.symbolic.harmony import NO_CHORD, fold_to_pitch_classes, steps_to_chords
from wav2accomp.symbolic.roll import onset_cells


def quiet_melody(n_bars: int) -> np.ndarray:
    roll = np.zeros((n_bars * BAR_POSITIONS, N_PITCHES), dtype=np.uint8)
    roll[::4, 72 - PITCH_LOW] = ONSET
    return roll


def test_a_part_learned_from_the_corpus_plays_its_rhythm_and_the_triads(tiny_cache):
    songs = load_part_songs(tiny_cache, "guitarlike", "train")
    model = fit_comping(songs)
    assert "".join(".-x"[v] for v in model.rhythms[model.rhythm_table[1, 1]]) == "x---x---x---x---"
    assert {o % 12 for o in model.voicing[0]} == {0, 4, 7} and {o % 12 for o in model.voicing[1]} == {0, 3, 7}
    assert 50 < model.center < 70


def test_the_part_plays_exactly_the_given_chords(tiny_cache):
    model = load_comper("guitarlike")
    n_bars = 8
    chords = np.repeat([chord_index(c) for c in ("C", "G", "Am", "F", "Dm", "E", "N", "C")], BAR_POSITIONS)
    roll = comp(model, quiet_melody(n_bars), np.arange(n_bars) * BAR_POSITIONS, chords, bpm=100)
    heard = steps_to_chords(roll > 0, 4)
    sounding = (roll > 0).any(axis=1)
    assert np.array_equal(heard[sounding], chords[sounding])
    assert not roll[6 * BAR_POSITIONS:7 * BAR_POSITIONS].any()                  # no chord, no notes
    assert sounding.mean() > 0.8                                                # it plays
    assert (fold_to_pitch_classes(roll[:BAR_POSITIONS] > 0) > 0).any(axis=0).sum() == 3   # C E G only


def test_a_chord_change_under_a_held_stroke_is_struck_anew():
    model = CompingModel(np.array([[2] + [1] * 15], dtype=np.uint8), np.zeros((3, 3), dtype=int),
                         np.array([[0, 4, 7], [0, 3, 7]]), 60.0)
    chords = np.array([chord_index("C")] * 6 + [chord_index("F")] * 10)
    roll = comp(model, quiet_melody(1), np.array([0]), chords, bpm=120)
    onsets = onset_cells(roll).any(axis=1)
    assert onsets[0] and onsets[6] and onsets.sum() == 2
    assert set(chord_notes(model, chord_index("F")) - PITCH_LOW) == set(np.flatnonzero(roll[6]))
    assert chord_notes(model, NO_CHORD).size == 0


def test_models_survive_their_files_and_broken_files_are_refused(tmp_path):
    model = load_comper("stringslike")
    save_comping(model, tmp_path / "c")
    again = load_comping(tmp_path / "c")
    assert np.array_equal(again.rhythms, model.rhythms) and again.center == model.center
    (tmp_path / "c.npz").write_bytes(b"junk")
    with pytest.raises(Wav2AccompError, match="cannot read the comping model"):
        load_comping(tmp_path / "c")
    np.savez(tmp_path / "d.npz", rhythms=model.rhythms, rhythm_table=model.rhythm_table + 10 ** 6,
             voicing=model.voicing)
    (tmp_path / "d.json").write_text((tmp_path / "c.json").read_text())
    with pytest.raises(Wav2AccompError, match="does not fit"):
        load_comping(tmp_path / "d")


def test_train_comping_then_accompany_plays_the_users_chords(tiny_cache, tmp_path):
    from conftest import make_midi, name, tune

    from wav2accomp.cli import main
    from wav2accomp.symbolic.midi_io import read_midi
    from wav2accomp.symbolic.roll import notes_to_roll

    written = train_comping(tiny_cache, tmp_path, progress=False)
    assert set(written) == {"guitarlike", "stringslike"}
    melody = make_midi(tmp_path / "melody.mid", [[name("Melody")] + tune([64, 65, 67, 69, 67, 65, 64, 62] * 4)])
    out = tmp_path / "band.mid"
    assert main(["accompany", str(melody), "-o", str(out), "--parts", "piano", "strings", "--chords", "Am F C G",
                 "--model-dir", str(tmp_path)]) == 0
    song = read_midi(out)
    for part in song.parts[1:]:
        roll = notes_to_roll(part.notes, 4 * BAR_POSITIONS)     # the melody: 32 eighths, 4 bars
        for bar, label in enumerate(("Am", "F", "C", "G")):      # each bar sounds its chord's root and only its tones
            chord = chord_index(label)
            heard = {(row + 24) % 12 for row in np.flatnonzero((roll[bar * 16:(bar + 1) * 16] > 0).any(axis=0))}
            triad = {(chord % 12 + i) % 12 for i in ((0, 3, 7) if chord >= 12 else (0, 4, 7))}
            assert chord % 12 in heard and heard <= triad, (part.name, label, heard)
