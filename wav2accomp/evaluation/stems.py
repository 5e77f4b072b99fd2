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
- **raw-amplitude route** (when a scorer of it is given, see
  :class:`wav2accomp.baselines.raw_amplitude.BaselineScorer`): MSE, SNR and
  log-spectral distance of its waveform against the real accompaniment, beside
  silence and the least-squares-scaled melody.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..audio.recording import AudioError, validate_audio
from ..constants import ACCOMPANIMENT_CLASSES, MELODY, PERCUSSION, STEMS_SAMPLE_RATE
from ..data.stems import StemSong, find_stem_songs, load_stem_song, select_split
from ..dsp import midi_to_hz
from ..errors import Wav2AccompError
from ..symbolic.classify import classify_parts
from ..symbolic.harmony import TRIADS
from ..symbolic.midi_io import read_midi
from .metrics import harmony_agreement, note_scores
from .report import Report, Section, format_value, means_over, nan_mean

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
    """Note P/R/F1 of transcribed notes against a MIDI melody (:func:`~wav2accomp.evaluation.metrics.note_scores`:
    onset within 50 ms, pitch within 50 cents; offsets ignored); empty without a reference."""
    if not reference:
        return {}
    ref_intervals = np.array([[n.start, max(n.end, n.start + 1e-3)] for n in reference])
    ref_pitches = midi_to_hz(np.array([n.pitch for n in reference], dtype=float))
    est_intervals = np.array([[n.onset, n.offset] for n in transcribed]).reshape(-1, 2)
    est_pitches = midi_to_hz(np.array([n.pitch for n in transcribed], dtype=float))
    return note_scores(ref_intervals, ref_pitches, est_intervals, est_pitches)


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


def evaluate_stems(stems_dir: str | os.PathLike, *, baseline=None, split: str | None = "auto",
                   limit: int | None = None, max_seconds: float | None = None, seed: int = 0, model_dir=None,
                   melody_keywords=None, progress: bool = True) -> Report:
    """Both routes on the songs of a stems folder.

    Parameters
    ----------
    baseline : callable, optional
        The raw-amplitude route (a :class:`~wav2accomp.baselines.raw_amplitude.BaselineScorer`): ``.sr``,
        ``.section(items)``, and called with (melody, accompaniment) it gives system -> waveform scores.
        None scores the symbolic route alone.
    split : str or None
        ``"train"``, ``"valid"``, ``"test"``; ``"all"`` or None: every song; ``"auto"`` (default): the test split
        of a folder ``stems render`` made, every song of any other (:func:`~wav2accomp.data.stems.select_split`).
    melody_keywords : list of str, optional
        Replace the keyword table that names the melody stem.

    Returns
    -------
    Report
        ``stems``: sections ``symbolic`` (and ``raw_amplitude``), items per song; ``metadata``: folder,
        split, songs, the folders and songs skipped with their reasons.
    """
    songs, skipped = find_stem_songs(stems_dir, keywords=melody_keywords)
    songs, split = select_split(songs, split)
    songs = songs[:limit]
    if not songs:
        raise Wav2AccompError(f"no songs{' of the ' + split + ' split' if split != 'all' else ''} in {stems_dir}"
                              + (f" ({len(skipped)} folders skipped: {skipped[0]['reason']}, ...)" if skipped else ""))
    sr = baseline.sr if baseline is not None else STEMS_SAMPLE_RATE
    symbolic, raw = [], []
    for song in tqdm(songs, desc="evaluate stems", unit="song", disable=not progress):
        try:
            melody, accompaniment = load_stem_song(song, sr=sr)
        except AudioError as exc:  # one unreadable stem: that song is skipped, the others go on
            skipped.append({"song": song.name, "reason": str(exc)})
            continue
        if max_seconds is not None:
            melody, accompaniment = melody[:int(max_seconds * sr)], accompaniment[:int(max_seconds * sr)]
        symbolic.append({"id": song.name, "seconds": len(melody) / sr,
                         **symbolic_song_scores(song, melody, accompaniment, sr, seed=seed, model_dir=model_dir)})
        if baseline is not None:
            raw.append({"id": song.name, **baseline(melody, accompaniment)})
    if not symbolic:
        raise Wav2AccompError(f"no song of {stems_dir} could be read ({skipped[-1]['reason']}, ...)")
    report = Report("stems", f"Stems evaluation: {stems_dir} ({split} split, {len(symbolic)} songs)",
                    {"folder": str(stems_dir), "split": split, "songs": len(symbolic), "skipped": skipped})
    report.sections["symbolic"] = symbolic_section(symbolic)
    if baseline is not None:
        report.sections["raw_amplitude"] = baseline.section(raw)
    report.notes = per_song_lines(report)
    return report


def symbolic_section(items: list[dict]) -> Section:
    """The symbolic route's harmony table, with the melody's note scores (means) before it."""
    melody = {key: nan_mean([item[key] for item in items if key in item])
              for key in ("melody_notes", "note_precision", "note_recall", "note_f1") if any(key in i for i in items)}
    intro = []
    if "note_f1" in melody:
        intro = [f"Melody transcription against the MIDI melody: note precision {melody['note_precision']:.3f}, "
                 f"recall {melody['note_recall']:.3f}, F1 {melody['note_f1']:.3f} (onset 50 ms, pitch 50 cents)."]
    metrics = ["chroma_cosine", "chord_agreement"]
    return Section("Symbolic route (transcribe the melody stem, generate, compare harmony per beat)",
                   list(HARMONY_SYSTEMS), metrics, means_over(items, HARMONY_SYSTEMS, metrics), items, intro=intro,
                   info={"melody": melody})


def per_song_lines(report: Report) -> list[str]:
    """A markdown table of every song (both routes), then the songs the symbolic route could not accompany."""
    symbolic = report.sections["symbolic"]
    raw = report.sections.get("raw_amplitude")
    lines = ["| song | seconds | reference | note F1 | generated chroma cosine | generated chord agreement"
             + (" | raw-amplitude SNR (dB) |" if raw else " |"), "|---|---:|---|---:|---:|---:|" + ("---:|" if raw else "")]
    raw_snr = {item["id"]: item["raw-amplitude"]["snr_db"] for item in raw.items} if raw else {}
    for item in symbolic.items:
        generated = item.get("generated", {})
        line = (f"| {item['id']} | {item['seconds']:.0f} | {item.get('reference', '')} | "
                f"{format_value(item.get('note_f1'))} | {format_value(generated.get('chroma_cosine'))} | "
                f"{format_value(generated.get('chord_agreement'))} |")
        if raw:
            line += f" {format_value(raw_snr[item['id']], '.2f')} |"
        lines.append(line)
    unscored = [(item["id"], item["error"]) for item in symbolic.items if "error" in item]
    if unscored:
        lines += ["", "No accompaniment generated (left out of those means; melody notes its MIDI has in the "
                  "stem count as missed):", ""]
        lines += [f"- {song}: {reason}" for song, reason in unscored]
    skipped = report.metadata["skipped"]
    if skipped:
        lines += ["", f"Skipped ({len(skipped)}):", ""] + [f"- {s['song']}: {s['reason']}" for s in skipped]
    return lines
