import numpy as np

from wav2accomp.audio.pitch import PitchTrack, track_pitch
from wav2accomp.audio.segmentation import (estimate_tuning, fold_octave_jumps, level_envelope, reattacks, segment_notes,
                                           semitone_path, voiced_runs)
from wav2accomp.testing.singer import SungNote, VoiceStyle, sing

SR = 11025


def test_tuning_is_the_circular_mean_offset():
    rng = np.random.default_rng(0)
    midi = 60 + rng.integers(0, 12, 500) + 0.3 + 0.05 * rng.standard_normal(500)
    assert abs(estimate_tuning(midi, np.ones(500, bool)) - 0.3) < 0.02
    assert abs(estimate_tuning(midi + 0.25, np.ones(500, bool)) - (-0.45)) < 0.02  # wraps at half a semitone
    assert estimate_tuning(midi, np.zeros(500, bool)) == 0.0


def test_voiced_runs_bridge_short_gaps():
    voiced = np.array([0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1], bool)
    assert voiced_runs(voiced, max_gap=1) == [(1, 6), (9, 11)]
    assert voiced_runs(voiced, max_gap=0) == [(1, 3), (4, 6), (9, 11)]


def test_octave_jumps_fold_back_but_real_leaps_stay():
    midi = np.full(60, 60.0)
    midi[20:24] += 12  # a 4-frame octave error
    midi[40:] = 72  # a real leap that lasts
    cleaned = fold_octave_jumps(midi, 17)
    assert np.all(cleaned[:40] == 60) and np.all(cleaned[45:] == 72)


def test_semitone_path_ignores_vibrato_and_follows_steps():
    frames = np.arange(200)
    midi = np.where(frames < 100, 60.0, 62.0) + 0.45 * np.sin(2 * np.pi * frames / 16)
    path = semitone_path(midi)
    assert set(path[:95]) == {60} and set(path[105:]) == {62}
    glide = np.concatenate([np.full(50, 60.0), np.linspace(60, 65, 8), np.full(50, 65.0)])
    path = semitone_path(glide)
    passing = (path != 60) & (path != 65)
    assert path[0] == 60 and path[-1] == 65 and passing.sum() < 6  # shorter than a note: merged away later


def test_reattacks_find_deep_or_sharp_dips_only():
    level = np.zeros(100)
    level[20:23] = -15  # deep dip
    level[50:53] = -9
    level[53:57] = 0  # shallow dip but a fast rise
    level[80:90] = -3 + 3 * np.cos(np.linspace(0, 2 * np.pi, 10))  # tremolo
    found = reattacks(level, rise_frames=4, window_frames=26)
    assert any(20 <= f <= 22 for f in found) and any(50 <= f <= 52 for f in found) and not any(f >= 80 for f in found)


def transcribe_notes(notes, style=VoiceStyle(), **kwargs):
    samples = sing(notes, SR, style=style)
    track = track_pitch(samples, SR)
    return segment_notes(track, level_envelope(samples, 128, len(track.times)), **kwargs)


def test_repeated_notes_split_and_tuning_is_removed():
    notes = [SungNote(0.5, 1.0, 67), SungNote(1.0, 1.5, 67), SungNote(1.5, 2.2, 69)]
    found, tuning = transcribe_notes(notes, VoiceStyle(tuning_cents=-40, vibrato_cents=30))
    assert [n.pitch for n in found] == [67, 67, 69]
    assert abs(tuning + 0.4) < 0.05 and abs(found[0].sung_pitch - 66.6) < 0.1
    assert all(abs(f.onset - n.onset) < 0.05 for f, n in zip(found, notes))


def test_min_note_length_is_configurable():
    notes = [SungNote(0.5, 0.75, 72), SungNote(1.2, 2.0, 60)]
    assert [n.pitch for n in transcribe_notes(notes)[0]] == [72, 60]
    assert [n.pitch for n in transcribe_notes(notes, min_note_seconds=0.45)[0]] == [60]


def test_octave_blip_inside_a_note_is_cleaned():
    notes = [SungNote(0.5, 1.0, 64), SungNote(1.0, 1.05, 76), SungNote(1.05, 1.8, 64)]
    found, _ = transcribe_notes(notes, VoiceStyle(glide_seconds=0.01))
    assert [n.pitch for n in found if n.pitch == 76] == []


def test_unvoiced_track_has_no_notes():
    times = np.arange(100) * 0.0116
    track = PitchTrack(times, np.full(100, 200.0), np.zeros(100, bool), np.ones(100), np.zeros(100))
    assert segment_notes(track, np.zeros(100)) == ([], 0.0)


def test_a_note_ends_where_the_next_begins():
    from wav2accomp.audio.segmentation import NoteEvent, without_overlaps

    notes = [NoteEvent(0.0, 1.0, 60, 60.0, 90), NoteEvent(0.8, 1.5, 62, 62.0, 90), NoteEvent(0.8, 2.0, 64, 64.0, 90)]
    kept = without_overlaps(notes)
    assert [(n.onset, n.offset, n.pitch) for n in kept] == [(0.0, 0.8, 60), (0.8, 2.0, 64)]
