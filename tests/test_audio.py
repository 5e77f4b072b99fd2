import numpy as np
import pytest
import soundfile

from wav2accomp.audio.recording import AudioError, load_audio


def tone(seconds=1.0, sr=44100, channels=1, amplitude=0.5):
    t = np.arange(int(seconds * sr)) / sr
    mono = amplitude * np.sin(2 * np.pi * 220 * t)
    return np.column_stack([mono] * channels) if channels > 1 else mono


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "FLOAT"),
                                         ("FLAC", "PCM_16"), ("OGG", "VORBIS")])
def test_formats_and_sample_types_load_as_mono_float(tmp_path, fmt, subtype):
    path = tmp_path / f"hum.{fmt.lower()}"
    soundfile.write(path, tone(channels=2), 44100, format=fmt, subtype=subtype)
    samples, sr = load_audio(path)
    assert sr == 22050 and samples.dtype == np.float32 and samples.ndim == 1
    assert abs(len(samples) - 22050) < 200 and 0.4 < np.abs(samples).max() < 0.6


def test_native_rate_is_kept_on_request(tmp_path):
    soundfile.write(tmp_path / "a.wav", tone(sr=8000), 8000)
    samples, sr = load_audio(tmp_path / "a.wav", sr=None)
    assert sr == 8000 and len(samples) == 8000


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_bytes(b"this is not audio at all" * 10), "cannot read"),
    (lambda p: soundfile.write(p, np.zeros(0), 22050), "empty"),
    (lambda p: soundfile.write(p, np.zeros(22050), 22050), "silent"),
    (lambda p: soundfile.write(p, tone(0.2), 44100), "too short"),
    (lambda p: soundfile.write(p, np.full(22050, np.nan), 22050, subtype="FLOAT"), "NaN"),
    (lambda p: soundfile.write(p, tone(3.0, sr=8000), 8000), "too long"),
])
def test_bad_recordings_are_refused_with_a_sentence(tmp_path, make, message):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=message):
        load_audio(path, max_seconds=2.0)
    with pytest.raises(AudioError, match="not found"):
        load_audio(tmp_path / "missing.wav")
