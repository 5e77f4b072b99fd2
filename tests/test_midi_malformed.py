"""Damaged MIDI files: read as far as they are sound, or refused with one sentence."""
import struct

import pytest
from conftest import make_midi, name, tune

from wav2accomp.errors import MidiReadError
from wav2accomp.symbolic.midi_io import read_midi


@pytest.fixture
def sound_file(tmp_path):
    return make_midi(tmp_path / "sound.mid", [[name("Piano")] + tune([60, 62, 64, 65, 67]),
                                              [name("Melody")] + tune([72, 74, 76])])


def _chunks(data: bytes):
    """(offset of each MTrk header, its declared size)."""
    pos, out = 14, []
    while pos < len(data):
        size = struct.unpack(">L", data[pos + 4:pos + 8])[0]
        out.append((pos, size))
        pos += 8 + size
    return out


def test_truncated_file_keeps_the_notes_before_the_cut(tmp_path, sound_file):
    data = sound_file.read_bytes()
    second_track = _chunks(data)[1][0]
    path = tmp_path / "truncated.mid"
    path.write_bytes(data[:second_track + 8 + 15])  # mid-way through the second track
    song = read_midi(path)
    assert len(song.parts[0].notes) == 5
    assert song.warnings


def test_wrong_chunk_sizes_are_mended(tmp_path, sound_file):
    data = bytearray(sound_file.read_bytes())
    first, size = _chunks(bytes(data))[0]
    for wrong in (size + 1000, size - 7):
        data[first + 4:first + 8] = struct.pack(">L", wrong)
        path = tmp_path / f"size{wrong}.mid"
        path.write_bytes(bytes(data))
        song = read_midi(path)
        assert song.warnings
        assert sum(len(p.notes) for p in song.parts) >= 7  # the second track is still found


def test_missing_end_of_track_is_harmless(tmp_path, sound_file):
    data = sound_file.read_bytes().replace(b"\x00\xff\x2f\x00", b"")
    out = bytearray(data[:14])  # rewrite the chunk sizes of the shortened tracks
    rest = data[14:]
    while rest:
        size = struct.unpack(">L", rest[4:8])[0] - 4
        out += rest[:4] + struct.pack(">L", size) + rest[8:8 + size]
        rest = rest[8 + size:]
    path = tmp_path / "no_eot.mid"
    path.write_bytes(bytes(out))
    song = read_midi(path)
    assert [len(p.notes) for p in song.parts] == [5, 3]


def test_invalid_data_byte_stops_the_track_with_a_warning(tmp_path, sound_file):
    data = bytearray(sound_file.read_bytes())
    index = data.index(bytes([0x90, 64]))  # the third note-on of the first track
    data[index + 2] = 0xC8  # velocity 200
    path = tmp_path / "bad_byte.mid"
    path.write_bytes(bytes(data))
    song = read_midi(path)
    assert [n.pitch for n in song.parts[0].notes][:2] == [60, 62]
    assert any("data byte" in w for w in song.warnings)
    assert sum(len(p.notes) for p in song.parts if p.track == 1) == 3


@pytest.mark.parametrize("content", [b"", b"RIFF....WAVEfmt ", b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x00\x00"])
def test_not_midi_raises_one_sentence(tmp_path, content):
    path = tmp_path / "bad.mid"
    path.write_bytes(content)
    with pytest.raises(MidiReadError) as error:
        read_midi(path)
    assert "\n" not in str(error.value) and str(path) in str(error.value)


def test_missing_file_raises(tmp_path):
    with pytest.raises(MidiReadError, match="cannot read"):
        read_midi(tmp_path / "nope.mid")


def test_a_damaged_data_byte_is_clipped_a_zero_tempo_named_and_an_rmid_file_unwrapped(tmp_path):
    import struct

    from conftest import make_midi, name, tune

    from wav2accomp.symbolic.midi_io import read_midi, read_midi_bytes

    path = make_midi(tmp_path / "m.mid", [[name("Melody")] + tune([60, 62, 64, 65] * 4)], midi_type=0)
    data = bytearray(path.read_bytes())
    first_on = data.index(bytes([0x90, 60]))
    data[first_on + 2] = 0xC8                                        # velocity 200: a damaged data byte
    song = read_midi_bytes(bytes(data))
    assert len(song.parts[0].notes) == 16 and song.parts[0].notes[0].velocity == 127
    assert any("clipped to 127" in w for w in song.warnings)
    tempo_zero = make_midi(tmp_path / "t.mid", [[__import__("mido").MetaMessage("set_tempo", tempo=0),
                                                  name("Melody")] + tune([60, 62] * 4)])
    assert any("tempo events of 0" in w for w in read_midi(tempo_zero).warnings)
    smf = path.read_bytes()
    chunk = b"data" + struct.pack("<L", len(smf)) + smf + (b"\0" if len(smf) % 2 else b"")
    rmid = b"RIFF" + struct.pack("<L", 4 + len(chunk)) + b"RMID" + chunk
    assert len(read_midi_bytes(rmid).parts[0].notes) == 16
