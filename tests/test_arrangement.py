"""accompany(): recording or MIDI melody -> an arrangement that writes MIDI, audio and a picture."""
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile
from conftest import make_midi, name, program, tune

from wav2accomp.arrangement import accompany, melody_from_midi, resolve_parts
from wav2accomp.audio.transcribe import NoMelodyError
from wav2accomp.constants import ACCOMPANIMENT_CLASSES, BAND_PARTS, DRUM_CHANNEL, GUITARLIKE, MELODY, PERCUSSION, STRINGSLIKE
from wav2accomp.errors import Wav2AccompError
from wav2accomp.symbolic.midi_io import read_midi
from wav2accomp.testing.singer import sing, tune_notes

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SR = 22050


@pytest.fixture(scope="module")
def hum_arrangement():
    return accompany(SAMPLES / "hum_ode_to_joy.flac", seed=3)


def test_the_package_offers_accompany():
    import wav2accomp

    assert wav2accomp.accompany is accompany and "accompany" in wav2accomp.__all__
    with pytest.raises(AttributeError):
        wav2accomp.not_a_thing


def test_part_names_and_aliases():
    assert resolve_parts(["drums", "piano", "strings"]) == ACCOMPANIMENT_CLASSES
    assert resolve_parts(["Guitar", "guitarlike", "percussion"]) == (GUITARLIKE, PERCUSSION)
    assert resolve_parts("strings") == (STRINGSLIKE,)
    assert resolve_parts(["drums", "Bass"]) == (PERCUSSION, "bass")
    with pytest.raises(Wav2AccompError, match="unknown part 'tuba'"):
        resolve_parts(["drums", "tuba"])
    with pytest.raises(Wav2AccompError, match="no part"):
        resolve_parts([])


def test_a_hum_gets_every_part_inside_its_duration(hum_arrangement):
    arrangement = hum_arrangement
    assert list(arrangement.parts) == list(BAND_PARTS)
    song = arrangement.to_song()
    assert [p.name for p in song.parts] == [MELODY, *BAND_PARTS]
    assert [p.channel for p in song.parts][1] == DRUM_CHANNEL
    for part in song.parts:
        assert part.notes, part.name
        assert min(n.start for n in part.notes) >= 0
        assert max(n.end for n in part.notes) <= arrangement.duration + 1e-6
    assert set(arrangement.timings) == {"melody", "generate"}
    assert "BPM" in arrangement.summary() and "(estimated)" in arrangement.summary()


def test_same_seed_same_parts_other_seed_other_parts():
    audio = sing(tune_notes("twinkle", bpm=110), SR)
    first = accompany(audio, SR, seed=5, temperature=0.8)
    again = accompany(audio, SR, seed=5, temperature=0.8)
    other = accompany(audio, SR, seed=6, temperature=0.8)
    assert all(np.array_equal(first.parts[p], again.parts[p]) for p in ACCOMPANIMENT_CLASSES)
    assert any(not np.array_equal(first.parts[p], other.parts[p]) for p in ACCOMPANIMENT_CLASSES)


def test_given_key_is_used_and_written_estimated_key_otherwise(tmp_path):
    audio = sing(tune_notes("twinkle", bpm=110), SR)
    arrangement = accompany(audio, SR, parts=["piano"], key="F# major")
    assert arrangement.key == (6, "maj") and arrangement.key_given
    arrangement.to_midi(tmp_path / "song.mid")
    keys = [m.key for t in mido.MidiFile(tmp_path / "song.mid").tracks for m in t if m.type == "key_signature"]
    assert keys == ["F#"]
    assert accompany(audio, SR, parts=["piano"]).key == (0, "maj")   # twinkle is sung in C
    with pytest.raises(Wav2AccompError, match="not a key"):
        accompany(audio, SR, key="H dorian")


def test_midi_melody_input_with_its_own_or_a_given_tempo(tmp_path):
    path = make_midi(tmp_path / "tune.mid", [
        [name("Lead vocal"), program(73)] + tune([60, 62, 64, 65, 67, 65, 64, 62] * 2),
        [name("Drums")] + tune([36, 38] * 8, channel=9)])
    melody = melody_from_midi(path)
    assert [n.pitch for n in melody.notes][:4] == [60, 62, 64, 65] and melody.recording is None
    slower = melody_from_midi(path, bpm=60)
    assert slower.notes[1].start == pytest.approx(0.5)              # an eighth note at 60 BPM
    arrangement = accompany(path, parts=["drums", "strings"])
    assert set(arrangement.parts) == {PERCUSSION, STRINGSLIKE}
    drums_only = make_midi(tmp_path / "drums.mid", [[name("Drums")] + tune([36, 38] * 8, channel=9)])
    with pytest.raises(NoMelodyError, match="no melody found in"):
        accompany(drums_only)


def test_render_and_plot_write_files(hum_arrangement, tmp_path):
    used = hum_arrangement.render(tmp_path / "mix.wav", engine="builtin", sr=SR)
    data, sr = soundfile.read(tmp_path / "mix.wav")
    assert used == "builtin" and sr == SR and data.shape[1] == 2
    assert abs(len(data) / sr - (hum_arrangement.duration + 1.0)) < 0.05
    assert 0.05 < np.abs(data).max() <= 0.91
    hum_arrangement.plot(tmp_path / "song.png")
    assert (tmp_path / "song.png").read_bytes()[:4] == b"\x89PNG"
    assert {"render", "plot"} <= set(hum_arrangement.timings)


def test_midi_melody_renders_without_a_recording(tmp_path):
    arrangement = accompany(SAMPLES / "ode_to_joy_melody.mid", parts=["piano"])
    arrangement.render(tmp_path / "mix.flac", engine="builtin", sr=SR)
    data, _ = soundfile.read(tmp_path / "mix.flac")
    assert np.sqrt(np.mean(data ** 2)) > 0.01
    assert read_midi(SAMPLES / "ode_to_joy_melody.mid").parts[0].notes
