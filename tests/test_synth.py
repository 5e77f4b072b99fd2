"""MIDI -> audio: played notes, both synthesisers, mixing and atomic audio files."""
import os

import numpy as np
import pytest
import soundfile

from wav2accomp.constants import MIX_PEAK
from wav2accomp.symbolic.midi_io import Note, Part, Song, song_to_midi
from wav2accomp.symbolic.tempo_map import TempoMap, TimeSignature
from wav2accomp.errors import RenderError
from wav2accomp.synth.fluidsynth import find_soundfont, fluidsynth_problem
from wav2accomp.synth.mix import active_rms, mix, write_audio
from wav2accomp.synth.playback import played_notes
from wav2accomp.synth.render import choose_engine, synthesize

SR = 22050


def song_of(parts: list[tuple[int, int, list[tuple[int, float, float]]]], bpm: float = 120.0) -> Song:
    """A song from (program, channel, [(pitch, start_beat, end_beat)]) per part."""
    tempo = TempoMap.constant(bpm)
    made = []
    for track, (program, channel, notes) in enumerate(parts, start=1):
        made.append(Part(f"part{track}", program, channel, track,
                         [Note(p, 100, b0, b1, float(tempo.beats_to_seconds(b0)), float(tempo.beats_to_seconds(b1)))
                          for p, b0, b1 in notes]))
    end = max(b1 for _, _, notes in parts for _, _, b1 in notes)
    return Song(made, tempo, [TimeSignature(0, 4, 4)], end)


def peak_hz(samples: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * sr / len(samples))


def require_fluidsynth():
    problem = fluidsynth_problem()
    if problem is not None:
        if os.environ.get("WAV2ACCOMP_REQUIRE_FLUIDSYNTH"):
            pytest.fail(f"CI installed FluidSynth, yet: {problem}")
        pytest.skip(problem)


def test_loading_fluidsynth_prints_nothing_even_on_ci():
    """pyfluidsynth announces where it found the library when CI is set; the tool's stdout stays clean."""
    import subprocess
    import sys

    require_fluidsynth()
    script = "from wav2accomp.synth.fluidsynth import fluidsynth_problem; " \
             "print(fluidsynth_problem())"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "CI": "1"})
    assert result.returncode == 0 and result.stdout == "None\n", result.stdout + result.stderr


def test_played_notes_follow_the_tempo_map_and_programs():
    tempo = TempoMap.from_changes([0, 2], [500_000, 250_000])  # 120 BPM, then 240 BPM from beat 2
    notes = [Note(60, 90, 1.0, 3.0, 0.5, 1.25)]
    song = Song([Part("p", 48, 3, 1, notes)], tempo, [], 3.0)
    (played,) = played_notes(song_to_midi(song))
    assert (played.channel, played.program, played.pitch, played.velocity) == (3, 48, 60, 90)
    assert played.start == pytest.approx(0.5) and played.end == pytest.approx(1.25)


@pytest.mark.parametrize("engine", ["builtin", "sampled", "fluidsynth"])
def test_a_note_sounds_at_its_pitch_and_time(engine):
    if engine == "fluidsynth":
        require_fluidsynth()
    song = song_of([(0, 0, [(69, 2.0, 4.0)])])  # A4 from 1 s to 2 s at 120 BPM
    audio, used = synthesize(song, sr=SR, engine=engine, seconds=3.0)
    assert used == engine and audio.shape == (3 * SR, 2) and audio.dtype == np.float32
    mono = audio.mean(axis=1)
    assert np.abs(mono[:int(0.95 * SR)]).max() < 1e-4            # silent before the note
    note = mono[int(1.05 * SR):int(1.55 * SR)]
    assert np.sqrt(np.mean(note ** 2)) > 1e-3
    assert abs(peak_hz(note, SR) - 440.0) < 6.0


def test_builtin_drums_pitched_parts_and_determinism():
    song = song_of([(0, 9, [(36, 0, 0.25), (38, 1, 1.25), (42, 0.5, 0.75), (49, 2, 2.25)]),
                    (48, 1, [(60, 0, 2), (64, 0, 2)]), (33, 2, [(36, 0, 1)])])
    first, _ = synthesize(song, sr=SR, engine="builtin")
    second, _ = synthesize(song, sr=SR, engine="builtin")
    assert np.array_equal(first, second)
    assert len(first) == int(round((song.end + 1.0) * SR))       # the song plus the release tail
    assert not np.allclose(first[:, 0], first[:, 1])               # parts are panned
    drums_only, _ = synthesize(song_of([(0, 9, [(38, 0, 0.25)])]), sr=SR, engine="builtin")
    assert np.sqrt(np.mean(drums_only[:SR // 4] ** 2)) > 1e-3


def test_engine_choice_and_soundfont_errors(tmp_path, monkeypatch):
    assert choose_engine("builtin") == "builtin"
    with pytest.raises(RenderError, match="unknown synthesiser"):
        choose_engine("timidity")
    with pytest.raises(RenderError, match="SoundFont not found"):
        choose_engine("fluidsynth", soundfont=tmp_path / "missing.sf2")
    monkeypatch.setenv("WAV2ACCOMP_SOUNDFONT", str(tmp_path / "gone.sf2"))
    with pytest.raises(RenderError, match="gone.sf2"):
        find_soundfont()
    monkeypatch.delenv("WAV2ACCOMP_SOUNDFONT")
    assert choose_engine("auto") == "sampled"       # sampled instruments from pip alone, by default
    assert choose_engine("sampled") == "sampled"
    with pytest.raises(RenderError, match="not a SoundFont"):
        choose_engine("sampled", soundfont=__file__)


def test_the_sampled_instruments_honour_pan_and_the_drum_channel():
    left = song_of([(0, 0, [(60, 0.0, 2.0)])])
    left.parts[0].pan = 0
    audio, used = synthesize(left, sr=SR, engine="sampled", seconds=1.5)
    assert used == "sampled" and audio.shape == (int(1.5 * SR), 2)
    assert np.sqrt(np.mean(audio[:, 0] ** 2)) > 4 * np.sqrt(np.mean(audio[:, 1] ** 2))   # hard left (the room is wider)
    snare, _ = synthesize(song_of([(0, 9, [(38, 0.0, 0.25)])]), sr=SR, engine="sampled", seconds=1.0)
    noisy = np.abs(np.fft.rfft(snare[:SR // 4, 0]))
    assert noisy[len(noisy) // 4:].sum() > 0.05 * noisy.sum()      # a drum kit: broadband, not a tone


def test_the_master_reaches_the_loudness_and_stays_under_the_true_peak():
    import pyloudnorm

    from wav2accomp.synth.mix import integrated_loudness, master, true_peak_db

    rng = np.random.default_rng(0)
    t = np.arange(8 * SR) / SR
    tone = (0.2 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)
    loud = np.stack([tone + 0.9 * (rng.random(len(t)) < 0.001), tone], axis=1).astype(np.float32)  # clicks peak
    assert integrated_loudness(loud, SR) == pytest.approx(pyloudnorm.Meter(SR).integrated_loudness(
        loud.astype(np.float64)), abs=0.01)
    for scale in (0.05, 1.0, 4.0):
        out = master(loud * scale, SR)
        assert out.shape == loud.shape and out.dtype == np.float32
        assert integrated_loudness(out, SR) == pytest.approx(-14.0, abs=1.0)
        assert true_peak_db(out) <= -1.0 + 1e-6 and np.abs(out).max() < 1.0
    assert not master(np.zeros((SR, 2), dtype=np.float32), SR).any()


def test_mix_balances_levels_and_limits_the_peak():
    t = np.arange(2 * SR) / SR
    voice = (0.9 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    band = np.stack([0.01 * np.sin(2 * np.pi * 330 * t[:SR])] * 2, axis=1).astype(np.float32)
    out = mix(voice, band, SR, accompaniment_db=-6.0)
    assert out.shape == (2 * SR, 2) and np.abs(out).max() <= MIX_PEAK + 1e-6
    voice_level = active_rms(out[SR:], SR)                         # voice alone in the second half
    band_level = active_rms(out[:SR] - out[SR:], SR)               # the same voice cycle cancels
    assert 20 * np.log10(band_level / voice_level) == pytest.approx(-6.0, abs=0.5)


def test_write_audio_by_suffix_atomically(tmp_path):
    samples = np.zeros((SR, 2), dtype=np.float32)
    samples[:, 0] = 0.5
    for suffix in (".wav", ".flac", ".ogg"):
        write_audio(tmp_path / f"mix{suffix}", samples, SR)
        data, sr = soundfile.read(tmp_path / f"mix{suffix}")
        assert sr == SR and data.shape == (SR, 2)
    with pytest.raises(RenderError, match="use a .wav"):
        write_audio(tmp_path / "mix.mp4", samples, SR)
    assert not (tmp_path / "mix.mp4").exists() and not list(tmp_path.glob(".*tmp"))


def test_a_song_played_in_pieces_of_time_sounds_as_the_whole():
    from scipy.signal import stft

    from wav2accomp.synth.render import lay_pieces, synthesize_track, time_pieces

    piano = [(60 + (i % 5), i * 0.5, i * 0.5 + 1.5) for i in range(40)]   # notes ringing across the cuts
    bass = [(36 + (i % 3), i * 1.0, i * 1.0 + 0.9) for i in range(20)]
    drums = [(36 if i % 2 == 0 else 38, i * 1.0, i * 1.0 + 0.25) for i in range(20)]
    song = song_of([(0, 0, piano), (33, 1, bass), (0, 9, drums)], bpm=97.0)
    song.tempo_map = TempoMap(np.array([0.0, 9.0]), np.array([60e6 / 97, 60e6 / 110]))   # a change before a cut
    for part in song.parts:
        part.notes = [Note(n.pitch, n.velocity, n.start_beat, n.end_beat, *song.tempo_map.beats_to_seconds(
            [n.start_beat, n.end_beat])) for n in part.notes]
    seconds = float(song.tempo_map.beats_to_seconds(song.end_beat)) + 1.0
    whole, _ = synthesize(song, sr=SR, engine="sampled", seconds=seconds)
    pieces = time_pieces(song, 3, seconds)
    assert [p[0] for p in pieces] == sorted(p[0] for p in pieces) and pieces[0][0] == 0.0 and len(pieces) == 3
    assert sum(len(part.notes) for _, span, _ in pieces for part in span.parts) == 80   # every note once
    laid = lay_pieces([start for start, _, _ in pieces],
                      [synthesize_track((span, SR, "sampled", None, length)) for _, span, length in pieces],
                      SR, len(whole))
    whole_bands, laid_bands = (np.abs(stft(audio.mean(axis=1), SR, nperseg=2048)[2]) for audio in (whole, laid))
    assert np.linalg.norm(laid_bands - whole_bands) / np.linalg.norm(whole_bands) < 0.05
    assert abs(active_rms(laid, SR) / active_rms(whole, SR) - 1) < 0.02


def test_the_soundfont_engines_let_the_last_notes_ring_out():
    song = song_of([(0, 0, [(60, 0.0, 1.0)])])
    audio, _ = synthesize(song, sr=SR, engine="sampled", seconds=3.0)
    rings = np.nonzero(np.abs(audio).max(axis=1) > 1e-4)[0]
    assert rings[-1] / SR > 0.75   # the release and the reverb after the note-off at 0.5 s, not cut there
