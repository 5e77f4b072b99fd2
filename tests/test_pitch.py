import numpy as np

from wav2accomp.pitch import cumulative_mean_normalised_difference, frame_signal, track_pitch

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


def test_steady_and_vibrato_tones_within_20_cents():
    seconds = np.arange(int(1.5 * SR)) / SR
    for f0 in (110.0, 220.0, 440.0, 800.0):
        contour = f0 * 2 ** (0.5 / 12 * np.sin(2 * np.pi * 5.5 * seconds))  # +-50 cent vibrato
        track = track_pitch(voice(contour), SR)
        inner = (track.times > 0.1) & (track.times < 1.4)
        truth = np.interp(track.times[inner], seconds, contour)
        assert track.voiced[inner].mean() > 0.98
        assert np.median(cents(track.f0[inner], truth)) < 20 and np.percentile(cents(track.f0[inner], truth), 95) < 50


def test_silence_and_noise_are_unvoiced():
    rng = np.random.default_rng(0)
    signal = np.concatenate([voice(np.full(SR, 196.0)), np.zeros(SR), 0.1 * rng.standard_normal(SR)])
    track = track_pitch(signal, SR)
    assert track.voiced[(track.times > 0.1) & (track.times < 0.9)].mean() > 0.98
    assert not track.voiced[(track.times > 1.1) & (track.times < 1.9)].any()
    assert track.voiced[track.times > 2.1].mean() < 0.1
    assert np.all(track.f0[~track.voiced] == 0)
