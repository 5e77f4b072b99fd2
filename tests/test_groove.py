"""The groove drummer: its form (sections, phrase slots, ending), its choices, its variations, learning and files."""
import numpy as np
import pytest

from wav2accomp.constants import BAR_POSITIONS, N_PITCHES, ONSET, PHRASE_BARS, PITCH_LOW
from wav2accomp.errors import Wav2AccompError
from wav2accomp.evaluation.metrics import drum_bar_metrics
from wav2accomp.models.dataset import PartSongs
from wav2accomp.models.generate import load_drummer
from wav2accomp.models.groove import (FAMILY_VOICES, N_SLOTS, PARTNER_MIN_HITS, STYLES, VOICE, alternate_sections,
                                      bar_plan, choose_grooves, load_groove_model, play_drums, save_groove_model,
                                      section_bounds, section_features)
from wav2accomp.models.groove_fit import choice_agreement, fit_groove_model, kit_onsets
from wav2accomp.symbolic.roll import onset_cells


def melody_roll(n_bars: int, *, entry_bar: int = 0, last_onset: int | None = None, seed: int = 0) -> np.ndarray:
    """A melody of quarter notes from `entry_bar`, ending with an onset at step `last_onset` (default: the last
    bar's downbeat, held to the end)."""
    rng = np.random.default_rng(seed)
    roll = np.zeros((n_bars * BAR_POSITIONS, N_PITCHES), dtype=np.uint8)
    end = (n_bars - 1) * BAR_POSITIONS if last_onset is None else last_onset
    for start in range(entry_bar * BAR_POSITIONS, end, 4):
        pitch = int(rng.integers(60, 72)) - PITCH_LOW
        roll[start:start + 4, pitch] = 1
        roll[start, pitch] = ONSET
    roll[end:, 67 - PITCH_LOW] = 1
    roll[end, 67 - PITCH_LOW] = ONSET
    return roll


def downbeats(n_bars: int) -> np.ndarray:
    return np.arange(n_bars) * BAR_POSITIONS


def bars_of(roll: np.ndarray) -> np.ndarray:
    """``(B, 16, 78)`` onset cells per bar."""
    return onset_cells(roll).reshape(-1, BAR_POSITIONS, N_PITCHES)


@pytest.fixture(scope="module")
def drummer():
    return load_drummer()


def test_the_form_counts_phrases_from_the_melodys_entry():
    plan = bar_plan(melody_roll(20, entry_bar=2, last_onset=19 * 16 + 10), downbeats(20))
    assert plan.entry == 2
    assert list(plan.slots[:2]) == [2 * PHRASE_BARS, 2 * PHRASE_BARS + 1]        # intro; its last bar leads in
    assert plan.slots[2] // 2 == 0 and plan.slots[9] // 2 == PHRASE_BARS - 1     # phrase positions 0 and 7
    assert list(np.flatnonzero(plan.section_start)) == [2, 10, 18]
    assert (plan.ending, plan.ending_offset) == (19, 10)                        # with the last note
    assert section_bounds(plan).tolist() == [[0, 2], [2, 10], [10, 18], [18, 20]]
    assert plan.slots.max() < N_SLOTS


def test_a_melody_ending_on_a_downbeat_gets_the_ending_there(drummer):
    roll = play_drums(drummer, melody_roll(9), downbeats(9), bpm=110)
    last = bars_of(roll)[-1]
    kick, crash = drummer.drums[VOICE["kick"]] - PITCH_LOW, drummer.drums[VOICE["crash"]] - PITCH_LOW
    assert last[0, kick] and last[0, crash]
    assert not last[1:].any()                                                 # then silence


def test_the_drums_play_a_backbeat_with_crashes_on_section_starts_and_no_doubled_kick(drummer):
    melody = melody_roll(33)
    roll = play_drums(drummer, melody, downbeats(33), bpm=112)
    bars = bars_of(roll)
    crash = drummer.drums[VOICE["crash"]] - PITCH_LOW
    assert all(bars[b, 0, crash] for b in (0, 8, 16, 24))
    assert not (bars[:, :, 35 - PITCH_LOW] & bars[:, :, 36 - PITCH_LOW]).any()
    measured = drum_bar_metrics(roll, downbeats(33))
    assert measured["backbeat_rate"] > 0.8 and measured["kick_on_one_rate"] > 0.8
    assert 0.0 < measured["exact_repeat_share"] < 1.0                          # it varies, but keeps the groove
    assert measured["hihat_regularity"] > 0.8


def test_the_same_seed_plays_the_same_part_and_another_seed_varies_it(drummer):
    melody, bars = melody_roll(24), downbeats(24)
    first = play_drums(drummer, melody, bars, bpm=100, seed=3)
    assert np.array_equal(first, play_drums(drummer, melody, bars, bpm=100, seed=3))
    assert not np.array_equal(first, play_drums(drummer, melody, bars, bpm=100, seed=4))


def test_phrase_ends_fill_the_second_half_of_the_bar(drummer):
    melody, bars = melody_roll(41), downbeats(41)
    ends, others = [], []
    for seed in range(12):
        patterns = bars_of(play_drums(drummer, melody, bars, bpm=120, seed=seed))[:-1]   # the last bar ends
        keys, counts = np.unique(patterns.reshape(len(patterns), -1), axis=0, return_counts=True)
        groove = keys[np.argmax(counts)].reshape(BAR_POSITIONS, N_PITCHES)
        late_changes = (patterns[:, 8:] != groove[8:]).sum(axis=(1, 2))
        position = np.arange(len(patterns)) % PHRASE_BARS
        ends.append(late_changes[position == PHRASE_BARS - 1].mean())
        others.append(late_changes[np.isin(position, (0, 2, 4))].mean())
    assert np.mean(ends) > 1.5 * np.mean(others)


def test_density_leans_sparser_or_busier(drummer):
    melody, bars = melody_roll(24), downbeats(24)
    hits = [np.mean([onset_cells(play_drums(drummer, melody, bars, bpm=100, seed=s, density=d)).sum()
                     for s in range(4)]) for d in (0.5, 1.0, 2.0)]
    assert hits[0] < hits[1] < hits[2]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_style_keeps_every_section_to_its_grooves(drummer, style):
    melody, bars = melody_roll(24), downbeats(24)
    features = section_features(melody, bars, 100, bar_plan(melody, bars))
    for groove in choose_grooves(drummer, features, style=style):
        pattern = drummer.grooves[groove]
        assert not pattern.any() or STYLES[style](pattern)


def test_unknown_styles_and_bad_densities_are_refused(drummer):
    melody, bars = melody_roll(4), downbeats(4)
    with pytest.raises(Wav2AccompError, match="unknown drum style"):
        play_drums(drummer, melody, bars, bpm=100, style="polka")
    for density in (0.0, -1.0, float("nan")):
        with pytest.raises(Wav2AccompError, match="density"):
            play_drums(drummer, melody, bars, bpm=100, density=density)


def test_sections_from_the_entry_alternate_between_a_groove_and_its_partner(drummer):
    melody, bars = melody_roll(42, entry_bar=2), downbeats(42)
    features = section_features(melody, bars, 100, bar_plan(melody, bars))    # the intro, then 8 bars each
    chosen = choose_grooves(drummer, features)
    verse, chorus = chosen[1::2], chosen[2::2]
    assert len(set(verse)) == 1 and len(set(chorus)) == 1 and verse[0] != chorus[0]
    assert (drummer.grooves[verse[0]] != drummer.grooves[chorus[0]]).sum() >= PARTNER_MIN_HITS
    snare = list(FAMILY_VOICES["snare"])
    assert np.array_equal(drummer.grooves[verse[0]][:, snare].any(axis=1),
                          drummer.grooves[chorus[0]][:, snare].any(axis=1))           # the backbeat stays
    scores, after_entry = features @ drummer.utility, features[:, -1] == 0
    steady = np.full(len(chosen), verse[0])
    assert alternate_sections(drummer, steady, scores, after_entry).tolist() == [verse[0], verse[0], chorus[0],
                                                                               verse[0], chorus[0], verse[0]]
    assert np.array_equal(alternate_sections(drummer, steady, scores, after_entry & False), steady)


def test_temperature_samples_other_grooves(drummer):
    melody, bars = melody_roll(40), downbeats(40)
    features = section_features(melody, bars, 100, bar_plan(melody, bars))
    cold = {tuple(choose_grooves(drummer, features, rng=np.random.default_rng(s))) for s in range(4)}
    sampled = {tuple(choose_grooves(drummer, features, temperature=2.0, rng=np.random.default_rng(s)))
               for s in range(8)}
    assert len(cold) == 1 and len(sampled) > 1


def four_on_the_floor_song(seed: int, n_bars: int = 33) -> tuple[np.ndarray, np.ndarray]:
    """A melody and a drum roll: kick on every beat, clap and shaker on 2 and 4, a tom fill in every 8th bar."""
    melody = melody_roll(n_bars, seed=seed)
    drums = np.zeros_like(melody)
    for bar in range(n_bars - 1):
        start = bar * BAR_POSITIONS
        drums[start + np.arange(0, 16, 4), 36 - PITCH_LOW] = ONSET
        drums[start + np.array([4, 12]), [[39 - PITCH_LOW], [70 - PITCH_LOW]]] = ONSET
        if bar % PHRASE_BARS == PHRASE_BARS - 1:
            drums[start + np.array([12, 13, 14, 15]), 45 - PITCH_LOW] = ONSET
    return melody, drums


def test_fitting_learns_a_corpus_groove_and_its_fills():
    songs = [four_on_the_floor_song(seed) for seed in range(6)]
    bars = [downbeats(33)] * 6
    corpus = PartSongs([f"s{i}" for i in range(6)], [m for m, _ in songs], [d for _, d in songs],
                       [np.arange(33 * 16) % 16] * 6, np.zeros((6, 12), np.float32), bars, [None] * 6, [120.0] * 6)
    model = fit_groove_model(corpus, min_songs=5)
    assert len(model.grooves) == 2 and not model.grooves[0].any()                # silence and the corpus's groove
    roll = play_drums(model, melody_roll(33, seed=9), downbeats(33), bpm=120)
    played = kit_onsets(roll).reshape(-1, BAR_POSITIONS, len(VOICE))
    assert played[1:7, ::4, VOICE["kick"]].all() and played[1:7, [4, 12], VOICE["clap"]].all()
    assert played[7, 12:, VOICE["mid tom"]].all() and not played[3, :, VOICE["mid tom"]].any()
    assert model.drums[VOICE["clap"]] == 39 and model.drums[VOICE["mid tom"]] == 45
    assert np.argwhere(model.doubling).tolist() == [[4, VOICE["shaker"]], [12, VOICE["shaker"]]]
    assert model.drums[VOICE["shaker"]] == 70 and played[1:7, [4, 12], VOICE["shaker"]].all()
    measured = choice_agreement(model, corpus)      # each section gets its best groove: the groove, or silence
    assert measured["chosen"] == pytest.approx(measured["ceiling"]) and measured["best_single"] < measured["chosen"]


def test_the_percussion_layer_doubles_the_snare_wherever_it_plays(drummer):
    assert drummer.doubling.any() and not drummer.doubling[:, [VOICE["kick"], VOICE["snare"]]].any()
    played = kit_onsets(play_drums(drummer, melody_roll(33), downbeats(33), bpm=112, seed=1))
    snare = played[:, [VOICE["side stick"], VOICE["snare"], VOICE["clap"]]].any(axis=1)
    layer = np.tile(drummer.doubling, (33, 1))[:len(played)]
    assert played[snare[:, None] & layer].all() and not played[~snare[:, None] & layer].any()
    assert played[:, VOICE["tambourine"]].sum() > 40


def test_a_model_survives_its_files_and_broken_files_are_refused(drummer, tmp_path):
    save_groove_model(drummer, tmp_path / "g")
    again = load_groove_model(tmp_path / "g")
    melody, bars = melody_roll(12), downbeats(12)
    assert np.array_equal(play_drums(drummer, melody, bars, bpm=90), play_drums(again, melody, bars, bpm=90))
    (tmp_path / "g.npz").write_bytes(b"not an archive")
    with pytest.raises(Wav2AccompError, match="cannot read the groove model"):
        load_groove_model(tmp_path / "g")
    arrays = {name: getattr(drummer, name) for name in drummer.ARRAYS}
    np.savez(tmp_path / "h.npz", **{**arrays, "utility": arrays["utility"][:3]})
    (tmp_path / "h.json").write_text((tmp_path / "g.json").read_text())
    with pytest.raises(Wav2AccompError, match="does not fit"):
        load_groove_model(tmp_path / "h")


def test_drum_bar_metrics_of_known_parts():
    n_bars = 8
    roll = np.zeros((n_bars * BAR_POSITIONS, N_PITCHES), dtype=np.uint8)
    for bar in range(n_bars):
        start = bar * BAR_POSITIONS
        roll[start + np.array([0, 8]), 36 - PITCH_LOW] = ONSET
        roll[start + np.array([4, 12]), 38 - PITCH_LOW] = ONSET
        roll[start + np.arange(0, 16, 2), 42 - PITCH_LOW] = ONSET
    steady = drum_bar_metrics(roll, downbeats(n_bars))
    assert steady == {"backbeat_rate": 1.0, "kick_on_one_rate": 1.0, "hihat_regularity": 1.0,
                      "exact_repeat_share": 1.0, "fill_rate": 0.0}
    roll[np.array([3, 7])[:, None] * BAR_POSITIONS + np.array([13, 14, 15]), 45 - PITCH_LOW] = ONSET   # fills
    roll[5 * BAR_POSITIONS + 4, 38 - PITCH_LOW] = 0                                                    # a lost 2
    filled = drum_bar_metrics(roll, downbeats(n_bars))
    assert filled["fill_rate"] == 1.0 and filled["backbeat_rate"] == 7 / 8
    assert filled["exact_repeat_share"] == pytest.approx(2 / 7)   # bars 1 and 2 repeat the bar before


def test_train_grooves_writes_a_drummer_that_accompany_plays(tiny_cache, tmp_path):
    from wav2accomp.cli import main
    from wav2accomp.symbolic.midi_io import read_midi

    assert main(["train-grooves", "--data", str(tiny_cache), "--out", str(tmp_path / "grooves"), "-q"]) == 0
    model = load_groove_model(tmp_path / "grooves" / "groove-percussion")
    assert model.info["songs"] == 6 and model.info["valid_songs"] == 2 and len(model.grooves) == 2
    rock = model.grooves[1]                              # the corpus's rock beat, learned
    assert rock[[0, 8], VOICE["kick"]].all() and rock[[4, 12], VOICE["snare"]].all()
    melody = tmp_path / "melody.mid"
    from conftest import make_midi, name, tune
    make_midi(melody, [[name("Melody")] + tune([60, 62, 64, 65, 67, 65, 64, 62] * 8)])
    out = tmp_path / "band.mid"
    assert main(["accompany", str(melody), "-o", str(out), "--parts", "drums", "--model-dir",
                 str(tmp_path / "grooves"), "--drums-density", "1.5"]) == 0
    drums = [p for p in read_midi(out).parts if p.is_drum][0]
    assert {36, 38} <= {n.pitch for n in drums.notes}


def test_a_model_folder_without_a_drummer_falls_back_to_the_shipped_one(tmp_path):
    assert load_drummer(tmp_path).info == load_drummer().info
