"""Learning a groove model (:mod:`wav2accomp.models.groove`) from the drum parts of a corpus.

Pure numpy, minutes on a laptop: every song's drums are reduced to the kit,
cut into bars and sections (8 bars from the melody's entry); each section's
main groove is its most frequent bar, each other bar an edit of it. Grooves
and edits found in enough songs (:data:`~wav2accomp.constants.GROOVE_MIN_SONGS`)
form the vocabularies; edit probabilities are counted per slot; the percussion
layer is the main grooves' most common doubling of the snare; the groove
choice is a ridge regression from :func:`~wav2accomp.models.groove.melody_features`
to each groove's agreement with the song's real drums.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..constants import (BAR_POSITIONS, DRUM_KIT, GROOVE_MIN_SONGS, GROOVE_MODEL, PERCUSSION, PHRASE_BARS, PITCH_LOW,
                         STEPS_PER_BEAT)
from ..symbolic.roll import onset_cells, roll_note_spans
from .dataset import PartSongs, load_part_songs
from .groove import (BAR_EDIT, BEAT_EDITS, FAMILY_VOICES, FILL_SLOTS, KEEP, N_SLOTS, PERCUSSION_VOICES, VOICE, VOICES,
                     GrooveModel, bar_plan, save_groove_model, section_bounds, section_features)

#: Ridge penalty of the groove choice's regression (features are shares and one-hots, about 1 in size).
RIDGE = 3.0
#: Weight of an edit's corpus-wide share added to its count in each context (smoothing of rare ones), in beats.
EDIT_SMOOTHING = 2.0
#: Levels of a song's restlessness (its share of varied bars over the corpus's mean) kept as quantiles.
RESTLESSNESS_LEVELS = 10
#: Beats of a 16-step bar.
BEATS = BAR_POSITIONS // STEPS_PER_BEAT


def kit_onsets(roll: np.ndarray) -> np.ndarray:
    """``(T, K)`` bool: where each voice of the kit starts a hit in an encoded drum roll."""
    onsets = onset_cells(roll)
    return np.stack([onsets[:, [d - PITCH_LOW for d in drums]].any(axis=1) for drums in DRUM_KIT.values()], axis=1)


def agreement(grooves: np.ndarray, drums: np.ndarray, counts: np.ndarray, totals: np.ndarray,
              n_bars: int) -> np.ndarray:
    """How well each groove, played in every bar of a stretch of a song, agrees with its real drums, ``(G,)``:
    the mean of the onset F1 of each drum family and the frame F1 of the drums' cells (a family neither
    played nor heard is left out; silence against silence scores 1).

    Parameters
    ----------
    grooves : np.ndarray
        ``(G, 16, K)`` bool patterns.
    drums : np.ndarray
        ``(K,)`` GM drum of each voice.
    counts : np.ndarray
        ``(16, n_families + 78)``: over the stretch's 16-step bars, how many have a hit of each family, then a
        sounding cell of each drum row, at each position.
    totals : np.ndarray
        ``(n_families + 78,)`` the same over the whole stretch.
    n_bars : int
        16-step bars the groove is played in.
    """
    families = [grooves[:, :, list(v)].any(axis=2) for v in FAMILY_VOICES.values()]
    n_families = len(families)
    cells = np.zeros(grooves.shape[:2] + (counts.shape[1] - n_families,), dtype=bool)
    cells[:, :, np.asarray(drums) - PITCH_LOW] = grooves
    played = np.concatenate([np.stack(families, axis=2), cells], axis=2)
    hits = np.einsum("gtc,tc->gc", played, counts)
    estimated = n_bars * played.sum(axis=1)
    scores = [hits[:, :n_families], estimated[:, :n_families], np.broadcast_to(totals[:n_families],
                                                                                (len(grooves), n_families))]
    frame = [hits[:, n_families:].sum(axis=1, keepdims=True), estimated[:, n_families:].sum(axis=1, keepdims=True),
             np.full((len(grooves), 1), totals[n_families:].sum())]
    hit, est, ref = (np.concatenate(pair, axis=1) for pair in zip(scores, frame))
    scored = est + ref > 0
    f1 = np.where(scored, 2 * hit / np.maximum(est + ref, 1), 0.0)
    return np.where(scored.any(axis=1), f1.sum(axis=1) / np.maximum(scored.sum(axis=1), 1), 1.0)


def _song_bars(melody: np.ndarray, target: np.ndarray, downbeats: np.ndarray):
    """Kit onsets, bar plan and the 16-step bars (index, pattern) of one song."""
    onsets = kit_onsets(target)
    plan = bar_plan(melody, downbeats)
    bars = [(b, onsets[start:end]) for b, (start, end) in enumerate(plan.spans) if end - start == BAR_POSITIONS]
    return onsets, plan, bars


def _heard_by_section(onsets: np.ndarray, target: np.ndarray, plan) -> list[tuple]:
    """Per section, what :func:`agreement` compares a groove with: (counts, totals, 16-step bars)."""
    heard = np.concatenate([np.stack([onsets[:, list(v)].any(axis=1) for v in FAMILY_VOICES.values()], axis=1),
                            target > 0], axis=1)
    stats = []
    for first, last in section_bounds(plan):
        spans = plan.spans[first:last]
        full = [(a, b) for a, b in spans if b - a == BAR_POSITIONS]
        counts = sum((heard[a:b] for a, b in full), np.zeros((BAR_POSITIONS, heard.shape[1])))
        stats.append((counts, heard[spans[0, 0]:spans[-1, 1]].sum(axis=0), len(full)))
    return stats


def choice_agreement(model: GrooveModel, songs: PartSongs) -> dict[str, float]:
    """Mean agreement (:func:`agreement`) with the real drums of `songs`, per section: of the groove the model
    prefers for it (before bar edits), of the single groove that is best on average over these songs, and of the
    best groove of each section (``ceiling``: what any choice from the vocabulary could reach)."""
    rows, x = [], []
    for i in range(len(songs)):
        plan = bar_plan(songs.melody[i], songs.downbeats[i])
        rows.extend(_heard_by_section(kit_onsets(songs.target[i]), songs.target[i], plan))
        x.append(section_features(songs.melody[i], songs.downbeats[i], songs.bpm[i], plan))
    agreements = np.array([agreement(model.grooves, model.drums, c, t, n) for c, t, n in rows])
    chosen = np.argmax(np.concatenate(x) @ model.utility, axis=1)
    return {"chosen": float(agreements[np.arange(len(chosen)), chosen].mean()),
            "best_single": float(agreements.mean(axis=0).max()), "ceiling": float(agreements.max(axis=1).mean())}


def train_grooves(cache: str | os.PathLike, out: str | os.PathLike, *, min_songs: int = GROOVE_MIN_SONGS,
                  progress: bool = True) -> tuple[GrooveModel, Path]:
    """Fit a groove model on the percussion parts of a cache's train split, measure its groove choice on the
    valid split, and write it as ``OUT/groove-percussion.npz/.json``.

    Returns
    -------
    (GrooveModel, Path)
        The model (``info`` holds its provenance and figures) and the path stem written.
    """
    train = load_part_songs(cache, PERCUSSION, "train", progress=progress)
    model = fit_groove_model(train, min_songs=min_songs, progress=progress)
    valid = load_part_songs(cache, PERCUSSION, "valid", progress=progress)
    measured = choice_agreement(model, valid)
    model.info.update({"data": str(cache), "split": "train (fit), valid (figures)", "valid_songs": len(valid),
                       "valid_agreement_chosen": measured["chosen"],
                       "valid_agreement_best_single": measured["best_single"],
                       "skipped": len(train.skipped) + len(valid.skipped),
                       "command": f"wav2accomp train-grooves --data {cache} --out {out} --min-songs {min_songs}"})
    path = Path(out) / GROOVE_MODEL
    save_groove_model(model, path)
    return model, path


def _section_mains(plan, bars) -> dict[int, bytes]:
    """Most frequent non-empty bar pattern of each section (sections of PHRASE_BARS bars from the melody's entry)."""
    sections: dict[int, Counter] = defaultdict(Counter)
    for bar, pattern in bars:
        if pattern.any():
            sections[(bar - plan.entry) // PHRASE_BARS][pattern.tobytes()] += 1
    return {section: counter.most_common(1)[0][0] for section, counter in sections.items()}


def snare_doubling(main: np.ndarray) -> np.ndarray:
    """``(16, K)`` bool: the hits of a bar pattern's percussion voices (:data:`~wav2accomp.models.groove.
    PERCUSSION_VOICES`) that fall on its snare-family hits."""
    doubling = np.zeros_like(main)
    voices = [VOICE[v] for v in PERCUSSION_VOICES]
    doubling[:, voices] = main[:, voices] & main[:, list(FAMILY_VOICES["snare"])].any(axis=1)[:, None]
    return doubling


def fit_groove_model(songs: PartSongs, *, min_songs: int = GROOVE_MIN_SONGS, progress: bool = False) -> GrooveModel:
    """Learn a :class:`~wav2accomp.models.groove.GrooveModel` from songs with a percussion part."""
    shape = (BAR_POSITIONS, len(VOICES))
    groove_songs: dict[bytes, set] = defaultdict(set)
    bar_edit_songs: dict[bytes, set] = defaultdict(set)
    doubling_songs: dict[bytes, set] = defaultdict(set)
    records: list[tuple[int, int, bytes, list]] = []   # song, slot, bar edit, its beat edits
    section_stats, features = [], []
    drum_hits: Counter = Counter()
    lengths: dict[int, list] = defaultdict(list)
    for i in tqdm(range(len(songs)), desc="fit grooves", unit="song", disable=not progress):
        melody, target, downbeats = songs.melody[i], songs.target[i], songs.downbeats[i]
        onsets, plan, bars = _song_bars(melody, target, downbeats)
        pitches, starts, ends = roll_note_spans(target)
        drum_hits.update(pitches.tolist())
        for pitch, length in zip(pitches.tolist(), (ends - starts).tolist()):
            lengths[pitch].append(length)
        mains = _section_mains(plan, bars)
        for main in mains.values():
            groove_songs[main].add(i)
            doubling = snare_doubling(np.frombuffer(main, dtype=bool).reshape(shape))
            if doubling.any():
                doubling_songs[doubling.tobytes()].add(i)
        for bar, pattern in bars:
            main = mains.get((bar - plan.entry) // PHRASE_BARS)
            if main is None:
                continue
            main = np.frombuffer(main, dtype=bool).reshape(shape)
            edit = np.stack([pattern & ~main, main & ~pattern])
            bar_edit_songs[edit.tobytes()].add(i)
            beats = [edit[:, b * STEPS_PER_BEAT:(b + 1) * STEPS_PER_BEAT] for b in range(BEATS)]
            records.append((i, int(plan.slots[bar]), edit.tobytes(), [b.tobytes() for b in beats]))
        section_stats.extend(_heard_by_section(onsets, target, plan))
        features.append(section_features(melody, downbeats, songs.bpm[i], plan))

    drums, hold = [], []
    for members in DRUM_KIT.values():
        drum = max(members, key=lambda d: drum_hits[d])
        drums.append(drum)
        hold.append(max(1, int(np.median(lengths[drum]))) if lengths[drum] else 1)
    common = [np.frombuffer(g, dtype=bool).reshape(shape) for g, s in groove_songs.items() if len(s) >= min_songs]
    grooves = np.array([np.zeros(shape, dtype=bool)] + common)   # groove 0: silence
    agreements = np.array([agreement(grooves, np.array(drums), c, t, n) for c, t, n in section_stats])
    x = np.concatenate(features)
    penalty = RIDGE * np.eye(x.shape[1])
    penalty[0, 0] = 0.0   # the constant is not shrunk
    utility = np.linalg.solve(x.T @ x + penalty, x.T @ agreements)

    none_bar = np.zeros((2,) + shape, dtype=bool).tobytes()
    bar_edits = [e for e, s in bar_edit_songs.items() if len(s) >= min_songs and e != none_bar]
    bar_index = {e: k for k, e in enumerate(bar_edits)}
    choices, bar_counts = np.zeros((N_SLOTS, 3)), np.zeros((N_SLOTS, len(bar_edits)))
    song_bars: dict[int, int] = {}
    song_varied: dict[int, int] = {}
    beat_songs: dict[bytes, set] = defaultdict(set)
    for song, slot, edit, beats in records:
        choice = KEEP if edit == none_bar else BAR_EDIT if edit in bar_index else BEAT_EDITS
        choices[slot, choice] += 1
        song_bars[song] = song_bars.get(song, 0) + 1
        song_varied[song] = song_varied.get(song, 0) + (choice != KEEP)
        if choice == BAR_EDIT:
            bar_counts[slot, bar_index[edit]] += 1
        elif choice == BEAT_EDITS:
            for beat in beats:
                beat_songs[beat].add(song)
    none_beat = np.zeros((2, STEPS_PER_BEAT, len(VOICES)), dtype=bool).tobytes()
    beat_edits = [none_beat] + [e for e, s in beat_songs.items() if len(s) >= min_songs and e != none_beat]
    beat_index = {e: k for k, e in enumerate(beat_edits)}
    beat_counts, unknown = np.zeros((N_SLOTS, BEATS, 2, len(beat_edits))), np.zeros((N_SLOTS, BEATS, 2))
    for _, slot, edit, beats in records:
        if edit == none_bar or edit in bar_index:
            continue
        edited = 0
        for beat, key in enumerate(beats):
            if key in beat_index:
                beat_counts[slot, beat, edited, beat_index[key]] += 1
            else:
                unknown[slot, beat, edited] += 1
            edited = int(key != none_beat)
    vary = np.where(choices.sum(axis=1, keepdims=True) > 0, choices, [1.0, 0.0, 0.0])
    shares = np.array([song_varied[s] / song_bars[s] for s in song_bars if song_bars[s] >= PHRASE_BARS])
    restlessness = np.ones(RESTLESSNESS_LEVELS)   # a corpus that never varies: nothing to scale
    if len(shares) and shares.mean() > 0:
        restlessness = np.quantile(shares, (np.arange(RESTLESSNESS_LEVELS) + 0.5) / RESTLESSNESS_LEVELS) / shares.mean()
    steady = ~np.isin(np.arange(N_SLOTS), FILL_SLOTS)   # away from phrase ends, rare variations become common ones
    vary[steady, BAR_EDIT] += vary[steady, BEAT_EDITS]
    vary[steady, BEAT_EDITS] = 0.0
    bar_array = np.array([np.frombuffer(e, dtype=bool).reshape((2,) + shape) for e in bar_edits]).reshape(
        (-1, 2) + shape)
    beat_array = np.array([np.frombuffer(e, dtype=bool).reshape(2, STEPS_PER_BEAT, len(VOICES)) for e in beat_edits])

    doublings = [d for d, s in doubling_songs.items() if len(s) >= min_songs]
    doubling = (np.frombuffer(max(doublings, key=lambda d: len(doubling_songs[d])), dtype=bool).reshape(shape)
                if doublings else np.zeros(shape, dtype=bool))
    chosen = np.argmax(x @ utility, axis=1)
    info = {"songs": len(songs), "sections": len(x), "grooves": len(grooves), "bar_edits": len(bar_edits),
            "beat_edits": len(beat_edits), "min_songs": min_songs, "bars": len(records),
            "bars_by_choice": dict(zip(("keep", "bar edit", "beat edits"), choices.sum(axis=0).astype(int).tolist())),
            "beats_with_rare_edits": int(unknown.sum()),
            "doubling_songs": len(doubling_songs[doubling.tobytes()]) if doubling.any() else 0,
            "train_agreement_chosen": float(agreements[np.arange(len(x)), chosen].mean()),
            "train_agreement_best_single": float(agreements.mean(axis=0).max())}
    return GrooveModel(np.array(drums), np.array(hold), grooves, utility, vary / vary.sum(axis=1, keepdims=True),
                       restlessness,
                       bar_array[:, 0], bar_array[:, 1], _smoothed(bar_counts).astype(np.float32),
                       beat_array[:, 0], beat_array[:, 1], _edit_probability(beat_counts, unknown).astype(np.float32),
                       doubling, info)


def _smoothed(counts: np.ndarray) -> np.ndarray:
    """Counts over the last axis -> probabilities, each context's counts smoothed with the corpus-wide shares
    (:data:`EDIT_SMOOTHING`)."""
    if not counts.shape[-1]:
        return counts
    overall = counts.reshape(-1, counts.shape[-1]).sum(axis=0)
    overall = overall / max(overall.sum(), 1.0)
    smoothed = counts + EDIT_SMOOTHING * overall
    return smoothed / np.maximum(smoothed.sum(axis=-1, keepdims=True), 1e-12)


def _edit_probability(counts: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Per context (slot, beat, beat before edited), the share of beats that keep the groove, and the rest
    spread over the known edits (:func:`_smoothed`): beats with rare edits stay varied beats."""
    beats = counts.sum(axis=-1) + unknown
    keep = np.where(beats > 0, counts[..., 0] / np.maximum(beats, 1), 1.0)
    return np.concatenate([keep[..., None], (1 - keep)[..., None] * _smoothed(counts[..., 1:])], axis=-1)
