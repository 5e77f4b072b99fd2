"""Learning a groove model (:mod:`wav2accomp.models.groove`) from the drum parts of a corpus.

Pure numpy, minutes on a laptop: every song's drums are reduced to the kit,
cut into bars and sections (8 bars from the melody's entry); each section's
main groove is its most frequent bar, each other bar an edit of it. Grooves
and edits found in enough songs (:data:`~wav2accomp.constants.GROOVE_MIN_SONGS`)
form the vocabularies; edit probabilities are counted per slot; the groove
choice is a ridge regression from :func:`~wav2accomp.models.groove.melody_features`
to each groove's agreement with the song's real drums.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..constants import BAR_POSITIONS, DRUM_KIT, GROOVE_MIN_SONGS, GROOVE_MODEL, PERCUSSION, PHRASE_BARS, PITCH_LOW
from ..symbolic.roll import onset_cells, roll_note_spans
from .dataset import PartSongs, load_part_songs
from .groove import (FAMILY_VOICES, N_SLOTS, VOICES, GrooveModel, bar_plan, save_groove_model, section_bounds,
                     section_features)

#: Ridge penalty of the groove choice's regression (features are shares and one-hots, about 1 in size).
RIDGE = 3.0
#: Weight of an edit's corpus-wide share added to its count in each slot (smoothing of rare slots), in bars.
EDIT_SMOOTHING = 2.0


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
    """Mean agreement (:func:`agreement`) with the real drums of `songs`, per section, of the groove the model
    chooses (before bar edits) and of the single groove that is best on average over these songs."""
    rows, x = [], []
    for i in range(len(songs)):
        plan = bar_plan(songs.melody[i], songs.downbeats[i])
        rows.extend(_heard_by_section(kit_onsets(songs.target[i]), songs.target[i], plan))
        x.append(section_features(songs.melody[i], songs.downbeats[i], songs.bpm[i], plan))
    agreements = np.array([agreement(model.grooves, model.drums, c, t, n) for c, t, n in rows])
    chosen = np.argmax(np.concatenate(x) @ model.utility, axis=1)
    return {"chosen": float(agreements[np.arange(len(chosen)), chosen].mean()),
            "best_single": float(agreements.mean(axis=0).max())}


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


def fit_groove_model(songs: PartSongs, *, min_songs: int = GROOVE_MIN_SONGS, progress: bool = False) -> GrooveModel:
    """Learn a :class:`~wav2accomp.models.groove.GrooveModel` from songs with a percussion part."""
    shape = (BAR_POSITIONS, len(VOICES))
    groove_songs: dict[bytes, set] = defaultdict(set)
    edit_songs: dict[bytes, set] = defaultdict(set)
    slot_edits: list[tuple[int, bytes]] = []
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
        for bar, pattern in bars:
            main = mains.get((bar - plan.entry) // PHRASE_BARS)
            if main is None:
                continue
            main = np.frombuffer(main, dtype=bool).reshape(shape)
            edit = np.concatenate([pattern & ~main, main & ~pattern]).tobytes()
            edit_songs[edit].add(i)
            slot_edits.append((int(plan.slots[bar]), edit))
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

    none = np.zeros(2 * BAR_POSITIONS * len(VOICES), dtype=bool).tobytes()
    edits = [none] + [e for e, s in edit_songs.items() if len(s) >= min_songs and e != none]
    index = {e: k for k, e in enumerate(edits)}
    counts = np.zeros((N_SLOTS, len(edits)))
    unknown = np.zeros(N_SLOTS)
    for slot, edit in slot_edits:
        if edit in index:
            counts[slot, index[edit]] += 1
        else:
            unknown[slot] += 1
    probability = _edit_probability(counts, unknown)
    edit_array = np.array([np.frombuffer(e, dtype=bool).reshape((2,) + shape) for e in edits])

    chosen = np.argmax(x @ utility, axis=1)
    info = {"songs": len(songs), "sections": len(x), "grooves": len(grooves), "edits": len(edits),
            "min_songs": min_songs, "bars": len(slot_edits), "bars_with_rare_edits": int(unknown.sum()),
            "train_agreement_chosen": float(agreements[np.arange(len(x)), chosen].mean()),
            "train_agreement_best_single": float(agreements.mean(axis=0).max())}
    return GrooveModel(np.array(drums), np.array(hold), grooves, utility, edit_array[:, 0], edit_array[:, 1],
                       probability, info)


def _edit_probability(counts: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Per slot, the share of bars that keep the groove, and the rest spread over the known edits by their
    counts (smoothed with their corpus-wide shares): bars with rare edits stay varied bars."""
    bars = counts.sum(axis=1) + unknown
    overall = counts[:, 1:].sum(axis=0)
    overall = overall / max(overall.sum(), 1.0)
    varied = counts[:, 1:] + EDIT_SMOOTHING * overall
    varied = varied / np.maximum(varied.sum(axis=1, keepdims=True), 1e-12)
    keep = np.where(bars > 0, counts[:, 0] / np.maximum(bars, 1), 0.5)
    return np.column_stack([keep, (1 - keep)[:, None] * varied])
