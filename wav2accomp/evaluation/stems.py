"""Both routes on multitrack stems: ``wav2accomp evaluate stems``.

Per held-out song of a stems folder (:mod:`wav2accomp.data.stems`):

- **symbolic route**: transcribe the melody stem (note P/R/F1 against the
  song's MIDI melody when the folder has its MIDI file), generate the
  accompaniment from the transcription (:func:`~wav2accomp.arrangement.accompany`
  on the stem's samples) and compare its harmony with the real accompaniment's,
  beat by beat on the transcription's beat grid: cosine similarity of the
  12-bin chroma, and agreement of the major/minor triad recognised in each.
  The reference is the MIDI accompaniment's notes when the folder has its MIDI,
  otherwise the chroma of the accompaniment stems' audio (drum stems left out),
  so a folder of recorded stems with no MIDI works too. The key's tonic triad
  on every beat is scored beside it.
- **raw-amplitude route** (when a baseline model is given): MSE, SNR and
  log-spectral distance of its waveform against the real accompaniment, beside
  silence and the least-squares-scaled melody
  (:func:`wav2accomp.baselines.raw_amplitude.evaluate_baseline`'s metrics).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..audio.recording import AudioError, validate_audio
from ..constants import ACCOMPANIMENT_CLASSES, MELODY, PERCUSSION, STEMS_SAMPLE_RATE
from ..data.stems import StemSong, find_stem_songs, load_stem_song
from ..dsp import midi_to_hz
from ..errors import Wav2AccompError
from ..symbolic.classify import classify_parts
from ..symbolic.harmony import TRIADS, chord_indices
from ..symbolic.midi_io import read_midi

#: Stem names left out of the audio chroma reference (unpitched).
DRUM_STEM_KEYWORDS = ("drum", "percussion", "perc", "kit")
#: Systems of the symbolic route's harmony comparison.
HARMONY_SYSTEMS = ("generated", "tonic triad")


def notes_chroma(notes, edges: np.ndarray) -> np.ndarray:
    """``(B, 12)`` seconds each pitch class sounds inside each ``[edges[i], edges[i+1])`` window.

    `notes` are objects with ``start``, ``end`` (seconds) and ``pitch`` (MIDI).
    """
    chroma = np.zeros((len(edges) - 1, 12))
    for note in notes:
        overlap = np.minimum(edges[1:], note.end) - np.maximum(edges[:-1], note.start)
        chroma[:, note.pitch % 12] += np.maximum(overlap, 0.0)
    return chroma


def audio_chroma(samples: np.ndarray, sr: int, edges: np.ndarray) -> np.ndarray:
    """``(B, 12)`` mean STFT chroma of `samples` inside each window of `edges` (seconds); zeros where silent."""
    import librosa

    hop = 512
    chroma = librosa.feature.chroma_stft(y=samples.astype(np.float32), sr=sr, hop_length=hop, n_fft=4096,
                                         tuning=0.0).T
    energy = librosa.feature.rms(y=samples.astype(np.float32), frame_length=4096, hop_length=hop)[0]
    frames = np.arange(len(chroma)) * hop / sr
    chroma = chroma * (energy[:len(chroma), None] > 1e-4)
    out = np.zeros((len(edges) - 1, 12))
    which = np.searchsorted(edges, frames, side="right") - 1
    for beat in range(len(out)):
        inside = which == beat
        if inside.any():
            out[beat] = chroma[inside].mean(axis=0)
    return out


def harmony_agreement(estimate: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Chroma cosine and triad agreement over the beats where the reference sounds.

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


def tonic_triad_chroma(key: tuple[int, str], n_beats: int) -> np.ndarray:
    """``(B, 12)`` the key's tonic triad on every beat."""
    tonic, mode = key
    template = np.zeros(12)
    template[[(tonic + i) % 12 for i in TRIADS[mode]]] = 1.0
    return np.tile(template, (n_beats, 1))


def midi_parts(path: Path):
    """(melody notes, pitched accompaniment notes) of a song's MIDI file, by the class rules."""
    song = read_midi(path)
    classes = classify_parts(song.parts, song.end_beat)
    melody = [n for p, a in zip(song.parts, classes) if a.part_class == MELODY for n in p.notes]
    pitched = [n for p, a in zip(song.parts, classes)
               if a.part_class in ACCOMPANIMENT_CLASSES and a.part_class != PERCUSSION and not p.is_drum
               for n in p.notes]
    return melody, pitched


def starting_before(notes: list, seconds: float) -> list:
    """The notes that start before `seconds` (rendered stems may be cut shorter than their MIDI)."""
    return [n for n in notes if n.start < seconds]


def melody_note_scores(transcribed, reference) -> dict[str, float]:
    """mir_eval note P/R/F1 (onset within 50 ms, pitch within 50 cents; offsets ignored)."""
    import mir_eval

    if not reference:
        return {}
    ref_intervals = np.array([[n.start, max(n.end, n.start + 1e-3)] for n in reference])
    ref_pitches = midi_to_hz(np.array([n.pitch for n in reference], dtype=float))
    est_intervals = np.array([[n.onset, n.offset] for n in transcribed]).reshape(-1, 2)
    est_pitches = midi_to_hz(np.array([n.pitch for n in transcribed], dtype=float))
    p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(ref_intervals, ref_pitches, est_intervals,
                                                                  est_pitches, offset_ratio=None)
    return {"note_precision": float(p), "note_recall": float(r), "note_f1": float(f)}


def symbolic_song_scores(song: StemSong, melody: np.ndarray, accompaniment: np.ndarray, sr: int, *,
                         seed: int = 0, model_dir=None) -> dict:
    """The symbolic route on one song (see the module docstring)."""
    from ..arrangement import accompany

    try:
        validate_audio(melody, sr, name=f"the melody stem ({song.melody.name})")
        arrangement = accompany(melody, sr, seed=seed, model_dir=model_dir)
    except AudioError as exc:   # a silent melody stem (the tune enters later) or no pitched note in it
        row = {"melody_notes": 0, "reference": "none", "error": str(exc)}
        if song.midi is not None:
            row.update(melody_note_scores([], starting_before(midi_parts(song.midi)[0], len(melody) / sr)))
        return row
    tempo_map = arrangement.melody.tempo_map
    duration = len(melody) / sr
    edges = tempo_map.beats_to_seconds(np.arange(0, float(tempo_map.seconds_to_beats(duration)) + 1.0))
    edges = np.append(edges[edges < duration], duration)
    generated = [n for p in arrangement.to_song().parts if p.name not in (MELODY, PERCUSSION) for n in p.notes]
    row: dict = {"melody_notes": len(arrangement.melody.transcription.notes)}
    if song.midi is not None:
        reference_melody, reference_notes = midi_parts(song.midi)
        row.update(melody_note_scores(arrangement.melody.transcription.notes,
                                      starting_before(reference_melody, duration)))
        reference, row["reference"] = notes_chroma(reference_notes, edges), "midi"
    else:
        drums_free = [p for p in song.accompaniment if not any(k in p.stem.lower() for k in DRUM_STEM_KEYWORDS)]
        audio = load_stem_song(StemSong(song.name, song.melody, drums_free), sr=sr)[1] if drums_free else accompaniment
        reference, row["reference"] = audio_chroma(audio, sr, edges), "audio chroma"
    estimates = {"generated": notes_chroma(generated, edges),
                 "tonic triad": tonic_triad_chroma(arrangement.key, len(edges) - 1)}
    for system, chroma in estimates.items():
        row[system] = harmony_agreement(chroma, reference)
    return row


def evaluate_stems(stems_dir: str | os.PathLike, *, baseline_dir: str | os.PathLike | None = None,
                   split: str | None = "test", limit: int | None = None, max_seconds: float | None = None,
                   overlap: float = 0.5, seed: int = 0, model_dir=None, melody_keywords=None,
                   progress: bool = True) -> dict:
    """Both routes on the songs of a stems folder (`split` None: every song; `melody_keywords` replace the
    keyword table that names the melody stem).

    Returns
    -------
    dict
        ``{"folder", "split", "songs", "skipped", "per_song": [...], "means": {...}}``.
    """
    songs, skipped = find_stem_songs(stems_dir, keywords=melody_keywords)
    songs = [s for s in songs if split is None or s.split == split][:limit]
    if not songs:
        raise Wav2AccompError(f"no songs{' of the ' + split + ' split' if split else ''} in {stems_dir}"
                              + (f" ({len(skipped)} folders skipped: {skipped[0]['reason']}, ...)" if skipped else ""))
    network = config = None
    if baseline_dir is not None:
        from ..baselines.raw_amplitude import load_baseline

        network, config = load_baseline(baseline_dir)
    sr = config.sr if config else STEMS_SAMPLE_RATE
    rows = []
    for song in tqdm(songs, desc="evaluate stems", unit="song", disable=not progress):
        melody, accompaniment = load_stem_song(song, sr=sr)
        if max_seconds is not None:
            melody, accompaniment = melody[:int(max_seconds * sr)], accompaniment[:int(max_seconds * sr)]
        row = {"song": song.name, "seconds": len(melody) / sr,
               "symbolic": symbolic_song_scores(song, melody, accompaniment, sr, seed=seed, model_dir=model_dir)}
        if network is not None:
            from ..baselines.raw_amplitude import baseline_song_scores

            row["raw_amplitude"] = baseline_song_scores(network, config, melody, accompaniment, overlap=overlap)
        rows.append(row)
    return {"folder": str(stems_dir), "split": split, "songs": len(rows), "skipped": skipped, "per_song": rows,
            "means": mean_scores(rows)}


def mean_scores(rows: list[dict]) -> dict:
    """Means over songs of every number in the rows (NaN ignored), by route and system."""
    def walk(items: list[dict]) -> dict:
        keys = {k for item in items for k in item}
        out = {}
        for key in sorted(keys):
            values = [item[key] for item in items if key in item]
            if values and isinstance(values[0], dict):
                out[key] = walk(values)
            elif values and isinstance(values[0], (int, float)):
                finite = [v for v in values if v == v]
                out[key] = float(np.mean(finite)) if finite else float("nan")
        return out

    return walk([{k: v for k, v in row.items() if k not in ("song",)} for row in rows])


def format_stems_report(report: dict) -> str:
    """The means of :func:`evaluate_stems` as markdown tables, one per route."""
    means = report["means"]
    symbolic = means.get("symbolic", {})
    lines = [f"# Stems evaluation: {report['folder']} ({report['split'] or 'all'} split, {report['songs']} songs)", "",
             "## Symbolic route (transcribe the melody stem, generate, compare harmony per beat)", ""]
    if "note_f1" in symbolic:
        lines.append(f"Melody transcription against the MIDI melody: note precision "
                     f"{symbolic.get('note_precision', float('nan')):.3f}, recall "
                     f"{symbolic.get('note_recall', float('nan')):.3f}, F1 {symbolic['note_f1']:.3f} "
                     "(onset 50 ms, pitch 50 cents).")
        lines.append("")
    lines += ["| system | chroma cosine | chord agreement |", "|---|---:|---:|"]
    for system in HARMONY_SYSTEMS:
        scores = symbolic.get(system, {})
        lines.append(f"| {system} | {scores.get('chroma_cosine', float('nan')):.3f} | "
                     f"{scores.get('chord_agreement', float('nan')):.3f} |")
    if "raw_amplitude" in means:
        lines += ["", "## Raw-amplitude route (waveform of the accompaniment)", "",
                  "| system | MSE | SNR (dB) | log-spectral distance (dB) |", "|---|---:|---:|---:|"]
        from ..baselines.raw_amplitude import BASELINE_SYSTEMS

        for system in BASELINE_SYSTEMS:
            scores = means["raw_amplitude"][system]
            lines.append(f"| {system} | {scores['mse']:.3g} | {scores['snr_db']:.2f} | {scores['lsd_db']:.2f} |")
    lines += ["", "| song | seconds | reference | note F1 | generated chroma cosine | generated chord agreement"
              + (" | raw-amplitude SNR (dB) |" if "raw_amplitude" in means else " |"),
              "|---|---:|---|---:|---:|---:|" + ("---:|" if "raw_amplitude" in means else "")]
    for row in report["per_song"]:
        s = row["symbolic"]
        generated = s.get("generated", {})
        line = (f"| {row['song']} | {row['seconds']:.0f} | {s.get('reference', '')} | {s.get('note_f1', float('nan')):.3f} | "
                f"{generated.get('chroma_cosine', float('nan')):.3f} | {generated.get('chord_agreement', float('nan')):.3f} |")
        if "raw_amplitude" in row:
            line += f" {row['raw_amplitude']['raw-amplitude']['snr_db']:.2f} |"
        lines.append(line)
    unscored = [(row["song"], row["symbolic"]["error"]) for row in report["per_song"] if "error" in row["symbolic"]]
    if unscored:
        lines += ["", "No accompaniment generated (left out of those means; melody notes its MIDI has in the "
                  "stem count as missed):", ""]
        lines += [f"- {song}: {reason}" for song, reason in unscored]
    return "\n".join(lines)
