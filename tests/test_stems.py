"""Stems: the folder convention, loading, and stems rendered from MIDI."""
import numpy as np
import pytest
import soundfile
from conftest import band_song

from wav2accomp.data.corpus import split_for
from wav2accomp.data.stems import find_stem_songs, is_melody_stem, load_stem_song, render_song_stems, render_stems
from wav2accomp.errors import Wav2AccompError

SR = 22050


def write_stem(path, seconds: float, hz: float = 0.0, sr: int = SR):
    t = np.arange(int(seconds * sr)) / sr
    soundfile.write(path, 0.3 * np.sin(2 * np.pi * hz * t) if hz else np.zeros_like(t), sr)


def test_melody_stem_keywords():
    assert all(is_melody_stem(n) for n in ("vocals", "Lead Vocal", "melody", "voice_take2", "VOX"))
    assert not any(is_melody_stem(n) for n in ("drums", "bass", "piano", "mix"))
    assert is_melody_stem("flute", keywords=("flute",))


def test_folder_convention_and_skips(tmp_path):
    root = tmp_path / "stems"
    for song, stems in {"good": ("vocals.wav", "bass.wav", "drums.flac", "mix.wav"),
                        "no_melody": ("bass.wav", "drums.wav"), "two_voices": ("vocals.wav", "voice.wav", "bass.wav"),
                        "alone": ("vocals.wav",), "empty": ()}.items():
        (root / song).mkdir(parents=True)
        for stem in stems:
            write_stem(root / song / stem, 1.0, 220.0)
    songs, skipped = find_stem_songs(root)
    assert [s.name for s in songs] == ["good"]
    assert songs[0].melody.name == "vocals.wav"
    assert sorted(p.name for p in songs[0].accompaniment) == ["bass.wav", "drums.flac"]   # the premix is not summed
    assert songs[0].midi is None and songs[0].split == split_for("good")
    reasons = {s["song"]: s["reason"] for s in skipped}
    assert "no melody stem" in reasons["no_melody"] and "several melody stems" in reasons["two_voices"]
    assert "no accompaniment" in reasons["alone"] and "no audio stems" in reasons["empty"]
    with pytest.raises(Wav2AccompError, match="not found"):
        find_stem_songs(tmp_path / "missing")
    songs, skipped = find_stem_songs(root, keywords=["bass"])   # the keyword table overridden
    assert [(s.name, s.melody.name) for s in songs] == [("good", "bass.wav"), ("no_melody", "bass.wav"),
                                                         ("two_voices", "bass.wav")]


def test_loading_sums_resamples_and_pads(tmp_path):
    folder = tmp_path / "song"
    folder.mkdir()
    write_stem(folder / "vocals.wav", 1.0, 440.0, sr=44100)
    write_stem(folder / "bass.wav", 2.0, 110.0)
    write_stem(folder / "keys.wav", 0.5, 330.0)
    write_stem(folder / "silent_fx.wav", 2.0)              # a stem that never plays is allowed
    (song,), _ = find_stem_songs(tmp_path)
    melody, accompaniment = load_stem_song(song, sr=SR)
    assert len(melody) == len(accompaniment) == 2 * SR
    assert np.abs(melody[SR + 10:]).max() == 0                     # padded with silence
    t = np.arange(SR // 2) / SR
    expected = 0.3 * np.sin(2 * np.pi * 110 * t) + 0.3 * np.sin(2 * np.pi * 330 * t)
    assert np.allclose(accompaniment[:SR // 2], expected, atol=2e-3)


def test_render_stems_from_midi(tmp_path):
    corpus = tmp_path / "midi"
    corpus.mkdir()
    for seed in range(3):
        band_song(corpus / f"song{seed}.mid", seed, bars=4)
    (corpus / "broken.mid").write_bytes(b"not midi")
    report = render_stems([corpus], tmp_path / "stems", jobs=2, engine="builtin", max_seconds=4.0, progress=False)
    assert report["rendered"] == ["midi__song0", "midi__song1", "midi__song2"]
    assert [s["song"] for s in report["skipped"]] == ["midi__broken"]
    folder = tmp_path / "stems" / "midi__song0"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["guitarlike.flac", "melody.flac", "mix.flac", "percussion.flac", "song0.mid",
                     "stringslike.flac"]
    stems = {p.stem: soundfile.read(p)[0] for p in folder.glob("*.flac")}
    assert {len(a) for a in stems.values()} == {4 * SR}
    assert all(np.sqrt(np.mean(a ** 2)) > 1e-3 for a in stems.values())
    summed = sum(a for name, a in stems.items() if name != "mix")
    assert np.allclose(np.clip(summed, -1, 1), stems["mix"], atol=2e-3)   # the mix is the sum of the stems (16-bit)
    songs, _ = find_stem_songs(tmp_path / "stems")
    assert songs[0].midi.name == "song0.mid" and songs[0].split == split_for("song0.mid")
    assert {p.stem for p in songs[0].accompaniment} == {"guitarlike", "percussion", "stringslike"}
    train = [f"midi__song{i}" for i in range(3) if split_for(f"song{i}.mid") == "train"]
    assert train, "the test corpus needs a training song"
    only_train = render_stems([corpus], tmp_path / "train_stems", split="train", engine="builtin", max_seconds=1.0,
                              progress=False, jobs=1)
    assert only_train["rendered"] == train

def test_render_song_needs_melody_and_accompaniment(tmp_path):
    from conftest import make_midi, name, tune

    drums = make_midi(tmp_path / "drums.mid", [[name("Drums")] + tune([36, 38] * 8, channel=9)])
    with pytest.raises(Wav2AccompError, match="no melody part"):
        render_song_stems(drums, tmp_path / "out", engine="builtin")


RENDER_AFTER_TRAINING = """
from wav2accomp.baselines.raw_amplitude import BaselineTrainOptions, train_baseline
from wav2accomp.data.stems import render_stems

if __name__ == "__main__":
    train_baseline(BaselineTrainOptions(stems={stems!r}, out={run!r}, epochs=1, chunk=100, hidden=[64],
                                        chunks_per_epoch=2048, progress=False))
    result = render_stems([{midi!r}], {out!r}, max_seconds=4, progress=False, jobs=2)
    print(len(result["rendered"]))
"""


def test_render_stems_after_training_in_the_same_process(tmp_path):
    """Workers must not be forks of a process whose torch threads have run (that deadlocked)."""
    import subprocess
    import sys

    from conftest import synthetic_stems

    midi = tmp_path / "midi"
    midi.mkdir()
    for seed in range(2):
        band_song(midi / f"tune{seed}.mid", seed, bars=2)
    script = tmp_path / "after_training.py"
    script.write_text(RENDER_AFTER_TRAINING.format(stems=str(synthetic_stems(tmp_path / "stems")),
                                                   run=str(tmp_path / "run"), midi=str(midi),
                                                   out=str(tmp_path / "rendered")))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.split() == ["2"], result.stderr[-2000:]
