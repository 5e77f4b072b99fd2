"""The harmoniser: a chord per half bar for a melody, learned from annotated songs."""
import json

import numpy as np
import pytest

from wav2accomp.errors import Wav2AccompError
from wav2accomp.constants import BAR_POSITIONS
from wav2accomp.models.harmoniser import (BLOCKS, ECHO_HALF_BARS, ECHO_WEIGHT, N_EXTRA, PHRASE_BARS, HarmonyModel,
                                          averaged_harmonisers, bar_sounds, beat_context, chord_log_probabilities,
                                          half_bar_groups, half_bar_scores, harmonise_melody, load_harmoniser,
                                          melodic_repeats, melody_beats, phrase_position, played_scores,
                                          save_harmoniser)
from wav2accomp.symbolic.chords import chord_index
from wav2accomp.symbolic.harmony import NO_CHORD, transpose_chords

TONES = {"C": (60, 64, 67, 72), "F": (65, 69, 72, 77), "G": (67, 71, 74, 79), "Am": (69, 72, 76, 81)}


def arpeggios(names, bars_offset: int = 0) -> np.ndarray:
    """A melody roll arpeggiating one chord a bar in quarter notes (after `bars_offset` silent steps)."""
    melody = np.zeros((bars_offset + 16 * len(names), 78), dtype=np.uint8)
    for bar, name in enumerate(names):
        for beat, pitch in enumerate(TONES[name]):
            start = bars_offset + 16 * bar + 4 * beat
            melody[start:start + 4, pitch - 24] = 1
            melody[start, pitch - 24] = 2
    return melody


def random_model(seed: int = 0, hidden: int = 8) -> HarmonyModel:
    rng = np.random.default_rng(seed)
    shapes = ((len(BLOCKS) * 12, hidden), (hidden,), (N_EXTRA, hidden), (hidden, 2), (2,), (N_EXTRA,))
    return HarmonyModel(*(0.5 * rng.normal(size=shape).astype(np.float32) for shape in shapes))


def test_beat_context_reads_each_beat_and_its_surroundings():
    melody = arpeggios(["C", "F"])
    blocks, extra, spans = beat_context(melody, np.array([0, 16]))
    assert blocks.shape == (8, len(BLOCKS), 12) and extra.shape == (8, N_EXTRA)
    assert np.array_equal(spans[:, 0], np.arange(0, 32, 4))
    beat, bar, song = BLOCKS.index("beat"), BLOCKS.index("bar"), BLOCKS.index("song")
    assert blocks[0, beat, 0] == 1.0 and blocks[0, beat].sum() == 1.0          # the first beat sounds C
    assert np.allclose(blocks[0, bar, [0, 4, 7]], [0.5, 0.25, 0.25])             # C twice, E and G in bar 1
    assert np.isclose(blocks[3, BLOCKS.index("beat after"), 5], 1.0)            # then F starts bar 2
    assert np.isclose(blocks[:, song].sum(axis=1), 1.0).all()
    assert blocks[0, BLOCKS.index("bar before")].sum() == 0                      # nothing before the song


def test_far_bars_and_the_phrase_position_are_read():
    melody = arpeggios(["C"] * 3 + ["F"] * 7)                 # ten bars, the melody from the first
    melody[:2 * BAR_POSITIONS] = 0                            # ... now from bar 3
    blocks, extra, spans = beat_context(melody, np.arange(10) * BAR_POSITIONS)
    assert blocks[0, BLOCKS.index("8 bars after"), 5] > 0 and blocks[0, BLOCKS.index("3 bars after"), 5] > 0
    assert blocks[-1, BLOCKS.index("8 bars before")].sum() == 0 and blocks[-1, BLOCKS.index("7 bars before"), 0] > 0
    position = phrase_position(melody, np.arange(10) * BAR_POSITIONS, spans[:, 0])
    assert np.array_equal(extra[:, 5:], position) and (position.sum(axis=1) == 2).all()
    bar_of_phrase = np.argmax(position[:, :PHRASE_BARS + 1], axis=1)
    assert list(bar_of_phrase[::4]) == [PHRASE_BARS, PHRASE_BARS, 0, 1, 2, 3, 4, 5, 6, 7]   # two bars before it
    assert list(np.argmax(position[:4, PHRASE_BARS + 1:], axis=1)) == [0, 1, 2, 3]        # beats of the bar


def test_beats_follow_the_bars_and_half_bars_group_them():
    downbeats = np.array([2, 18])                     # a two-step pickup
    beats = melody_beats(34, downbeats)
    assert np.array_equal(beats, [2, 6, 10, 14, 18, 22, 26, 30])
    blocks, _, spans = beat_context(np.zeros((34, 78), np.uint8), downbeats)
    assert np.array_equal(half_bar_groups(spans, downbeats, 34), [0, 0, 1, 1, 2, 2, 3, 3])


def test_the_chords_are_probabilities_and_transpose_with_the_melody():
    model = random_model()
    melody = arpeggios(["C", "Am", "F", "G"])
    blocks, extra, _ = beat_context(melody, np.arange(0, 64, 16))
    log_probabilities = chord_log_probabilities(model, blocks, extra)
    assert log_probabilities.shape == (16, NO_CHORD + 1)
    assert np.allclose(np.exp(log_probabilities).sum(axis=1), 1.0, atol=1e-5)
    chords = harmonise_melody(model, melody, np.arange(0, 64, 16))
    for semitones in (1, 5, -3):
        moved = np.roll(melody, semitones, axis=1)
        assert np.array_equal(harmonise_melody(model, moved, np.arange(0, 64, 16)), transpose_chords(chords, semitones))


def test_a_half_bar_without_melody_echoes_the_half_bars_a_phrase_away():
    n = 2 * ECHO_HALF_BARS + 3
    groups = np.repeat(np.arange(n), 2)                         # two beats a half bar
    log_probabilities = np.random.default_rng(0).normal(size=(2 * n, NO_CHORD + 1))
    sounding = np.ones(2 * n, dtype=bool)
    sounding[2 * ECHO_HALF_BARS:2 * ECHO_HALF_BARS + 2] = False   # half bar ECHO_HALF_BARS is silent
    sounding[:2] = False                                            # so is half bar 0 (its echo before: none)
    plain = np.zeros((n, NO_CHORD + 1))
    np.add.at(plain, groups, log_probabilities)
    scores = half_bar_scores(log_probabilities, groups, sounding)
    silent = ECHO_HALF_BARS
    assert np.allclose(scores[silent], plain[silent] + ECHO_WEIGHT * plain[2 * ECHO_HALF_BARS])  # half bar 0: silent
    assert np.allclose(scores[0], plain[0])          # its echo after is the silent one, none before: nothing
    others = np.setdiff1d(np.arange(n), [0, silent])
    assert np.allclose(scores[others], plain[others])
    songs = np.where(np.arange(n) < 2 * ECHO_HALF_BARS, 0, 1)        # the half bar a phrase on is another song's
    assert np.allclose(half_bar_scores(log_probabilities, groups, sounding, songs)[silent], plain[silent])


def test_a_melody_that_comes_back_is_harmonised_alike():
    names = ["C", "F", "Am", "G"]
    melody, downbeats = np.concatenate([arpeggios(names), arpeggios(["G", "C"]), arpeggios(names)]), np.arange(10) * 16
    blocks, extra, spans = beat_context(melody, downbeats)
    groups = half_bar_groups(spans, downbeats, len(melody))
    sounding = bar_sounds(blocks)
    later, earlier = melodic_repeats(blocks, groups, sounding)
    pairs = set(zip(later.tolist(), earlier.tolist()))
    assert pairs == {(g + 12, g) for g in range(8)}          # bars 1-4 come back as 7-10, the G C between does not
    assert not melodic_repeats(blocks, groups, sounding, reach=1, likeness=1.1)[0].size   # nothing that alike
    songs = np.where(np.arange(20) < 12, 0, 1)                # two songs: nothing crosses
    later, earlier = melodic_repeats(blocks, groups, sounding, songs)
    assert ((later < 12) == (earlier < 12)).all()
    quiet = sounding & (groups < 12)                          # without melody in its bar a half bar repeats nothing
    assert (melodic_repeats(blocks, groups, quiet)[0] < 12).all()
    model = random_model(4)
    log_probabilities = chord_log_probabilities(model, blocks, extra)
    scores, (later, earlier) = played_scores(log_probabilities, blocks, groups)
    alone = half_bar_scores(log_probabilities, groups, sounding)
    like_three = [3, *earlier[later == 3], *later[earlier == 3]]
    assert np.allclose(scores[3], alone[like_three].mean(axis=0))
    for temperature, seed in ((0.0, 0), (2.0, 0), (2.0, 5)):
        chords = harmonise_melody(model, melody, downbeats, temperature=temperature, rng=np.random.default_rng(seed))
        assert np.array_equal(chords[16:48], chords[6 * 16 + 16:6 * 16 + 48])   # half bars 2-5 and 14-17


def test_one_chord_per_half_bar_with_a_prior_and_seeded_draws():
    model = random_model(1)
    melody, downbeats = arpeggios(["C", "Am", "F", "G"] * 2), np.arange(0, 128, 16)
    chords = harmonise_melody(model, melody, downbeats)
    assert all(len(set(chords[s:s + 8])) == 1 for s in range(0, 128, 8))
    only_c = np.full(NO_CHORD + 1, 1e-9)
    only_c[chord_index("C")] = 1.0
    assert (harmonise_melody(model, melody, downbeats, chord_prior=only_c) == chord_index("C")).all()
    drawn = [harmonise_melody(model, melody, downbeats, temperature=2.0, rng=np.random.default_rng(s)) for s in (0, 0, 1)]
    assert np.array_equal(drawn[0], drawn[1]) and not np.array_equal(drawn[0], drawn[2])
    assert (harmonise_melody(model, np.zeros((0, 78), np.uint8), np.zeros(0, int)) == NO_CHORD).all()


def test_a_saved_harmoniser_reads_back_and_a_broken_one_is_one_line(tmp_path):
    model = random_model(2)
    save_harmoniser(model, tmp_path / "h")
    loaded = load_harmoniser(tmp_path / "h")
    melody = arpeggios(["C", "G"])
    assert np.array_equal(harmonise_melody(loaded, melody, np.array([0, 16])),
                          harmonise_melody(model, melody, np.array([0, 16])))
    meta = json.loads((tmp_path / "h.json").read_text())
    meta["blocks"] = meta["blocks"][:-1]
    (tmp_path / "h.json").write_text(json.dumps(meta))
    with pytest.raises(Wav2AccompError, match="does not fit"):
        load_harmoniser(tmp_path / "h")
    (tmp_path / "h.npz").write_bytes(b"not an npz")
    with pytest.raises(Wav2AccompError, match="cannot read the harmoniser"):
        load_harmoniser(tmp_path / "h")


def test_the_shipped_harmoniser_hears_plain_progressions():
    from wav2accomp.models.generate import load_harmony

    names = ["C", "G", "Am", "F"] * 2
    chords = harmonise_melody(load_harmony(), arpeggios(names), np.arange(0, 128, 16))
    wanted = np.repeat([chord_index(n) for n in names], 16)
    assert np.mean(chords == wanted) >= 0.75


def test_training_learns_the_annotated_chords_and_resumes(chord_cache, tmp_path):
    torch = pytest.importorskip("torch")
    from wav2accomp.models.harmoniser_fit import AnnotatedBeats, HarmonyNetwork, train_harmoniser
    from wav2accomp.options import HarmoniserOptions

    def options(epochs, resume=False):
        return HarmoniserOptions(str(chord_cache), str(tmp_path / "run"), epochs=epochs, batch_size=32, hidden=16, learning_rate=1e-2,
                                 resume=resume, progress=False)

    first = train_harmoniser(options(3))
    assert [row["epoch"] for row in first["history"]] == [1, 2, 3]
    result = train_harmoniser(options(30, resume=True))
    assert [row["epoch"] for row in result["history"]] == list(range(1, 31))
    assert result["valid_accuracy"] >= 0.8
    with pytest.raises(Wav2AccompError, match="different --hidden"):
        train_harmoniser(HarmoniserOptions(str(chord_cache), str(tmp_path / "run"), batch_size=32, hidden=8,
                                           learning_rate=1e-2, resume=True, progress=False))
    model = load_harmoniser(tmp_path / "run" / "harmoniser-chords")
    assert model.info["train_songs"] == 8 and model.info["valid_songs"] == 2
    # the numpy model is the torch network without dropout
    valid = AnnotatedBeats(chord_cache, "valid")
    network = HarmonyNetwork(16)
    network.load_state_dict({"rotations": network.rotations,
                             "hidden.weight": torch.from_numpy(model.hidden_weight.T.copy()),
                             "hidden.bias": torch.from_numpy(model.hidden_bias),
                             "extra_hidden.weight": torch.from_numpy(model.extra_weight.T.copy()),
                             "triads.weight": torch.from_numpy(model.triad_weight.T.copy()),
                             "triads.bias": torch.from_numpy(model.triad_bias),
                             "none.weight": torch.from_numpy(model.none_weight[None])})
    network.eval()
    with torch.no_grad():
        expected = torch.log_softmax(network(valid.blocks, valid.extra), dim=1).numpy()
    assert np.allclose(chord_log_probabilities(model, valid.blocks.numpy(), valid.extra.numpy()), expected, atol=1e-4)


def test_averaged_harmonisers_score_the_mean_of_their_chord_scores(tmp_path):
    melody, downbeats = arpeggios(["C", "G", "Am", "F"]), np.arange(0, 64, 16)
    blocks, extra, _ = beat_context(melody, downbeats)
    models = [random_model(1), random_model(2, hidden=5)]
    average = averaged_harmonisers(models, {"note": "two"})
    assert average.hidden_bias.shape == (13,) and average.info == {"note": "two"}
    mean = np.mean([chord_log_probabilities(m, blocks, extra) for m in models], axis=0)
    expected = mean - np.log(np.exp(mean).sum(axis=1, keepdims=True))
    assert np.allclose(chord_log_probabilities(average, blocks, extra), expected, atol=1e-5)
    weighted = averaged_harmonisers(models, weights=[3, 1])
    logits = sum(w * chord_log_probabilities(m, blocks, extra) for w, m in zip((0.75, 0.25), models))
    assert np.allclose(chord_log_probabilities(weighted, blocks, extra),
                       logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)), atol=1e-5)
    save_harmoniser(average, tmp_path / "average")                      # one model's format, read back as one
    assert np.allclose(chord_log_probabilities(load_harmoniser(tmp_path / "average"), blocks, extra), expected,
                       atol=1e-5)


def test_training_can_average_with_other_harmonisers(chord_cache, tmp_path):
    pytest.importorskip("torch")
    from wav2accomp.models.harmoniser_fit import train_harmoniser
    from wav2accomp.options import HarmoniserOptions

    runs = [random_model(3), random_model(4, hidden=5)]
    runs[1].info = {"command": "second", "hidden": 5, "valid_accuracy": 0.25, "seconds": 1.0}
    partner = averaged_harmonisers(runs, {"command": "first", "hidden": 8, "valid_accuracy": 0.5,
                                          "valid_accuracy_alone": 0.4, "seconds": 2.0,
                                          "averaged_with": [{"stem": "second", **runs[1].info}]})
    save_harmoniser(partner, tmp_path / "partner")
    options = dict(epochs=2, batch_size=32, hidden=6, learning_rate=1e-2, progress=False)
    with pytest.raises(Wav2AccompError, match="missing"):
        train_harmoniser(HarmoniserOptions(str(chord_cache), str(tmp_path / "bad"), average_with=[tmp_path / "missing"],
                                           **options))
    assert not (tmp_path / "bad" / "checkpoint.pt").exists()
    result = train_harmoniser(HarmoniserOptions(str(chord_cache), str(tmp_path / "run"),
                                                average_with=[tmp_path / "partner"], **options))
    model = load_harmoniser(tmp_path / "run" / "harmoniser-chords")
    assert model.hidden_bias.shape == (6 + 8 + 5,)
    # the partner's two runs weigh as much as this one each: a third of the scores apiece
    assert np.allclose(model.triad_weight[6:], 2 / 3 * partner.triad_weight, atol=1e-6)
    assert [run["stem"] for run in model.info["averaged_with"]] == [str(tmp_path / "partner"), "second"]
    assert [run["valid_accuracy"] for run in model.info["averaged_with"]] == [0.4, 0.25]
    assert model.info["valid_accuracy"] == round(result["valid_accuracy"], 4)
    assert "valid_accuracy_alone" in model.info


def test_no_annotated_songs_is_one_line(tiny_cache, tmp_path):
    pytest.importorskip("torch")
    from wav2accomp.models.harmoniser_fit import train_harmoniser
    from wav2accomp.options import HarmoniserOptions

    with pytest.raises(Wav2AccompError, match="no train songs with chord annotations"):
        train_harmoniser(HarmoniserOptions(str(tiny_cache), str(tmp_path / "run"), progress=False))


def test_a_misheard_song_keeps_its_notes_and_chords_on_a_wrong_grid():
    pytest.importorskip("torch")
    from wav2accomp.models.harmoniser_fit import misheard
    from wav2accomp.symbolic.roll import roll_note_spans

    melody, downbeats = arpeggios(["C", "G", "Am", "F"]), np.arange(0, 64, 16)
    chords = np.repeat([chord_index(n) for n in ("C", "G", "Am", "F")], 16)
    kinds = set()
    for seed in range(12):
        heard, heard_chords, heard_downbeats = misheard(melody, chords, downbeats, np.random.default_rng(seed))
        assert len(heard_chords) == len(heard) and heard_downbeats.max() < len(heard)
        pitches = roll_note_spans(heard)[0]
        assert len(pitches) == 16 and set(pitches.tolist()) == set(roll_note_spans(melody)[0].tolist())
        kinds.add(len(heard) // len(melody) if len(heard) >= len(melody) else -1)
        # the chord under each note is still the chord it was sung over
        first = np.flatnonzero((heard == 2).any(axis=1))[0]
        assert heard_chords[first] == chord_index("C")
    assert kinds == {1, 2, -1}                                    # shifted bar lines, double time, half time


def test_the_half_bar_loss_scores_each_beat_as_its_half_bar_decodes_it():
    torch = pytest.importorskip("torch")
    from wav2accomp.models.harmoniser_fit import half_bar_batch, chord_nll

    rows, local = half_bar_batch(torch.tensor([0, 2, 5, 6]), torch.tensor([2, 0]))
    assert rows.tolist() == [5, 0, 1] and local.tolist() == [0, 1, 1]
    log_probabilities = torch.log_softmax(torch.randn(3, 25, generator=torch.Generator().manual_seed(0)), dim=1)
    labels, weights, groups = torch.tensor([4, -1, 7]), torch.tensor([1.0, 1.0, 3.0]), torch.tensor([0, 0, 1])
    beat = chord_nll(log_probabilities, labels, weights, groups, "beat")
    assert torch.isclose(beat, -(log_probabilities[0, 4] + 3 * log_probabilities[2, 7]) / 4)
    # the uncounted beat still shapes its half bar's decoded chord
    decoded = torch.log_softmax(log_probabilities[0] + log_probabilities[1], dim=0)
    half_bar = chord_nll(log_probabilities, labels, weights, groups, "half-bar")
    assert torch.isclose(half_bar, -(decoded[4] + 3 * log_probabilities[2, 7]) / 4)


def test_the_memory_of_melodic_repeats_grows_with_the_song_not_its_square():
    """A tune played over and over for 4000 bars (over two hours at 120 BPM): every half bar is like every other,
    the case where comparing all pairs took 30 GiB for a five-hour song."""
    import tracemalloc

    model, peaks = random_model(4), []
    for bars in (2000, 4000):
        melody, downbeats = arpeggios(["C", "F", "Am", "G"] * (bars // 4)), np.arange(bars) * 16
        blocks, extra, spans = beat_context(melody, downbeats)
        groups = half_bar_groups(spans, downbeats, len(melody))
        log_probabilities = chord_log_probabilities(model, blocks, extra)
        tracemalloc.start()
        played_scores(log_probabilities, blocks, groups)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 250e6 and peaks[1] < 2.5 * peaks[0], peaks
