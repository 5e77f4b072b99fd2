"""Every evaluation metric, pure functions on notes, rolls, chroma and waveforms.

Where mir_eval has the metric, it is used: ``mir_eval.melody`` (pitch and
voicing of an f0 track), ``mir_eval.transcription`` (note precision, recall
and F1), ``mir_eval.chord`` (major/minor chord agreement). The rest — texture,
harmony with the melody, drums, waveforms — is written here.
"""
from __future__ import annotations

import mir_eval.chord
import numpy as np
from mir_eval.transcription import precision_recall_f1_overlap

from ..dsp import frame_signal, midi_to_hz
from ..constants import BAR_POSITIONS, DRUM_FAMILIES, PITCH_LOW, STEPS_PER_BEAT
from ..symbolic.harmony import (NO_CHORD, beat_spans, chord_indices, fold_to_pitch_classes, labels_at,
                                profiles_per_span, recognise_chords)
from ..symbolic.midi_io import Note
from ..symbolic.roll import onset_cells, roll_note_spans


def grid_onset_f1(reference: list[Note], estimate: list[Note], *,
                  steps_per_beat: int = STEPS_PER_BEAT) -> tuple[float, float, float]:
    """Note precision, recall and F1 on the grid: pitch and onset step must match exactly.

    Onsets are quantised to steps (beats x `steps_per_beat`) and compared with
    ``mir_eval.transcription`` at a tolerance below half a step; offsets are
    ignored. Two empty lists score 1.0.
    """
    if not reference and not estimate:
        return 1.0, 1.0, 1.0
    step_seconds = 1.0  # a nominal clock: one step per second, tolerance 0.4 steps

    def arrays(notes):
        if not notes:
            return np.zeros((0, 2)), np.zeros(0)
        onsets = np.rint(np.array([n.start_beat for n in notes]) * steps_per_beat) * step_seconds
        return np.column_stack([onsets, onsets + step_seconds]), midi_to_hz(np.array([n.pitch for n in notes]))

    ref_intervals, ref_pitches = arrays(reference)
    est_intervals, est_pitches = arrays(estimate)
    precision, recall, f1, _ = precision_recall_f1_overlap(
        ref_intervals, ref_pitches, est_intervals, est_pitches,
        onset_tolerance=0.4 * step_seconds, pitch_tolerance=1.0, offset_ratio=None)
    return float(precision), float(recall), float(f1)


# --- Transcription: f0 tracks and notes against annotations --------------------------------------

#: ``mir_eval.melody.evaluate``'s metrics, as reported.
MELODY_METRICS = ("Raw Pitch Accuracy", "Raw Chroma Accuracy", "Overall Accuracy", "Voicing Recall",
                  "Voicing False Alarm")


def melody_accuracy(ref_times, ref_f0, est_times, est_f0) -> dict[str, float]:
    """:data:`MELODY_METRICS` of an f0 track (times s, Hz; unvoiced frames of the estimate negative, as
    ``mir_eval.melody`` takes a pitch guess) against a reference (0 = unvoiced)."""
    import mir_eval.melody

    scores = mir_eval.melody.evaluate(ref_times, ref_f0, est_times, est_f0)
    return {name: float(scores[name]) for name in MELODY_METRICS}


def note_scores(ref_intervals, ref_pitches, est_intervals, est_pitches, *, offset_ratio: float | None = None,
                prefix: str = "note") -> dict[str, float]:
    """Note precision, recall and F1 (``mir_eval.transcription``: onsets within 50 ms, pitch within 50 cents;
    with `offset_ratio`, offsets too); intervals in seconds, pitches in Hz. Keys ``PREFIX_precision`` etc."""
    precision, recall, f1, _ = precision_recall_f1_overlap(
        np.asarray(ref_intervals).reshape(-1, 2), np.asarray(ref_pitches), np.asarray(est_intervals).reshape(-1, 2),
        np.asarray(est_pitches), offset_ratio=offset_ratio)
    return {f"{prefix}_precision": float(precision), f"{prefix}_recall": float(recall), f"{prefix}_f1": float(f1)}


# --- Accompaniment: generated vs. real rolls on the grid ------------------------------------------

#: Consonance score of each melody-accompaniment interval class (semitones mod 12):
#: unison/octave, 3rds, 5th and 6ths +1; the 4th 0; everything else -1.
INTERVAL_CONSONANCE = np.array([1, -1, -1, 1, 1, 0, -1, 1, 1, 1, -1, -1], dtype=float)


def _prf(hits: float, n_estimate: float, n_reference: float) -> tuple[float, float, float]:
    """Precision, recall, F1 from counts; an empty side scores 0 unless both are empty (1)."""
    if n_estimate == 0 and n_reference == 0:
        return 1.0, 1.0, 1.0
    precision = hits / n_estimate if n_estimate else 0.0
    recall = hits / n_reference if n_reference else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def frame_scores(reference: np.ndarray, estimate: np.ndarray) -> tuple[float, float, float]:
    """Frame precision, recall, F1 of sounding cells of two ``(T, 78)`` rolls (same length)."""
    ref, est = reference > 0, estimate > 0
    return _prf(float(np.logical_and(ref, est).sum()), float(est.sum()), float(ref.sum()))


def grid_onset_scores(reference: np.ndarray, estimate: np.ndarray) -> tuple[float, float, float]:
    """Note-onset precision, recall, F1 of two encoded rolls: same pitch and same step.

    Equal to ``mir_eval.transcription`` onset-only matching with a tolerance
    below half a step (tested against it), computed by counting cells, which
    is fast enough for thousands of songs.
    """
    ref, est = onset_cells(reference), onset_cells(estimate)
    return _prf(float(np.logical_and(ref, est).sum()), float(est.sum()), float(ref.sum()))


def chord_accuracy(roll: np.ndarray, beats: np.ndarray, chord_start: np.ndarray, chord_end: np.ndarray,
                   chord_label: np.ndarray) -> float:
    """Share of beats whose chord, recognised from `roll`, matches the annotation (majmin).

    A major or minor triad is recognised per beat by template matching on the
    pitch-class profile of the notes sounding in it (:func:`wav2accomp.symbolic.harmony.recognise_chords`);
    it is compared with the label annotated at the beat's start with
    ``mir_eval.chord.majmin`` (root and major/minor third; beats whose label is
    outside that vocabulary are left out). NaN when no beat counts.
    """
    spans = beat_spans(beats, len(roll))
    if not len(spans):
        return float("nan")
    estimated = recognise_chords(profiles_per_span(roll > 0, spans))
    annotated = labels_at(spans[:, 0], chord_start, chord_end, chord_label)
    scores = mir_eval.chord.majmin(annotated, estimated)
    counted = scores >= 0
    return float(scores[counted].mean()) if counted.any() else float("nan")


def chord_tone_ratio(melody: np.ndarray, accompaniment: np.ndarray) -> float:
    """Share of melody notes whose pitch class sounds in the accompaniment at their onset step.

    Only melody notes that start while the accompaniment sounds are counted;
    NaN when there are none.
    """
    accompaniment_classes = fold_to_pitch_classes(accompaniment > 0) > 0
    pitches, starts, _ = roll_note_spans(melody)
    with_accompaniment = accompaniment_classes[starts].any(axis=1)
    if not with_accompaniment.any():
        return float("nan")
    tones = accompaniment_classes[starts, pitches % 12]
    return float(tones[with_accompaniment].mean())


def consonance(melody: np.ndarray, accompaniment: np.ndarray) -> float:
    """Mean consonance score (:data:`INTERVAL_CONSONANCE`) of every pair of a sounding melody
    note and a sounding accompaniment note at each step; NaN when they never sound together."""
    melody_classes = fold_to_pitch_classes(melody > 0)
    accompaniment_classes = fold_to_pitch_classes(accompaniment > 0)
    interval_score = INTERVAL_CONSONANCE[(np.arange(12)[:, None] - np.arange(12)[None, :]) % 12]
    pairs = float((melody_classes.sum(axis=1) * accompaniment_classes.sum(axis=1)).sum())
    if pairs == 0:
        return float("nan")
    return float(np.einsum("ti,ij,tj->", melody_classes, interval_score, accompaniment_classes) / pairs)


def mean_polyphony(roll: np.ndarray) -> float:
    """Mean number of notes sounding at once, over the steps where any sounds (0 if none does)."""
    counts = (roll > 0).sum(axis=1)
    return float(counts[counts > 0].mean()) if np.any(counts) else 0.0


def empty_beat_rate(roll: np.ndarray, beats: np.ndarray) -> float:
    """Share of beats in which no note sounds."""
    spans = beat_spans(beats, len(roll))
    if not len(spans):
        return float("nan")
    sounding = np.concatenate([[0], np.cumsum((roll > 0).any(axis=1))])
    return float(np.mean(sounding[spans[:, 1]] - sounding[spans[:, 0]] == 0))


def bass_root_agreement(roll: np.ndarray, chords: np.ndarray, beats: np.ndarray) -> float:
    """Share of beats whose bass note is the root of their chord.

    A beat's bass note is the lowest note sounding at its first step that sounds any; its chord is
    ``chords[beat start]`` (``(T,)`` chord index per step). Beats without a chord or without a note are left
    out (:func:`empty_beat_rate` counts the latter). NaN when no beat is left.
    """
    sounding = roll > 0
    agree = []
    for start, end in beat_spans(beats, len(roll)):
        chord = int(chords[start])
        steps = np.flatnonzero(sounding[start:end].any(axis=1))
        if chord == NO_CHORD or not len(steps):
            continue
        lowest = PITCH_LOW + int(np.flatnonzero(sounding[start + steps[0]])[0])
        agree.append(lowest % 12 == chord % 12)
    return float(np.mean(agree)) if agree else float("nan")


def pitch_class_entropy(roll: np.ndarray) -> float:
    """Shannon entropy (bits, 0..log2 12) of the pitch classes of the roll's note onsets; NaN if none."""
    histogram = fold_to_pitch_classes(onset_cells(roll)).sum(axis=0)
    total = histogram.sum()
    if total == 0:
        return float("nan")
    shares = histogram[histogram > 0] / total
    return float(-(shares * np.log2(shares)).sum())


def groove_consistency(roll: np.ndarray, downbeats: np.ndarray) -> float:
    """1 - mean Hamming distance between the onset patterns of neighbouring bars.

    A bar's pattern marks the steps (since its downbeat) where any note starts;
    the distance of two neighbouring bars is the share of steps where their
    patterns differ (over the shorter bar). NaN with fewer than two bars or
    no note at all (silence has no groove).
    """
    spans = beat_spans(downbeats, len(roll))
    any_onset = onset_cells(roll).any(axis=1)
    if len(spans) < 2 or not any_onset.any():
        return float("nan")
    patterns = [any_onset[a:b] for a, b in spans]
    distances = [np.mean(p[:n] != q[:n]) for p, q in zip(patterns, patterns[1:]) if (n := min(len(p), len(q)))]
    return float(1.0 - np.mean(distances)) if distances else float("nan")


def drum_family_onset_f1(reference: np.ndarray, estimate: np.ndarray) -> dict[str, float]:
    """Onset F1 per drum family (:data:`~wav2accomp.constants.DRUM_FAMILIES`) of two drum rolls.

    Hits of any drum of a family count as one instrument; a family absent from
    both rolls is left out.
    """
    scores = {}
    ref_onsets, est_onsets = onset_cells(reference), onset_cells(estimate)
    for family, numbers in DRUM_FAMILIES.items():
        rows = [n - PITCH_LOW for n in numbers]
        ref, est = ref_onsets[:, rows].any(axis=1), est_onsets[:, rows].any(axis=1)
        if ref.any() or est.any():
            scores[family] = _prf(float(np.logical_and(ref, est).sum()), float(est.sum()), float(ref.sum()))[2]
    return scores


# --- Drums as a drummer hears them: bars of 4/4 (16 steps) -----------------------------------------------

#: Steps of beats 2 and 4 in a 16-step bar.
BACKBEAT_STEPS = (4, 12)
#: Phrase-final bars for the fill rate: every this many bars from the melody's entry.
FILL_PHRASE_BARS = 4


def bar_onsets(roll: np.ndarray, downbeats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Onset cells of every 16-step bar: ``(N, 16, 78)`` bool, and each one's bar index among all bars."""
    spans = beat_spans(downbeats, len(roll))
    onsets = onset_cells(roll)
    full = np.flatnonzero(spans[:, 1] - spans[:, 0] == BAR_POSITIONS) if len(spans) else np.zeros(0, int)
    patterns = np.array([onsets[spans[b, 0]:spans[b, 1]] for b in full]).reshape(-1, BAR_POSITIONS, roll.shape[1])
    return patterns, full


def _family(patterns: np.ndarray, family: str) -> np.ndarray:
    """``(N, 16)`` bool: where any drum of `family` starts in each bar pattern."""
    return patterns[:, :, [n - PITCH_LOW for n in DRUM_FAMILIES[family]]].any(axis=2)


def _share(flags: np.ndarray) -> float:
    return float(np.mean(flags)) if len(flags) else float("nan")


def drum_bar_metrics(roll: np.ndarray, downbeats: np.ndarray, entry_bar: int = 0) -> dict[str, float]:
    """What a drummer checks in a drum part, over its 4/4 bars that play (NaN where nothing counts).

    Returns
    -------
    dict
        ``backbeat_rate``: bars with snare or clap on beats 2 and 4; ``kick_on_one_rate``: bars with a kick
        on beat 1; ``hihat_regularity``: 1 - mean share of steps whose hi-hat/cymbal hits differ between
        neighbouring bars; ``exact_repeat_share``: bars identical (every drum, every step) to the bar
        before; ``fill_rate``: phrase-final bars (every :data:`FILL_PHRASE_BARS` bars from `entry_bar`,
        the melody's first bar) that differ from the bar before.
    """
    patterns, index = bar_onsets(roll, downbeats)
    playing = patterns.any(axis=(1, 2))
    snare, kick, hats = (_family(patterns, f) for f in ("snare", "kick", "hihat/cymbal"))
    consecutive = np.flatnonzero((np.diff(index) == 1) & (playing[1:] | playing[:-1])) + 1
    differs = ~(patterns[consecutive] == patterns[consecutive - 1]).all(axis=(1, 2))
    hat_pairs = consecutive[hats[consecutive].any(axis=1) | hats[consecutive - 1].any(axis=1)]
    final = (index[consecutive] - entry_bar) % FILL_PHRASE_BARS == FILL_PHRASE_BARS - 1
    return {"backbeat_rate": _share(snare[playing][:, list(BACKBEAT_STEPS)].all(axis=1)),
            "kick_on_one_rate": _share(kick[playing][:, 0]),
            "hihat_regularity": 1.0 - float(np.mean(hats[hat_pairs] != hats[hat_pairs - 1])) if len(hat_pairs)
            else float("nan"),
            "exact_repeat_share": _share(~differs),
            "fill_rate": _share(differs[final & playing[consecutive]])}


# --- Harmonisation: a chord sequence for a melody -------------------------------------------------------------

#: Melody-chord interval classes (semitones mod 12) scored +1 by the pitch-class consonance score (PCS); the
#: fourth (5) scores 0, the rest -1.
PCS_CONSONANT = (0, 3, 4, 7, 8, 9)


def _chord_classes(chord: int) -> tuple[int, ...]:
    """Pitch classes of a chord index (the triads of :data:`~wav2accomp.symbolic.harmony.CHORD_LABELS`)."""
    root, quality = chord % 12, chord // 12
    return tuple((root + i) % 12 for i in ((0, 4, 7) if quality == 0 else (0, 3, 7)))


def tonal_centroid(pitch_classes) -> np.ndarray:
    """Harte et al.'s 6-D tonal centroid of a set of pitch classes (the mean of theirs): circles of fifths,
    minor thirds and major thirds with radii 1, 1, 0.5."""
    pcs = np.asarray(list(pitch_classes), dtype=float)
    angles = [7 * np.pi / 6, 3 * np.pi / 2, 2 * np.pi / 3]
    radii = [1.0, 1.0, 0.5]
    rows = [f(a * pcs) * r for a, r in zip(angles, radii) for f in (np.sin, np.cos)]
    return np.array(rows).mean(axis=1)


def sequence_chord_accuracy(chords: np.ndarray, beats: np.ndarray, chord_start: np.ndarray, chord_end: np.ndarray,
                            chord_label: np.ndarray) -> dict[str, float]:
    """Per-beat agreement of a chord sequence ``(T,)`` (chord index per step) with annotated labels, at each
    beat's start: ``chord_majmin`` and ``chord_root`` (``mir_eval.chord``; beats whose label is outside the
    vocabulary are left out; NaN when none counts)."""
    from ..symbolic.harmony import CHORD_LABELS

    spans = beat_spans(beats, len(chords))
    if not len(spans):
        return {"chord_majmin": float("nan"), "chord_root": float("nan")}
    estimated = [CHORD_LABELS[c] for c in np.asarray(chords)[spans[:, 0]]]
    annotated = labels_at(spans[:, 0], chord_start, chord_end, chord_label)
    result = {}
    for name, compare in (("chord_majmin", mir_eval.chord.majmin), ("chord_root", mir_eval.chord.root)):
        scores = compare(annotated, estimated)
        counted = scores >= 0
        result[name] = float(scores[counted].mean()) if counted.any() else float("nan")
    return result


def harmonisation_metrics(melody: np.ndarray, chords: np.ndarray, downbeats: np.ndarray) -> dict[str, float]:
    """How a chord sequence ``(T,)`` (chord index per step; :data:`~wav2accomp.symbolic.harmony.NO_CHORD`
    where none) fits a ``(T, 78)`` melody, over the melody notes that start under a chord.

    Returns
    -------
    dict
        ``ctnctr``: (chord tones + non-chord tones followed within 2 semitones by a chord tone) / all notes;
        ``pcs``: mean pitch-class consonance of every note with every tone of its chord (:data:`PCS_CONSONANT`);
        ``mctd``: mean distance between each note's tonal centroid and its chord's; ``chord_entropy``: entropy
        (bits) of the chords' histogram over steps; ``distinct_chords``; ``chord_changes_per_bar``.
        NaN where nothing counts.
    """
    from ..symbolic.harmony import NO_CHORD

    pitches, starts, _ = roll_note_spans(melody)
    chords = np.asarray(chords)
    under = chords[starts] != NO_CHORD if len(starts) else np.zeros(0, dtype=bool)
    classes = pitches % 12
    tones = np.array([classes[i] in _chord_classes(chords[starts[i]]) for i in range(len(starts))], dtype=bool)
    ctnctr = pcs = mctd = float("nan")
    if under.any():
        following = np.append(tones[1:], False) & (np.abs(np.diff(pitches, append=pitches[-1:] + 99)) <= 2)
        ctnctr = float(np.mean((tones | following)[under]))
        scores, distances = [], []
        for i in np.flatnonzero(under):
            chord_classes = _chord_classes(chords[starts[i]])
            scores += [1.0 if (classes[i] - c) % 12 in PCS_CONSONANT else 0.0 if (classes[i] - c) % 12 == 5 else -1.0
                       for c in chord_classes]
            distances.append(np.linalg.norm(tonal_centroid([classes[i]]) - tonal_centroid(chord_classes)))
        pcs, mctd = float(np.mean(scores)), float(np.mean(distances))
    played = chords[chords != NO_CHORD]
    counts = np.bincount(played, minlength=NO_CHORD)
    shares = counts[counts > 0] / max(counts.sum(), 1)
    n_bars = max(len(beat_spans(downbeats, len(chords))), 1)
    changes = int(np.count_nonzero(played[1:] != played[:-1])) if len(played) else 0
    return {"ctnctr": ctnctr, "pcs": pcs, "mctd": mctd,
            "chord_entropy": float(-(shares * np.log2(shares)).sum()) if len(played) else float("nan"),
            "distinct_chords": float(np.count_nonzero(counts)), "chord_changes_per_bar": changes / n_bars}


def harmony_agreement(estimate: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Chroma cosine and triad agreement of two ``(B, 12)`` chroma sequences, over the beats where the
    reference sounds.

    Beats where the estimate is silent count as cosine 0 and a wrong chord.
    """
    sounding = reference.sum(axis=1) > 0
    if not sounding.any():
        return {"chroma_cosine": float("nan"), "chord_agreement": float("nan"), "beats": 0}
    ref, est = reference[sounding], estimate[sounding]
    norms = np.linalg.norm(ref, axis=1) * np.linalg.norm(est, axis=1)
    cosine = np.where(norms > 0, np.sum(ref * est, axis=1) / np.maximum(norms, 1e-12), 0.0)
    agree = (chord_indices(est) == chord_indices(ref)) & (est.sum(axis=1) > 0)
    return {"chroma_cosine": float(cosine.mean()), "chord_agreement": float(agree.mean()),
            "beats": int(sounding.sum())}


# --- Waveforms (the raw-amplitude route) -------------------------------------------------

#: :func:`waveform_scores`' metrics, their column headers and number formats.
WAVEFORM_METRICS = ("mse", "snr_db", "lsd_db")
WAVEFORM_LABELS = {"mse": "MSE", "snr_db": "SNR (dB)", "lsd_db": "log-spectral distance (dB)"}
WAVEFORM_FORMATS = {"mse": ".3g", "snr_db": ".2f", "lsd_db": ".2f"}

#: STFT of the log-spectral distance: frame and hop in samples (93 ms / 23 ms at 22050 Hz).
LSD_FRAME, LSD_HOP = 2048, 512
#: Power floor of the log-spectral distance, dB below the reference's loudest bin (any song).
LSD_FLOOR_DB = 80.0


def waveform_scores(estimate: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """How close a waveform is to a reference of the same length and rate.

    Returns
    -------
    dict
        ``mse`` (mean squared error per sample, full scale = 1), ``snr_db``
        (10 log10 of reference energy over error energy: 0 dB for silence,
        negative when the estimate adds more error than it removes) and
        ``lsd_db`` (log-spectral distance: RMS over frequency of the dB
        difference of the power spectra, mean over frames; both powers floored
        :data:`LSD_FLOOR_DB` below the reference's loudest bin, so silence is
        far from anything that sounds and noise under the floor is not counted).
    """
    estimate = np.asarray(estimate, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    error = float(np.sum((estimate - reference) ** 2))
    energy = float(np.sum(reference ** 2))
    window = np.hanning(LSD_FRAME)

    def power(wave):
        return np.abs(np.fft.rfft(frame_signal(wave, LSD_FRAME, LSD_HOP) * window, axis=1)) ** 2

    reference_power, estimate_power = power(reference), power(estimate)
    floor = max(float(reference_power.max()), 1e-30) * 10 ** (-LSD_FLOOR_DB / 10)
    lsd = np.sqrt(np.mean((10 * np.log10(np.maximum(estimate_power, floor) / np.maximum(reference_power, floor)))
                          ** 2, axis=1))
    return {"mse": error / max(len(reference), 1),
            "snr_db": 10 * np.log10(energy / error) if error > 0 and energy > 0 else float("inf"),
            "lsd_db": float(np.mean(lsd))}
