"""The band's players: grid phase, dynamics, phrases, voice leading, the arc, and play_band as a whole."""
from __future__ import annotations

import mido
import numpy as np
import pytest

from conftest import make_midi, name, off, on
from wav2accomp.arrangement import accompany
from wav2accomp.band.arc import FIRST_SECTION_INTENSITY, INTRO_INTENSITY, song_arc
from wav2accomp.band.dynamics import (PLAYERS, QUANTILES, fit_dynamics, keep_to_palette, load_dynamics,
                                      part_observations, play_timing, play_velocities, save_dynamics)
from wav2accomp.band.grid import beats_in_bar, grid_phase, melody_grid, phase_gap_seconds, swing_ratio
from wav2accomp.band.perform import BandModels, band_bars, chord_strokes, load_band, play_band
from wav2accomp.band.phrases import (PEDAL_BELOW, build_library, chord_change_flags, choose_phrases, load_phrases,
                                     phrases_of_song, play_phrases, revoice, save_phrases)
from wav2accomp.band.style import FEATURES, fit_style, load_style, melody_features, save_style
from wav2accomp.band.voicing import lead_voices
from wav2accomp.constants import GUITARLIKE, N_PITCHES, ONSET, PERCUSSION, PITCH_LOW, STRINGSLIKE
from wav2accomp.errors import Wav2AccompError
from wav2accomp.evaluation.playing import PlayedNotes, texture_figures
from wav2accomp.symbolic.harmony import NO_CHORD
from wav2accomp.symbolic.roll import notes_to_roll


def test_grid_phase_finds_the_onsets_offset_and_wraps_around():
    assert grid_phase([0.0833 + k * 0.25 for k in range(12)]) == pytest.approx(0.0833, abs=1e-6)
    assert grid_phase([-0.05 + k * 0.5 for k in range(8)]) == pytest.approx(-0.05, abs=1e-6)
    assert grid_phase([]) == 0.0
    # a part a third of a step late against a melody on the grid, at 120 BPM (0.5 s a beat): 41.7 ms
    assert phase_gap_seconds([k + 1 / 12 for k in range(8)], list(range(8)), 0.5) == pytest.approx(1 / 24, abs=1e-6)


def _observations(rng, loud: float, sequenced: bool = False):
    steps = np.arange(64, dtype=float) * 2
    velocities = np.full(64, loud) if sequenced else loud + 10 * (steps % 16 == 0) + rng.normal(0, 3, 64)
    timing = 0.0 if sequenced else rng.normal(0, 0.05, 64)
    observed = part_observations(np.clip(velocities, 1, 127), steps + timing, np.arange(0, 160, 16))
    return dict(observed, melody_palette=1 if sequenced else 30)   # its song's melody sequenced alike


def test_dynamics_learns_accents_levels_and_palettes_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    observations = {player: [_observations(rng, 60 + 5 * k, sequenced=k % 3 == 0) for k in range(9)]
                    for player in PLAYERS}
    model = fit_dynamics(observations)
    row = PLAYERS.index("snare")
    assert model.accents[row, 0] > model.accents[row, 2] + 5          # the downbeat is accented
    assert 60 <= model.level[row, len(QUANTILES) // 2] <= 100
    assert model.sequenced_palette[row, -1] == 1       # the parts of a song whose melody is sequenced keep one
    assert model.palette[row, 0] > 1                    # velocity; the others play many
    save_dynamics(model, tmp_path / "d")
    again = load_dynamics(tmp_path / "d")
    assert np.allclose(again.accents, model.accents)
    velocities = play_velocities(again, "snare", np.tile([0, 2, 4, 6], 8), np.repeat(np.arange(8), 4),
                                 np.random.default_rng(1), intensity=np.linspace(0, 1, 8))
    assert velocities.min() >= 1 and velocities.max() <= 127 and velocities.dtype.kind == "i"
    assert np.all(play_timing(again, "snare", np.arange(10), np.random.default_rng(2), feel="grid") == 0)
    offsets = play_timing(again, "snare", np.repeat(np.arange(40), 3), np.random.default_rng(2))
    assert np.all(offsets.reshape(40, 3) == offsets.reshape(40, 3)[:, :1])   # a chord's notes start together
    with pytest.raises(Wav2AccompError, match="feel"):
        play_timing(again, "snare", np.arange(3), np.random.default_rng(2), feel="wobbly")


def test_a_broken_dynamics_model_is_refused_in_one_line(tmp_path):
    rng = np.random.default_rng(0)
    model = fit_dynamics({p: [_observations(rng, 70), _observations(rng, 80)] for p in PLAYERS})
    model.timing = model.timing[:, ::-1].copy()   # quantiles must rise
    save_dynamics(model, tmp_path / "d")
    with pytest.raises(Wav2AccompError, match="does not fit"):
        load_dynamics(tmp_path / "d")


def test_keep_to_palette_uses_at_most_that_many_levels():
    velocities = np.arange(1, 101)
    assert len(np.unique(keep_to_palette(velocities, 4))) <= 4
    assert np.array_equal(keep_to_palette(np.array([5, 5, 9]), 4), [5, 5, 9])


def test_revoice_moves_roots_and_thirds_and_rests_on_no_chord():
    c_major, a_minor, f_major = 0, 12 + 9, 5
    # C E G over C major, onto A minor: A C E (each by the smallest shift: down 3)
    assert revoice([60, 64, 67], [c_major] * 3, [a_minor] * 3).tolist() == [57, 60, 64]
    assert revoice([60, 64, 67], [c_major] * 3, [f_major] * 3).tolist() == [65, 69, 72]
    assert revoice([57, 60, 64], [a_minor] * 3, [c_major] * 3).tolist() == [60, 64, 67]
    assert revoice([60], [c_major], [NO_CHORD]).tolist() == [-1]


def _library(n_songs: int = 3):
    """Phrases of arpeggios (dense) and whole-note chords (sparse) over C - G."""
    songs = []
    chords = np.repeat([0, 7, 0, 7], 16)
    downbeats = np.arange(0, 64 + 1, 16)
    for song in range(n_songs):
        if song % 2:
            steps = np.arange(0, 64, 2, dtype=float)
            arpeggios = np.array([[48, 52, 55, 60], [43, 47, 50, 55]])
            pitches = arpeggios[(steps // 16 % 2).astype(int), (steps // 2 % 4).astype(int)]
        else:
            steps = np.repeat(np.arange(0, 64, 16, dtype=float), 3)
            pitches = np.array([[48, 52, 55], [43, 47, 50]] * 2).ravel()
        phrases = phrases_of_song(steps, np.full(len(steps), 2.0), pitches, np.full(len(steps), 70 + song),
                                  chords, downbeats)
        songs.append((phrases, 100.0))
    return build_library(songs)


def test_phrase_library_round_trips_and_plays_the_given_chords(tmp_path):
    library = _library()
    save_phrases(library, tmp_path / "p")
    library = load_phrases(tmp_path / "p")
    target = np.repeat([9 + 12, 5, 0, 7, 9 + 12, 5], 16)   # Am F C G, a bar each
    downbeats = np.arange(0, len(target), 16)
    played = play_phrases(library, downbeats, target, np.full(len(downbeats), 0.5), bpm=100)
    assert len(played.pitches)
    chord_at = target[np.rint(played.steps).astype(int)]
    tones = {index: {(index % 12 + i) % 12 for i in ((0, 3, 7) if index >= 12 else (0, 4, 7))} for index in set(target)}
    assert all(p % 12 in tones[c] for p, c in zip(played.pitches.tolist(), chord_at.tolist()))


def test_the_pedal_holds_the_low_notes_to_the_bar_line_and_the_upper_ones_as_played():
    chords, steps = np.repeat([0, 7, 0, 7], 16), np.arange(0, 64, 2, dtype=float)
    arpeggios = np.array([[48, 64, 67, 72], [43, 62, 67, 71]])   # a low root under notes above F#4
    pitches = arpeggios[(steps // 16 % 2).astype(int), (steps // 2 % 4).astype(int)]
    library = build_library([(phrases_of_song(steps, np.full(len(steps), 2.0), pitches, np.full(len(steps), 70),
                                              chords, np.arange(0, 65, 16)), 100.0)])   # notes of 2 steps
    target = np.repeat([0, 0, 7, 7], 16)                        # C for two bars, then G for two
    downbeats = np.arange(0, len(target), 16)
    played = play_phrases(library, downbeats, target, np.full(len(downbeats), 0.5), bpm=100)
    steps = np.rint(played.steps).astype(int)
    low = played.pitches < PEDAL_BELOW
    assert low.any() and (~low).any()
    next_bar = (steps // 16 + 1) * 16
    assert np.array_equal(played.lengths[low], next_bar[low] - steps[low])   # not across the bar line
    assert np.all(played.lengths[~low] <= 2)


def test_phrase_choice_follows_intensity_and_prefers_continuing_a_source():
    library = _library(4)
    changes = np.array([chord_change_flags(np.repeat([0, 7, 0, 7], 16), 0)] * 2)
    sparse = choose_phrases(library, changes, np.array([0.0, 0.0]), 100.0)
    dense = choose_phrases(library, changes, np.array([1.0, 1.0]), 100.0)
    assert library.density[sparse].mean() < library.density[dense].mean()


def test_lead_voices_keeps_pitch_classes_and_avoids_parallel_blocks():
    roll = np.zeros((64, N_PITCHES), dtype=np.uint8)
    for start, root in zip(range(0, 64, 16), (60, 65, 67, 60)):       # C F G C, root position, in parallel
        for pitch in (root, root + 4, root + 7):
            roll[start:start + 16, pitch - PITCH_LOW] = 1
            roll[start, pitch - PITCH_LOW] = ONSET
    led = lead_voices(roll, 62.0)
    before = texture_figures(PlayedNotes.from_notes(_notes(roll)))
    after = texture_figures(PlayedNotes.from_notes(_notes(led)))
    assert before["parallel_share"] == 1.0 and after["parallel_share"] < 1.0
    assert after["voice_leading"] < before["voice_leading"]
    for start in range(0, 64, 16):
        assert set((np.flatnonzero(led[start] == ONSET) % 12).tolist()) == \
            set((np.flatnonzero(roll[start] == ONSET) % 12).tolist())


def _notes(roll):
    from wav2accomp.symbolic.roll import roll_to_notes
    from wav2accomp.symbolic.tempo_map import TempoMap

    return roll_to_notes(roll, TempoMap.constant(120))


def _melody(bars: int, entry_bar: int = 1):
    from wav2accomp.symbolic.midi_io import Note

    notes = [Note(60 + (k % 5), 90, b * 4 + k, b * 4 + k + 0.5, 0, 0)
             for b in range(entry_bar, bars) for k in range(4)]
    return notes_to_roll(notes, bars * 16)


def test_the_arc_starts_quiet_and_builds():
    melody = _melody(40, entry_bar=2)
    arc = song_arc(melody, np.arange(0, 40 * 16, 16))
    assert np.all(arc.intensity[:2] == INTRO_INTENSITY)
    assert np.all(arc.intensity[2:9] <= FIRST_SECTION_INTENSITY + 1e-9)
    assert arc.intensity[-3] > arc.intensity[5]


def test_a_pianist_playing_behind_their_own_grid_is_placed_on_the_melody_s():
    """Phrases whose pianist played every onset a third of a step late: the band's piano sits on the 16ths."""
    chords, steps = np.repeat([0, 7, 0, 7], 16), np.arange(0, 64, 2, dtype=float)
    arpeggios = np.array([[48, 52, 55, 60], [43, 47, 50, 55]])
    pitches = arpeggios[(steps // 16 % 2).astype(int), (steps // 2 % 4).astype(int)]
    library = build_library([(phrases_of_song(steps + 0.33, np.full(len(steps), 2.0), pitches,
                                              np.full(len(steps), 70), chords, np.arange(0, 65, 16)), 100.0)])
    melody = _melody(16)
    models = BandModels(load_band().dynamics, library, load_band().style)
    rolls = {GUITARLIKE: np.zeros_like(melody)}
    played = play_band(rolls, melody, np.arange(0, 16 * 16, 16), chords=np.repeat([0, 7] * 8, 16), models=models)
    starts = played[GUITARLIKE].starts
    assert len(starts) and abs(grid_phase(starts / 4) * 4) < 0.05   # steps


def test_band_bars_turn_short_file_bars_into_four_four():
    melody = _melody(8)
    assert band_bars(np.arange(0, 128, 8), melody).tolist() == list(range(0, 128, 16))
    assert band_bars(np.arange(0, 128, 16), melody).tolist() == list(range(0, 128, 16))


def test_play_band_is_seeded_and_grid_feel_is_on_the_grid():
    melody = _melody(16)
    downbeats = np.arange(0, 16 * 16, 16)
    chords = np.repeat([0, 7, 9 + 12, 5] * 4, 16)
    rolls = {PERCUSSION: np.zeros_like(melody), GUITARLIKE: np.zeros_like(melody), STRINGSLIKE: np.zeros_like(melody)}
    rolls[PERCUSSION][::4, 42 - PITCH_LOW] = ONSET
    for step in range(0, len(chords), 8):
        for pitch in (60, 64, 67):
            rolls[STRINGSLIKE][step:step + 8, pitch - PITCH_LOW] = 1
            rolls[STRINGSLIKE][step, pitch - PITCH_LOW] = ONSET
    one = play_band(rolls, melody, downbeats, chords=chords, seed=3)
    two = play_band(rolls, melody, downbeats, chords=chords, seed=3)
    other = play_band(rolls, melody, downbeats, chords=chords, seed=4)
    assert all(np.array_equal(one[p].velocities, two[p].velocities) for p in rolls)
    assert not np.array_equal(one[PERCUSSION].velocities, other[PERCUSSION].velocities)
    # not one velocity per part (a song may draw a sequenced player's single level, as some corpus parts have)
    palettes = [len(np.unique(play_band(rolls, melody, downbeats, chords=chords, seed=s)[PERCUSSION].velocities))
                for s in range(6)]
    assert sum(p > 1 for p in palettes) >= 4
    # a melody sequenced at one velocity: its band keeps to a few, as the corpus's songs do
    sequenced = [len(np.unique(play_band(rolls, melody, downbeats, chords=chords, seed=s, melody_palette=1)[part]
                               .velocities)) for s in range(6) for part in rolls]
    played = [len(np.unique(play_band(rolls, melody, downbeats, chords=chords, seed=s, melody_palette=40)[part]
                            .velocities)) for s in range(6) for part in rolls]
    assert np.median(sequenced) < np.median(played)
    assert np.any(one[PERCUSSION].starts != np.rint(one[PERCUSSION].starts))
    grid = play_band(rolls, melody, downbeats, chords=chords, seed=3, feel="grid")
    for part in grid.values():
        assert np.array_equal(part.starts, np.rint(part.starts))
    assert len(one[GUITARLIKE].pitches) > 0                          # the piano plays phrases over the chords
    hats = {PERCUSSION: np.zeros_like(melody)}
    hats[PERCUSSION][::2, 42 - PITCH_LOW] = ONSET                     # eighths on the hi-hat
    for feel, late in (("natural", 2 / 3), ("grid", 0.0)):
        straight, swung = (play_band(hats, melody, downbeats, seed=3, feel=feel, swing=swing)[PERCUSSION]
                           for swing in (0.5, 2 / 3))
        off_beat = np.rint(straight.starts) % 4 == 2
        assert np.allclose((swung.starts - straight.starts)[off_beat], late)   # as late as the melody's
        assert np.allclose((swung.starts - straight.starts)[~off_beat], 0.0)


def test_swing_is_heard_in_the_melody_s_off_beat_eighths():
    rng = np.random.default_rng(1)
    beats = np.arange(32, dtype=float)
    straight = np.sort(np.concatenate([beats, beats + 0.5, beats[::2] + 0.75])) + rng.normal(0, 0.02, 80)
    shuffled = np.sort(np.concatenate([beats, beats + 2 / 3])) + rng.normal(0, 0.02, 64)
    assert swing_ratio(straight) == 0.5
    assert swing_ratio(shuffled) == pytest.approx(2 / 3, abs=0.03)
    assert swing_ratio(shuffled[:5]) == 0.5                          # too few to tell


def test_a_swung_melody_s_grid_is_found_from_the_onsets_swing_leaves_straight():
    rng = np.random.default_rng(2)
    beats = np.arange(48, dtype=float)
    onsets = np.sort(np.concatenate([beats, beats[::2] + 0.25, beats + 0.64])) + 0.06 + rng.normal(0, 0.005, 120)
    assert abs(grid_phase(onsets) - 0.06) > 0.02            # the late eighths pull every onset's circular mean
    phase, swing = melody_grid(onsets)
    assert phase == pytest.approx(0.06, abs=0.005)
    assert swing == pytest.approx(0.64, abs=0.01)
    assert grid_phase(onsets, swing=swing) == pytest.approx(phase)


def test_beats_are_counted_from_the_bar_lines():
    """After a 6/16 pickup bar the music's beats lie half a file beat away."""
    assert beats_in_bar([0.5, 1.5, 2.0, 6.25], [0.0, 1.5, 5.5]).tolist() == [0.5, 0.0, 0.5, 0.75]
    assert beats_in_bar([0.5, 3.0], []).tolist() == [0.5, 3.0]


def test_a_shuffle_after_an_odd_pickup_bar_is_swung_on_its_own_beats(tmp_path):
    """Bars of 4/4 after a 6/16 pickup: the band's off-beat eighths fall with the melody's, two thirds into the
    bar's beats (not the file's, which lie half a beat away)."""
    melody = [name("Melody"), mido.MetaMessage("time_signature", numerator=6, denominator=16, time=0),
              mido.MetaMessage("time_signature", numerator=4, denominator=4, time=720)]
    pitches = [72, 74, 76, 77, 79, 77, 76, 74] * 16
    gaps = [0, 320] + [160, 320] * 64    # on the bar's beats (x.5 of the file's) and two thirds into them
    melody.append(on(pitches[0]))                                       # at the first 4/4 bar line
    for index, pitch in enumerate(pitches[1:], start=1):
        melody += [off(pitches[index - 1], gaps[index] - 40), on(pitch, 40)]
    melody.append(off(pitches[-1], 120))
    path = make_midi(tmp_path / "shuffle.mid", [melody])
    arrangement = accompany(path)
    assert arrangement.melody.swing() == pytest.approx(2 / 3, abs=0.02)
    bars = arrangement.melody.downbeat_steps() / 4
    for part in arrangement.to_song(with_melody=False).parts:
        within = beats_in_bar([n.start_beat for n in part.notes], bars) % 1.0
        assert not np.any((within > 0.42) & (within < 0.58)), part.name     # no straight off-beat eighth
        if part.name != STRINGSLIKE:
            assert np.any(np.abs(within - 2 / 3) < 0.03), part.name


def test_a_midi_melody_off_the_tick_grid_gets_a_band_on_its_own_grid(tmp_path):
    """The melody's beats start a third of a 16th after tick 0 (as in files aligned to a recording)."""
    shift = 40   # ticks at 480 per beat: 1/12 beat
    melody = [name("Melody"), on(72, shift)]
    pitches = [72, 74, 76, 77, 79, 77, 76, 74] * 8
    for this, following in zip(pitches, pitches[1:] + [None]):
        melody.append(off(this, 240))
        if following is not None:
            melody.append(on(following, 240))
    path = make_midi(tmp_path / "shifted.mid", [melody])
    arrangement = accompany(path)
    song = arrangement.to_song()
    melody_beats = [n.start_beat for n in song.parts[0].notes]
    seconds_per_beat = 60.0 / arrangement.bpm
    for part in song.parts[1:]:
        gap = phase_gap_seconds([n.start_beat for n in part.notes], melody_beats, seconds_per_beat)
        assert abs(gap) < 0.010, part.name
    gridded = accompany(path, feel="grid").to_song()
    for part in gridded.parts[1:]:
        steps = (np.array([n.start_beat for n in part.notes]) - shift / 480) * 4
        assert np.allclose(steps, np.rint(steps), atol=1e-6), part.name


def test_shipped_band_models_load():
    models = load_band()
    assert len(models.phrases) > 1000
    assert models.dynamics.level.shape[0] == len(PLAYERS)


def test_melody_features_measure_tempo_density_timing_and_legato():
    starts = np.arange(8) * 0.5 + np.array([0, 0.1, 0, 0, 0, 0, 0, 0])   # one onset 0.4 steps late
    features = melody_features([60, 62, 64, 65, 67, 65, 64, 62], starts, starts + 0.5, bpm=90.0)
    assert features.shape == (len(FEATURES),)
    assert features[0] == 90.0
    assert features[1] == pytest.approx(8 / 3.5)                       # notes per beat
    assert features[2] == pytest.approx(np.mean([60, 62, 64, 65, 67, 65, 64, 62]))
    assert features[5] == pytest.approx(1 / 8)                          # onsets off the 16ths
    assert features[6] == pytest.approx(6 / 7)                          # legato: all but the note before the late one
    # the grid phase is taken away before the onsets are measured
    assert melody_features([60, 62], [0.3, 0.8], [0.8, 1.3], bpm=90.0, phase=0.3)[5] == 0.0
    assert melody_features([60], [0.0], [1.0], bpm=90.0)[6] == 0.0      # one note: nothing legato
    with pytest.raises(Wav2AccompError):
        melody_features([], [], [], bpm=90.0)


def test_the_style_model_learns_which_melodies_come_from_a_band_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    piano = np.c_[rng.normal(75, 8, 60), rng.normal(0.15, 0.05, (60, len(FEATURES) - 1))]   # slow ballads
    band = np.c_[rng.normal(125, 8, 60), rng.normal(0.15, 0.05, (60, len(FEATURES) - 1))]   # faster songs
    model = fit_style(np.vstack([piano, band]), np.r_[np.zeros(60), np.ones(60)].astype(bool))
    fast, slow = np.r_[135.0, np.full(len(FEATURES) - 1, 0.15)], np.r_[65.0, np.full(len(FEATURES) - 1, 0.15)]
    assert model.band_probability(fast) > 0.9 > 0.1 > model.band_probability(slow)
    save_style(model, tmp_path / "style")
    again = load_style(tmp_path / "style")
    assert again.band_probability(band[1]) == pytest.approx(model.band_probability(band[1]))
    (tmp_path / "style.json").write_text('{"features": ["tempo"]}')
    with pytest.raises(Wav2AccompError, match="does not fit"):
        load_style(tmp_path / "style")
    with pytest.raises(Wav2AccompError):
        fit_style(piano, np.zeros(60, dtype=bool))   # one kind of song only


def test_chord_strokes_play_the_chord_on_the_eighths():
    chords = np.repeat([0, 9 + 12], 16)   # C, then A minor
    onsets = np.array([0, 1, 2, 4, 6, 16, 19, 20, 24])
    pitches, starts, ends = chord_strokes(onsets, chords, 1.0, np.random.default_rng(0))
    assert sorted(set(starts.tolist())) == [0, 2, 4, 6, 16, 20, 24]      # the 8ths only
    for step in set(starts.tolist()):
        chord = chords[int(step)]
        tones = {chord % 12, (chord % 12 + (3 if chord >= 12 else 4)) % 12, (chord % 12 + 7) % 12}
        assert set((pitches[starts == step] % 12).tolist()) == tones
        assert len(pitches[starts == step]) == 5
    assert np.all(ends > starts) and np.all(ends - starts <= 2)
    assert np.all(ends[starts < 16] <= 16)   # released at the chord change
    assert len(chord_strokes(onsets, chords, 0.0, np.random.default_rng(0))[0]) == 0


def test_a_band_s_song_brings_in_the_strings_earlier_and_strikes_full_chords():
    melody = _melody(24, entry_bar=2)
    downbeats = np.arange(0, 24 * 16, 16)
    chords = np.repeat([0, 7, 9 + 12, 5] * 6, 16)
    strings = np.zeros_like(melody)
    for step in range(0, len(chords), 8):
        strings[step:step + 8, 64 - PITCH_LOW] = 1
        strings[step, 64 - PITCH_LOW] = ONSET
    rolls = {GUITARLIKE: np.zeros_like(melody), STRINGSLIKE: strings}
    piano_song = play_band(rolls, melody, downbeats, chords=chords, seed=2, band_probability=0.0)
    band_song = [play_band(rolls, melody, downbeats, chords=chords, seed=s, band_probability=1.0) for s in range(4)]
    assert len(band_song[0][STRINGSLIKE].starts) > len(piano_song[STRINGSLIKE].starts)
    sizes = [np.bincount(np.unique(np.rint(song[GUITARLIKE].starts), return_inverse=True)[1]).mean()
             for song in band_song]
    plain = np.bincount(np.unique(np.rint(piano_song[GUITARLIKE].starts), return_inverse=True)[1]).mean()
    assert max(sizes) > plain   # more notes struck together
    for song in band_song:   # still only the chords' tones where a chord is given
        piano = song[GUITARLIKE]
        at = chords[np.clip(np.rint(piano.starts).astype(int), 0, len(chords) - 1)]
        triads = [{c % 12, (c % 12 + (3 if c >= 12 else 4)) % 12, (c % 12 + 7) % 12} for c in at.tolist()]
        assert all(p % 12 in t for p, t in zip(piano.pitches.tolist(), triads))
