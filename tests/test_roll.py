import numpy as np
import pytest
from conftest import shared

from wav2accomp.constants import ONSET, SUSTAIN
from wav2accomp.evaluation.metrics import grid_onset_f1
from wav2accomp.symbolic.classify import classify_parts
from wav2accomp.symbolic.midi_io import Note, read_midi, write_midi
from wav2accomp.symbolic.roll import fold_pitch, n_steps_for, notes_to_roll, parts_to_roll, roll_to_notes, rolls_to_song
from wav2accomp.symbolic.tempo_map import TempoMap


def note(pitch, start, end):
    return Note(pitch, 80, start, end, 0.0, 0.0)


def test_fold_pitch_by_octaves():
    assert list(fold_pitch([10, 24, 60, 101, 102, 127])) == [34, 24, 60, 101, 90, 91]


def test_roll_marks_onsets_and_sustain_and_keeps_repeated_notes_apart():
    roll = notes_to_roll([note(60, 0, 1), note(60, 1, 1.5), note(24, 0.5, 0.5)], 8)
    column = roll[:, 60 - 24]
    assert list(column) == [ONSET, SUSTAIN, SUSTAIN, SUSTAIN, ONSET, SUSTAIN, 0, 0]
    assert roll[2, 0] == ONSET and roll[3, 0] == 0  # a zero-length note still sounds one step


def test_out_of_range_notes_fold_but_drums_outside_gm_are_dropped():
    assert notes_to_roll([note(110, 0, 1)], 4)[0, 98 - 24] == ONSET
    drums = notes_to_roll([note(36, 0, 0.25), note(110, 0, 0.25)], 4, drums=True)
    assert drums[0, 36 - 24] == ONSET and drums.sum() == ONSET


def test_roll_back_to_notes_is_exact_on_the_grid():
    notes = [note(60, 0, 1), note(60, 1, 1.5), note(67, 0.25, 2), note(43, 3, 4)]
    tempo = TempoMap.from_changes([0, 2], [500_000, 1_000_000])
    back = roll_to_notes(notes_to_roll(notes, 16), tempo)
    assert [(n.pitch, n.start_beat, n.end_beat) for n in back] == \
        [(60, 0, 1), (67, 0.25, 2), (60, 1, 1.5), (43, 3, 4)]
    assert back[-1].start == pytest.approx(2 * 0.5 + 1 * 1.0)  # the tempo map gives seconds


def test_grid_follows_beats_not_seconds():
    """A tempo change moves the grid with the notes: a note on beat 4 is on step 16 whatever the tempo."""
    assert notes_to_roll([note(60, 4, 5)], 20)[16, 36] == ONSET


def test_rolls_to_song_uses_class_programs_and_drum_channel(tmp_path):
    rolls = {"melody": notes_to_roll([note(72, 0, 1)], 8), "percussion": notes_to_roll([note(36, 0, .25)], 8),
             "guitarlike": notes_to_roll([note(48, 0, 2)], 8), "stringslike": notes_to_roll([note(60, 0, 2)], 8)}
    song = rolls_to_song(rolls, TempoMap.constant(100))
    write_midi(song, tmp_path / "band.mid")
    parts = {p.name: p for p in read_midi(tmp_path / "band.mid").parts}
    assert parts["percussion"].channel == 9 and parts["guitarlike"].program == 0
    assert parts["stringslike"].program == 48 and parts["melody"].channel != 9
    assert len({p.channel for p in parts.values()}) == 4


def test_pop909_round_trip_reproduces_onsets(tmp_path):
    for folder in sorted(shared("pop909").iterdir())[:8]:
        song = read_midi(folder / f"{folder.name}.mid")
        n_steps = n_steps_for(song.end_beat)
        classes = [a.part_class for a in classify_parts(song.parts, song.end_beat)]
        rolls = {c: parts_to_roll([p], n_steps) for c, p in zip(classes, song.parts)}
        write_midi(rolls_to_song(rolls, song.tempo_map, song.time_signatures), tmp_path / "rt.mid")
        rebuilt = read_midi(tmp_path / "rt.mid")
        again = {p.name: notes_to_roll(p.notes, n_steps) for p in rebuilt.parts}
        for c, part in zip(classes, song.parts):
            assert np.array_equal(again[c], rolls[c])
            assert grid_onset_f1(part.notes, [p for p in rebuilt.parts if p.name == c][0].notes)[2] >= 0.99
