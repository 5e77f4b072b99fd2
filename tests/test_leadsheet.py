"""The lead sheet: MusicXML that music21 reads back with every melody note and every chord symbol."""
from pathlib import Path

import numpy as np
import pytest

from wav2accomp.symbolic.leadsheet import key_fifths, lead_sheet_xml, notated_pieces

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_notated_pieces_and_key_signatures():
    assert [p[0] for p in notated_pieces(5)] == [4, 1] and notated_pieces(6) == [(6, "quarter", True)]
    assert sum(p[0] for p in notated_pieces(23)) == 23
    assert key_fifths(0, "maj") == 0 and key_fifths(9, "min") == 0 and key_fifths(7, "maj") == 1
    assert key_fifths(5, "maj") == -1 and key_fifths(2, "min") == -1


def test_notes_across_bar_lines_and_chord_changes_are_tied_and_read_back():
    music21 = pytest.importorskip("music21")
    melody = [(72, 0, 4), (74, 12, 22), (76, 22, 24), (60, 40, 41)]   # C5 beat 1; D5 over the bar line
    chords = np.repeat([0, 7, 9 + 12], 16)                                # C | G | Am
    score = music21.converter.parse(lead_sheet_xml(melody, chords, n_steps=48, tonic=0, mode="maj", bpm=90),
                                    format="musicxml")
    notes = [n for n in score.recurse().notes if not isinstance(n, music21.harmony.ChordSymbol)]
    heads = [n for n in notes if n.tie is None or n.tie.type == "start"]
    assert [(n.pitch.midi, float(n.getOffsetInHierarchy(score)) * 4) for n in heads] == \
        [(p, s) for p, s, _ in melody]
    symbols = list(score.recurse().getElementsByClass(music21.harmony.ChordSymbol))
    assert [s.figure for s in symbols] == ["C", "G", "Am"]
    assert sum(n.quarterLength for n in notes if n.pitch.midi == 74) == pytest.approx(2.5)


def test_an_arrangement_writes_its_lead_sheet(tmp_path):
    music21 = pytest.importorskip("music21")
    from wav2accomp.arrangement import accompany

    arrangement = accompany(SAMPLES / "ode_to_joy.mid", parts=["piano"])
    arrangement.lead_sheet(tmp_path / "ode.musicxml")
    score = music21.converter.parse(tmp_path / "ode.musicxml")
    notes = [n for n in score.recurse().notes if not isinstance(n, music21.harmony.ChordSymbol)]
    heads = [n for n in notes if n.tie is None or n.tie.type == "start"]
    assert [n.pitch.midi for n in heads] == [n.pitch for n in arrangement.melody.notes]
    onsets = [float(n.getOffsetInHierarchy(score)) for n in heads]
    assert onsets == pytest.approx([n.start_beat - arrangement.melody.grid_offset for n in arrangement.melody.notes])
    symbols = list(score.recurse().getElementsByClass(music21.harmony.ChordSymbol))
    assert len(symbols) == len(arrangement.chord_symbols())
    assert score.recurse().getElementsByClass(music21.key.KeySignature)[0].sharps == 2   # D major
