import mido
import pytest
from conftest import make_midi, name, off, on, program, shared, tune

from wav2accomp.symbolic.midi_io import Note, Part, Song, read_midi, write_midi
from wav2accomp.symbolic.tempo_map import TempoMap, TimeSignature


def test_format0_channels_become_parts_with_their_programs(tmp_path):
    messages = [name("My Song"), program(33, channel=1), program(0, channel=9)]
    messages += [on(40, channel=1), on(36, channel=9), off(40, 480, channel=1), off(36, 0, channel=9)]
    song = read_midi(make_midi(tmp_path / "f0.mid", [messages], midi_type=0))
    parts = {p.channel: p for p in song.parts}
    assert set(parts) == {1, 9}
    assert parts[1].program == 33 and not parts[1].is_drum
    assert parts[9].is_drum
    assert all(p.name == "" and p.track_name == "My Song" for p in song.parts)  # a mixed track names no part


def test_tempo_changes_give_seconds_and_beats(tmp_path):
    conductor = [mido.MetaMessage("set_tempo", tempo=500_000),
                 mido.MetaMessage("time_signature", numerator=3, denominator=4),
                 mido.MetaMessage("set_tempo", tempo=1_000_000, time=4 * 480),
                 mido.MetaMessage("time_signature", numerator=6, denominator=8, time=0)]
    notes = [name("Piano"), on(60, 6 * 480), off(60, 480)]
    song = read_midi(make_midi(tmp_path / "tempo.mid", [conductor, notes]))
    note = song.parts[0].notes[0]
    assert (note.start_beat, note.end_beat) == (6, 7)
    assert (note.start, note.end) == pytest.approx((4.0, 5.0))
    assert [(s.beat, s.numerator, s.denominator) for s in song.time_signatures] == [(0, 3, 4), (4, 6, 8)]


def test_velocity_zero_is_note_off_and_same_pitch_overlaps_pair_first_in_first_out(tmp_path):
    messages = [on(60), on(60, 240), mido.Message("note_on", note=60, velocity=0, time=240), off(60, 240)]
    song = read_midi(make_midi(tmp_path / "overlap.mid", [messages]))
    spans = [(n.start_beat, n.end_beat) for n in song.parts[0].notes]
    assert spans == [(0, 1), (0.5, 1.5)]


def test_notes_never_released_are_closed_at_the_end_with_a_warning(tmp_path):
    messages = [on(60), on(64, 480), off(64, 480), mido.MetaMessage("text", text="x", time=960)]
    song = read_midi(make_midi(tmp_path / "open.mid", [messages]))
    notes = {n.pitch: n for n in song.parts[0].notes}
    assert notes[60].end_beat == 4 and notes[64].end_beat == 2
    assert any("never released" in w for w in song.warnings)


def test_program_changes_split_parts_and_apply_across_tracks(tmp_path):
    setup = [program(40, channel=2)]  # a format-1 setup track sets channel 3's program
    player = [name("Strings")] + tune([60, 62], channel=2) + [program(56, channel=2)] + tune([64], channel=2)
    song = read_midi(make_midi(tmp_path / "programs.mid", [setup, player]))
    assert [(p.program, len(p.notes), p.name) for p in song.parts] == [(40, 2, "Strings"), (56, 1, "Strings")]


def test_smpte_division_is_placed_on_a_120_bpm_grid(tmp_path):
    path = make_midi(tmp_path / "smpte.mid", [tune([60])], ticks_per_beat=480)
    data = bytearray(path.read_bytes())
    data[12:14] = (-25 << 8 | 40).to_bytes(2, "big", signed=True)  # 25 fps x 40 ticks = 1000 ticks/s
    path.write_bytes(bytes(data))
    note = read_midi(path).parts[0].notes[0]
    assert (note.start, note.end) == pytest.approx((0.0, 0.24))


def test_written_song_reads_back_the_same(tmp_path):
    tempo = TempoMap.from_changes([0, 8], [600_000, 400_000])
    notes = [Note(60, 100, 0, 1, 0, 0), Note(64, 90, 7.5, 9, 0, 0)]
    drums = [Note(36, 110, 0, 0.25, 0, 0)]
    song = Song([Part("lead", 73, 0, notes=notes), Part("kit", 0, 9, notes=drums)], tempo,
                [TimeSignature(0, 3, 4)], 12)
    write_midi(song, tmp_path / "out.mid")
    back = read_midi(tmp_path / "out.mid")
    assert [(p.name, p.program, p.channel) for p in back.parts] == [("lead", 73, 0), ("kit", 0, 9)]
    assert [(n.pitch, n.velocity, n.start_beat, n.end_beat) for n in back.parts[0].notes] == \
        [(60, 100, 0, 1), (64, 90, 7.5, 9)]
    assert back.parts[0].notes[1].start == pytest.approx(8 * 0.6 - 0.5 * 0.6)
    assert (back.time_signatures[0].numerator, back.time_signatures[0].denominator) == (3, 4)
    assert mido.MidiFile(tmp_path / "out.mid").type == 1


def test_writer_cuts_a_note_where_the_next_one_of_its_pitch_starts(tmp_path):
    notes = [Note(60, 80, 0, 4, 0, 0), Note(60, 80, 1, 2, 0, 0)]
    write_midi(Song([Part("p", 0, 0, notes=notes)], TempoMap.constant(), [], 4), tmp_path / "cut.mid")
    back = read_midi(tmp_path / "cut.mid").parts[0].notes
    assert [(n.start_beat, n.end_beat) for n in back] == [(0, 1), (1, 2)]


def test_failed_write_leaves_nothing_behind(tmp_path):
    song = Song([Part("p", 0, 0, notes=[Note(60, 80, 0, 1, 0, 0)])], TempoMap.constant(), [], 1)
    with pytest.raises(Exception):
        write_midi(song, tmp_path / "missing-folder" / "x.mid")
    assert not list(tmp_path.rglob("*.mid*"))


def test_reads_a_pop909_song():
    song = read_midi(shared("pop909") / "001" / "001.mid")
    assert [p.name for p in song.parts] == ["MELODY", "BRIDGE", "PIANO"]
    assert all(len(p.notes) > 100 for p in song.parts)
    assert song.tempo_map.bpm_at(0) == pytest.approx(90, abs=0.1)
    assert 150 < song.end < 250 and not song.warnings
