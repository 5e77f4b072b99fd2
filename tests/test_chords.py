"""Chords a user gives: spellings, bars, files, and the parts playing them."""
from pathlib import Path

import numpy as np
import pytest

from wav2accomp.errors import Wav2AccompError
from wav2accomp.symbolic.chords import (bars_to_steps, changes_to_steps, chord_index, given_chord_prior,
                                        parse_chord_text, read_chords_file)
from wav2accomp.symbolic.harmony import CHORD_LABELS, NO_CHORD

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize("label,triad", [("C", "C:maj"), ("Am", "A:min"), ("Bb7", "Bb:maj"), ("F#m7b5", "F#:min"),
                                         ("Gmaj7", "G:maj"), ("Dsus4", "D:maj"), ("E/G#", "E:maj"), ("A:min", "A:min"),
                                         ("Eb:min7", "Eb:min"), ("c#m", "C#:min"), ("Bdim", "B:min"), ("N", "N")])
def test_usual_spellings(label, triad):
    assert CHORD_LABELS[chord_index(label)] == triad


@pytest.mark.parametrize("label", ["H", "X7", "C:foo", "", "Cmaj13#11x"])
def test_an_unreadable_label_is_named(label):
    with pytest.raises(Wav2AccompError, match="not a chord"):
        chord_index(label)


def test_bars_of_chords_repeat_and_split():
    bars = parse_chord_text("C | G Am | F")
    assert bars == [[0], [7, 21], [5]]
    assert parse_chord_text("C G Am F") == [[0], [7], [21], [5]]
    steps = bars_to_steps(bars, np.array([0, 16, 32, 48]), 64)   # three bars given, four in the song
    assert steps[:16].tolist() == [0] * 16 and steps[16:24].tolist() == [7] * 8 and steps[24:32].tolist() == [21] * 8
    assert steps[32:48].tolist() == [5] * 16 and steps[48:].tolist() == [0] * 16   # repeated from the first bar
    pickup = bars_to_steps([[0], [7]], np.array([0, 6, 22]), 38)   # a 6-step pickup plays the first chord
    assert pickup[:22].tolist() == [0] * 22 and pickup[22:].tolist() == [7] * 16
    with pytest.raises(Wav2AccompError, match="no chords"):
        parse_chord_text(" | ")


def test_chord_files_in_seconds_bars_and_pop909s_format(tmp_path):
    (tmp_path / "a.txt").write_text("# intro\n0.0 C\n2.0 G\nbar 3 Am\n")
    (tmp_path / "b.txt").write_text("0.000 1.000 N\n1.000 3.000 F:maj\n")
    (tmp_path / "bad.txt").write_text("0 C\nsoon G\n")
    to_steps = lambda seconds: seconds * 8   # 120 BPM: 8 steps a second
    a = changes_to_steps(read_chords_file(tmp_path / "a.txt"), np.array([0, 16, 32]), 48, to_steps)
    assert a[:16].tolist() == [0] * 16 and a[16:32].tolist() == [7] * 16 and a[32:].tolist() == [21] * 16
    b = changes_to_steps(read_chords_file(tmp_path / "b.txt"), np.array([0, 16]), 32, to_steps)
    assert b[:8].tolist() == [NO_CHORD] * 8 and b[8:].tolist() == [5] * 24
    with pytest.raises(Wav2AccompError, match="bad.txt, line 2"):
        read_chords_file(tmp_path / "bad.txt")


def test_the_prior_fixes_the_chord_and_leaves_no_chord_free():
    prior = given_chord_prior(np.array([0, NO_CHORD]))
    assert prior[0].tolist() == [1.0] + [0.0] * 24 and prior[1].min() == 1.0


def test_the_pitched_parts_play_the_given_chords():
    import wav2accomp
    from wav2accomp.symbolic.harmony import chord_masks

    song = wav2accomp.accompany(SAMPLES / "ode_to_joy_melody.mid", parts=["piano", "strings"], chords="C F | G C")
    assert song.chords is not None and "your chords" in song.summary()
    for roll in song.parts.values():
        steps, rows = np.nonzero(roll > 0)
        assert len(steps) > 20
        assert chord_masks()[song.chords[steps], rows].all()   # every sounding note is a tone of that step's chord
    with pytest.raises(Wav2AccompError, match="not both"):
        wav2accomp.accompany(SAMPLES / "ode_to_joy_melody.mid", chords="C", chords_file="x.txt")


def test_chord_symbols_where_the_chords_change():
    from wav2accomp.symbolic.chords import chord_changes, chord_symbol

    assert [chord_symbol(chord_index(c)) for c in ("C", "A:min", "Bb7", "F#m7b5", "N")] == ["C", "Am", "Bb", "F#m",
                                                                                          "N.C."]
    steps = np.repeat([chord_index("C"), chord_index("Am"), chord_index("Am"), NO_CHORD], 8)
    assert chord_changes(steps) == [(0, "C"), (8, "Am"), (24, "N.C.")]
    assert chord_changes(np.zeros(0, int)) == []


def test_the_chords_are_written_as_markers_and_said_to_be_yours_only_when_they_are(tmp_path):
    import mido

    import wav2accomp

    given = wav2accomp.accompany(SAMPLES / "ode_to_joy_melody.mid", parts=["piano"], chords="C F | G C")
    given.to_midi(tmp_path / "given.mid")
    markers = [m.text for m in mido.MidiFile(tmp_path / "given.mid").tracks[0] if m.type == "marker"]
    assert markers[:6] == ["C", "F", "G", "C", "F", "G"]     # bar 1: C F, bar 2: G C, repeated (C held over)
    chosen = wav2accomp.accompany(SAMPLES / "ode_to_joy_melody.mid", parts=["piano", "bass"])
    assert chosen.chords is not None and not chosen.chords_given and "your chords" not in chosen.summary()
    assert [step for step, _ in chosen.chord_symbols()][0] == 0 and len(chosen.chord_symbols()) > 2
    chosen.to_midi(tmp_path / "chosen.mid")
    written = [m.text for m in mido.MidiFile(tmp_path / "chosen.mid").tracks[0] if m.type == "marker"]
    assert written == [symbol for _, symbol in chosen.chord_symbols()]
    network = wav2accomp.accompany(SAMPLES / "ode_to_joy_melody.mid", parts=["piano"], harmony="network")
    assert network.chords is None and network.chord_symbols() == []
    chosen.plot(tmp_path / "chosen.png")
    assert (tmp_path / "chosen.png").stat().st_size > 1000
