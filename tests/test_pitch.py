import numpy as np

from wav2accomp.audio.pitch import cumulative_mean_normalised_difference, frame_signal, track_pitch

SR = 22050


def voice(f0_hz, sr=SR, harmonics=6):
    """A voice-like tone following an f0 contour (Hz per sample), harmonics falling 6 dB/octave."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / sr
    return sum(np.sin(k * phase) / k for k in range(1, harmonics + 1)) * 0.3


def cents(a, b):
    return 1200 * np.abs(np.log2(a / b))


def test_difference_function_dips_at_the_period():
    period = 100
    x = np.sin(2 * np.pi * np.arange(2048) / period)
    d = cumulative_mean_normalised_difference(frame_signal(x, 1024, 256)[2:3], 400)[0]
    assert d[0] == 1.0 and np.argmin(d[50:150]) + 50 == period


def test_steady_tones_within_8_cents_and_vibrato_followed():
    seconds = np.arange(int(1.5 * SR)) / SR
    for f0 in (70.0, 110.0, 220.0, 440.0, 800.0, 1000.0):
        steady = track_pitch(voice(np.full(len(seconds), f0)), SR)
        inner = (steady.times > 0.1) & (steady.times < 1.4)
        assert steady.voiced[inner].all() and np.median(cents(steady.f0[inner], f0)) < 8
        contour = f0 * 2 ** (0.5 / 12 * np.sin(2 * np.pi * 5.5 * seconds))  # +-50 cent vibrato
        track = track_pitch(voice(contour), SR)
        truth = np.interp(track.times[inner], seconds, contour)
        assert track.voiced[inner].mean() > 0.98
        # the 139 ms frame smooths a 5.5 Hz vibrato a little; it never jumps a semitone
        assert np.median(cents(track.f0[inner], truth)) < 25 and np.max(cents(track.f0[inner], truth)) < 60


def test_any_sample_rate_gives_the_same_track():
    seconds = np.arange(44100) / 44100
    at_44k = track_pitch(voice(np.full(44100, 330.0), sr=44100), 44100)
    at_22k = track_pitch(voice(np.full(22050, 330.0)), SR)
    assert len(at_44k.times) == len(at_22k.times) and seconds[-1] < 1
    assert np.median(cents(at_44k.f0[10:-10], 330.0)) < 3 and at_44k.voiced[10:-10].all()


def test_silence_and_noise_are_unvoiced():
    rng = np.random.default_rng(0)
    signal = np.concatenate([voice(np.full(SR, 196.0)), np.zeros(SR), 0.1 * rng.standard_normal(SR)])
    track = track_pitch(signal, SR)
    assert track.voiced[(track.times > 0.1) & (track.times < 0.9)].mean() > 0.98
    assert not track.voiced[(track.times > 1.1) & (track.times < 1.9)].any()
    assert track.voiced[track.times > 2.1].mean() < 0.1
    assert np.all(track.signed_f0()[~track.voiced] < 0) and np.all(track.signed_f0()[track.voiced] > 0)


def test_voicing_holds_through_rough_frames_of_a_run_a_clear_frame_started():
    from wav2accomp.audio.pitch import hysteresis

    strong = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0], dtype=bool)
    weak = np.array([0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1], dtype=bool)
    assert hysteresis(strong, weak).astype(int).tolist() == [0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]
    assert not hysteresis(np.zeros(4, bool), np.ones(4, bool)).any()   # rough frames alone never start a note
