import numpy as np

from wav2accomp.testing.singer import SungNote, VoiceStyle, pitch_contour, sing, synthetic_set, tune_notes

SR = 22050


def test_sing_is_deterministic_and_normalised():
    notes = tune_notes("twinkle")
    a, b = sing(notes, SR, style=VoiceStyle(breath=0.05), seed=3), sing(notes, SR, style=VoiceStyle(breath=0.05), seed=3)
    assert np.array_equal(a, b) and a.dtype == np.float32
    assert abs(np.max(np.abs(a)) - 0.5) < 1e-6
    assert len(a) == int(round((notes[-1].offset + 0.5) * SR))


def test_contour_holds_pitch_tuning_vibrato_and_glides():
    notes = [SungNote(0.0, 1.0, 60), SungNote(1.0, 2.0, 64)]
    midi, gain = pitch_contour(notes, 2 * SR + 100, SR, VoiceStyle(tuning_cents=30, vibrato_cents=50, glide_seconds=0.1))
    first = midi[int(0.5 * SR):int(0.9 * SR)]
    assert abs(np.mean(first) - 60.3) < 0.05 and 0.45 < np.max(first) - 60.3 < 0.51
    # gliding up, the glide centred on the boundary: half of it ends the first note, half begins the second
    assert 60.3 < midi[int(0.97 * SR)] < 62.3 < midi[int(1.03 * SR)] < 64.3
    assert abs(midi[int(1.0 * SR)] - 62.3) < 0.05 and abs(midi[int(1.06 * SR)] - 64.3) < 0.16   # arrived (vibrato fading in)
    assert np.isnan(midi[-1]) and gain[-1] == 0


def test_tunes_and_the_synthetic_set():
    notes = tune_notes("ode_to_joy", bpm=120, start=1.0)
    assert notes[0].onset == 1.0 and abs(notes[1].onset - 1.5) < 1e-9
    assert all(a.offset <= b.onset + 1e-9 for a, b in zip(notes, notes[1:]))
    cases = synthetic_set()
    assert {"vibrato", "legato glides", "breath noise", "room reverb", "level changes", "everything"} <= set(cases)
