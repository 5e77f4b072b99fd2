"""Chords first: the bassline model learns bar figures from real bass parts and plays the chords it is given."""
import numpy as np
import pytest

from wav2accomp.constants import BAR_POSITIONS, N_PITCHES, ONSET, PITCH_LOW
from wav2accomp.errors import Wav2AccompError
from wav2accomp.models.bassline import (DEGREES, BasslineModel, degree_of, degree_pitch, fit_bassline, load_bassline,
                                        play_bass, root_pitch, save_bassline)
from wav2accomp.models.dataset import load_part_songs
from wav2accomp.evaluation.metrics import bass_root_agreement
from wav2accomp.models.generate import choose_chords, generate_parts, load_bassist
from wav2accomp.symbolic.chords import chord_index
from wav2accomp.symbolic.harmony import NO_CHORD
from wav2accomp.symbolic.roll import onset_cells, roll_note_spans


def quiet_melody(n_bars: int) -> np.ndarray:
    roll = np.zeros((n_bars * BAR_POSITIONS, N_PITCHES), dtype=np.uint8)
    roll[::4, 72 - PITCH_LOW] = ONSET
    return roll


def figure(text: str) -> np.ndarray:
    """A bar figure from letters: . silent, - held, R/F/O/T/A struck on root, fifth, octave, third, approach."""
    return np.array([".-RFOTA".index(c) for c in text], dtype=np.uint8)


def one_figure_model(text: str) -> BasslineModel:
    table = np.full((3, 3, 8), -1)
    table[..., 0] = 0
    return BasslineModel(figure(text)[None], table, np.where(table >= 0, 1, 0), 40.0, 1)


def test_the_figure_learned_from_the_corpus_is_its_bass_players(tiny_cache):
    songs = load_part_songs(tiny_cache, "bass", "train")
    model = fit_bassline(songs)
    # the synthetic songs' bass: root, root, fifth, root in quarter notes at 120 BPM, one note per beat
    assert np.array_equal(model.figures[model.figure_table[1, 0, 0]], figure("R---R---F---R---"))
    assert 30 < model.center < 40


def test_degrees_are_read_and_played_the_same_way():
    for chord in (chord_index("C"), chord_index("F#m"), chord_index("Bb")):
        for degree in ("root", "fifth", "octave", "third"):
            pitch = degree_pitch(degree, chord, NO_CHORD, 40.0, 1)
            assert DEGREES[degree_of(pitch, chord, 40.0)] == degree
    assert degree_pitch("approach", chord_index("C"), chord_index("G"), 40.0, 1) == root_pitch(7, 40.0) - 1
    assert 34 <= root_pitch(0, 40.0) < 46


def test_the_bass_plays_the_roots_of_the_given_chords_one_note_at_a_time():
    model = one_figure_model("R-R-F-R-O-R-T-A-")
    n_bars = 6
    names = ("C", "G", "Am", "F", "N", "C")
    chords = np.repeat([chord_index(c) for c in names], BAR_POSITIONS)
    roll = play_bass(model, quiet_melody(n_bars), np.arange(n_bars) * BAR_POSITIONS, chords, bpm=100)
    assert ((roll > 0).sum(axis=1) <= 1).all()                                    # one note at a time
    assert not roll[4 * BAR_POSITIONS:5 * BAR_POSITIONS].any()                   # no chord, no bass
    pitches, starts, _ = roll_note_spans(roll)
    for bar, name in enumerate(names[:4]):
        first = pitches[starts == bar * BAR_POSITIONS]
        assert first.size == 1 and first[0] % 12 == chord_index(name) % 12        # the root on the one
    fifth = pitches[starts == BAR_POSITIONS + 4][0]
    assert (fifth - chord_index("G")) % 12 == 7
    assert pitches[starts == 14][0] == root_pitch(chord_index("G"), 40.0) - 1     # C's last note leads into G
    assert pitches[starts == 3 * BAR_POSITIONS + 14][0] == root_pitch(chord_index("F"), 40.0) - 1  # no chord next


def test_a_chord_change_under_a_held_note_gets_a_new_root():
    model = one_figure_model("R---------------")
    chords = np.array([chord_index("C")] * 8 + [chord_index("F")] * 8)
    roll = play_bass(model, quiet_melody(1), np.array([0]), chords, bpm=120)
    struck = np.flatnonzero(onset_cells(roll).any(axis=1))
    assert list(struck) == [0, 8] and np.flatnonzero(roll[8])[0] + PITCH_LOW == root_pitch(chord_index("F"), 40.0)


def test_temperature_draws_figures_reproducibly():
    model = load_bassist()
    n_bars = 16
    chords = np.repeat([chord_index(c) for c in ("C", "G", "Am", "F") * 4], BAR_POSITIONS)
    downbeats = np.arange(n_bars) * BAR_POSITIONS
    plain = play_bass(model, quiet_melody(n_bars), downbeats, chords, bpm=100)
    free = [play_bass(model, quiet_melody(n_bars), downbeats, chords, bpm=100, temperature=1.0, seed=s)
            for s in (1, 1, 2)]
    assert np.array_equal(free[0], free[1]) and not np.array_equal(free[0], free[2])
    assert not np.array_equal(plain, free[2])


def test_models_survive_their_files_and_broken_files_are_refused(tmp_path):
    model = load_bassist()
    save_bassline(model, tmp_path / "b")
    again = load_bassline(tmp_path / "b")
    assert np.array_equal(again.figures, model.figures) and again.center == model.center
    (tmp_path / "b.npz").write_bytes(b"junk")
    with pytest.raises(Wav2AccompError, match="cannot read the bassline model"):
        load_bassline(tmp_path / "b")
    np.savez(tmp_path / "c.npz", figures=model.figures + 10, figure_table=model.figure_table,
             figure_counts=model.figure_counts)
    (tmp_path / "c.json").write_text((tmp_path / "b.json").read_text())
    with pytest.raises(Wav2AccompError, match="does not fit"):
        load_bassline(tmp_path / "c")


def test_the_band_bass_follows_the_pianos_chords_from_the_melody_alone():
    n_bars = 8
    melody = quiet_melody(n_bars)
    for step, pitch in enumerate([60, 64, 67, 72] * 2 * n_bars):
        melody[step * 2, :] = 0
        melody[step * 2, pitch - PITCH_LOW] = ONSET
    downbeats = np.arange(n_bars) * BAR_POSITIONS
    rolls = generate_parts(melody, downbeats, parts=("guitarlike", "bass"))
    assert set(rolls) == {"guitarlike", "bass"} and rolls["bass"].any()
    assert ((rolls["bass"] > 0).sum(axis=1) <= 1).all()
    # the piano's chords: their root on every downbeat (between them the drawn figures walk, as real lines do)
    assert bass_root_agreement(rolls["bass"], choose_chords(melody, downbeats), downbeats) == 1.0
    # without the harmoniser (the paper architecture, or --harmony network) the aligned model's chord head
    alone = generate_parts(melody, downbeats, parts=("bass",), arch="paper")
    networks = generate_parts(melody, downbeats, parts=("guitarlike", "bass"), harmony="network")
    assert np.array_equal(alone["bass"], networks["bass"])


def test_train_bassline_then_accompany_plays_the_users_chords(tiny_cache, tmp_path):
    from conftest import make_midi, name, tune

    from wav2accomp.cli import main
    from wav2accomp.symbolic.midi_io import read_midi

    assert main(["train-bassline", "--data", str(tiny_cache), "--out", str(tmp_path), "-q"]) == 0
    assert (tmp_path / "bassline-bass.npz").is_file()
    melody = make_midi(tmp_path / "melody.mid", [[name("Melody")] + tune([64, 65, 67, 69, 67, 65, 64, 62] * 4)])
    out = tmp_path / "band.mid"
    assert main(["accompany", str(melody), "-o", str(out), "--parts", "bass", "--chords", "Am F C G",
                 "--model-dir", str(tmp_path)]) == 0
    bass = read_midi(out).parts[1]
    assert bass.program == 33
    firsts = [min((n for n in bass.notes if abs(n.start_beat - 4 * bar) < 0.1), key=lambda n: n.pitch).pitch % 12
              for bar in range(4)]
    assert firsts == [chord_index(c) % 12 for c in ("Am", "F", "C", "G")]
