"""Evaluation of generated accompaniment on held-out songs.

For every song of a split that has the class, one run compares, on the same
songs and the same grid:

``real``
    the song's own accompaniment (the ceiling; its texture figures are the
    targets the others are measured against),
``trivial``
    the key's tonic triad struck on every beat (pitched classes) or a plain
    rock beat (percussion),
``other song``
    the real accompaniment of a different song of the split,
``paper``
    the seed's configuration,
``aligned``
    the stronger model,
``aligned, given chords``
    the same model playing the song's true chords (pitched parts; lead-sheet mode, ``accompany --chords``),
``groove``
    the groove drummer (percussion; :mod:`wav2accomp.models.groove`, the default drums of ``accompany``),
``band, given chords`` / ``band, harmoniser``
    the comping part as the band plays it (:mod:`wav2accomp.band`: real POP909 phrases re-voiced onto the chords
    for the piano, voice-led strings, the arrangement's arc, the style the melody suggests: on its 16ths, as
    the cache keeps it), on the grid: what ``accompany`` writes,
``comping, given chords`` / ``comping, chord head`` / ``comping, harmoniser``
    the comping models (pitched parts; :mod:`wav2accomp.models.comping`) playing the song's true chords
    (what ``accompany --chords`` plays), the aligned model's chord per beat, or the harmoniser's chords
    (:mod:`wav2accomp.models.harmoniser`: what ``accompany`` plays from the melody alone),

and reports the metrics of :mod:`wav2accomp.evaluation.metrics` per song and as means. The ``bass`` section
(songs with a bass part) compares the real bass, the key's tonic root on every beat, another song's bass, the
aligned guitarlike model's lowest notes, and the bassline model (:mod:`wav2accomp.models.bassline`) playing the
song's chords (recognised in its other harmony parts), the aligned model's chord head or the harmoniser's
chords. With the guitarlike class, a ``harmony`` section scores the chord sequences themselves
(:func:`~wav2accomp.evaluation.metrics.harmonisation_metrics`, per-beat accuracy against annotations): the
song's own, the key's tonic triad, the classic HMM harmoniser, the aligned model's chord head, the harmoniser.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..constants import (BASS_FIGURE_BARS, BASS_FIGURE_TEMPERATURE, ALIGNED_ARCH, BAND_PARTS, BASS, GUITARLIKE, MELODY,
                         N_PITCHES, ONSET, PAPER_ARCH, PERCUSSION, PITCH_LOW, STEPS_PER_BEAT, SUSTAIN)
from ..data.corpus import load_song
from ..errors import Wav2AccompError
from ..band.perform import load_band, play_band
from ..band.style import melody_features
from ..models.conditioning import bar_positions
from ..models.dataset import load_part_songs
from ..models.aligned import chord_head
from ..models.bassline import play_bass, root_pitch
from ..models.comping import comp
from ..models.generate import (decode, load_bassist, load_comper, load_drummer, load_harmony, load_part_model,
                               predict_probabilities)
from ..models.harmoniser import harmonise_melody
from ..models.groove import bar_plan, play_drums
from ..models.hmm_harmony import fit_hmm_from_cache, harmonise
from ..plotting import plot_rolls
from ..symbolic.chords import given_chord_prior
from ..symbolic.harmony import TRIADS, beat_spans, estimate_key, pitch_class_histogram
from ..symbolic.roll import roll_note_spans
from .playing import evaluate_playing
from .report import Report, Section, format_value, means_over
from .metrics import (bass_root_agreement, chord_accuracy, chord_tone_ratio, consonance, drum_bar_metrics,
                      drum_family_onset_f1, empty_beat_rate, frame_scores, grid_onset_scores, groove_consistency,
                      harmonisation_metrics, mean_polyphony, pitch_class_entropy, sequence_chord_accuracy)

SYSTEMS = ("real", "trivial", "other song", PAPER_ARCH, ALIGNED_ARCH)
#: The aligned model made to play the song's true chords (lead-sheet mode; pitched parts only): POP909's annotated
#: chords where the song has them, else the chords recognised in its real part.
GIVEN_CHORDS = f"{ALIGNED_ARCH}, given chords"
#: The groove drummer's row (percussion).
GROOVE = "groove"
#: The comping models' rows (pitched parts): the true chords, the aligned model's chord head, and the harmoniser's
#: chords (what ``accompany`` plays from the melody alone).
COMPING_GIVEN, COMPING_HEAD, COMPING_HARMONISER = "comping, given chords", "comping, chord head", "comping, harmoniser"
#: The band's rows (pitched parts): the comping part as the band plays it (:mod:`wav2accomp.band`: POP909 phrases
#: for the piano, voice leading and the arc), to the true chords and to the harmoniser's: what ``accompany`` writes.
BAND_ROWS = {COMPING_GIVEN: "band, given chords", COMPING_HARMONISER: "band, harmoniser"}
#: Metrics compared with the real accompaniment's own figure (texture, harmony with the melody, the drummer's).
TEXTURE_METRICS = ("chord_tone_ratio", "consonance", "polyphony", "empty_beat_rate", "pitch_class_entropy",
                   "groove_consistency", "backbeat_rate", "kick_on_one_rate", "hihat_regularity", "fill_rate",
                   "exact_repeat_share")
#: Rock-beat pattern of the trivial drum part: GM drum -> positions in a 16-step bar.
TRIVIAL_BEAT = {36: (0, 8), 38: (4, 12), 42: tuple(range(0, 16, 2))}
#: Lowest note of the trivial part's tonic triad: the tonic in the octave from C3 (MIDI 48).
TRIVIAL_ROOT_OCTAVE = 48


def tonic_triad_part(melody: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """The melody's key's tonic triad (root position, from C3) struck on every beat and held through it."""
    tonic, mode = estimate_key(pitch_class_histogram(melody > 0))
    rows = [TRIVIAL_ROOT_OCTAVE + tonic + interval - PITCH_LOW for interval in TRIADS[mode]]
    roll = np.zeros(melody.shape, dtype=np.uint8)
    for start, end in beat_spans(beats, len(melody)):
        roll[start:end, rows] = SUSTAIN
        roll[start, rows] = ONSET
    return roll


def rock_beat_part(n_steps: int, downbeats: np.ndarray) -> np.ndarray:
    """Kick on 1 and 3, snare on 2 and 4, closed hi-hat on every 8th: ``(T, 78)`` drum roll."""
    positions = bar_positions(n_steps, downbeats)
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    for drum, hits in TRIVIAL_BEAT.items():
        roll[np.isin(positions, hits), drum - PITCH_LOW] = ONSET
    return roll


def fit_length(roll: np.ndarray, n_steps: int) -> np.ndarray:
    """Cut or repeat `roll` to `n_steps` steps."""
    repeats = -(-n_steps // max(len(roll), 1))
    return np.tile(roll, (repeats, 1))[:n_steps] if len(roll) else np.zeros((n_steps, N_PITCHES), np.uint8)


def part_metrics(part: str, melody: np.ndarray, reference: np.ndarray, estimate: np.ndarray,
                 arrays: dict[str, np.ndarray]) -> dict[str, float]:
    """Every metric of :mod:`wav2accomp.evaluation.metrics` that fits the class, of one generated part against
    the real one, for one song."""
    beats, downbeats = arrays["beats"], arrays["downbeats"]
    frame = frame_scores(reference, estimate)
    result = {"frame_precision": frame[0], "frame_recall": frame[1], "frame_f1": frame[2],
              "onset_f1": grid_onset_scores(reference, estimate)[2]}
    if part == PERCUSSION:
        result.update({f"{family}_onset_f1": f1 for family, f1 in drum_family_onset_f1(reference, estimate).items()})
        result.update({"polyphony": mean_polyphony(estimate), "empty_beat_rate": empty_beat_rate(estimate, beats),
                       "groove_consistency": groove_consistency(estimate, downbeats)})
        result.update(drum_bar_metrics(estimate, downbeats, bar_plan(melody, downbeats).entry))
        return result
    if "chord_label" in arrays:
        result["chord_accuracy"] = chord_accuracy(estimate, beats, arrays["chord_start"], arrays["chord_end"],
                                                  arrays["chord_label"])
    result.update({"chord_tone_ratio": chord_tone_ratio(melody, estimate),
                   "consonance": consonance(melody, estimate),
                   "polyphony": mean_polyphony(estimate),
                   "empty_beat_rate": empty_beat_rate(estimate, beats),
                   "pitch_class_entropy": pitch_class_entropy(estimate),
                   "groove_consistency": groove_consistency(estimate, downbeats)})
    return result


def evaluate_accompaniment(cache: str | os.PathLike, *, split: str = "test",
                           parts: tuple[str, ...] = BAND_PARTS,
                           model_dir: str | os.PathLike | None = None, limit: int | None = None,
                           plots_dir: str | os.PathLike | None = None, n_plots: int = 3, seed: int = 0,
                           played: bool = True, progress: bool = True) -> Report:
    """Run the comparison of the module docstring.

    Parameters
    ----------
    cache : path-like
        A prepared cache (``wav2accomp prepare``).
    split : str
        Songs to evaluate on (``"test"`` by default; never used for training).
    parts : tuple of str
        Accompaniment classes, and ``bass``.
    model_dir : path-like, optional
        Folder of ``paper-<part>`` and ``aligned-<part>`` models (default: the shipped ones).
    limit : int, optional
        Evaluate only the first `limit` songs of each class.
    plots_dir : path-like, optional
        Where to draw melody + real + generated rolls of the first `n_plots` songs.
    seed : int
        Seed of the decoders (they decode deterministically at temperature 0).
    played : bool
        Also measure how the band plays against the real parts of the same songs (:mod:`~wav2accomp.evaluation.
        playing`: dynamics, timing, rhythm variety, texture, voicing, the real-vs-generated classifier), from
        the songs' MIDI files.

    Returns
    -------
    Report
        ``accompaniment``: one section per part (systems x metrics means, per-song rows; ``info``:
        songs, generation time per 1000 steps, the models' thresholds and provenance); with `played`, a section
        "how it is played: CORPUS ROLE" per corpus and role.
    """
    report = Report("accompaniment", f"Accompaniment evaluation: {split} split of {cache}",
                    {"split": split, "cache": str(cache)})
    evaluated = []
    for part in parts:
        try:
            report.sections[part] = (_evaluate_bass(cache, split, model_dir, limit, progress) if part == BASS else
                                     _evaluate_part(cache, part, split, model_dir, limit, plots_dir, n_plots, seed,
                                                    progress))
            evaluated.append(part)
        except Wav2AccompError as exc:   # a part the corpus lacks: said in its section; the others are evaluated
            report.sections[part] = Section(f"{part} (not evaluated)", [], [], {}, notes=[f"Not evaluated: {exc}"],
                                            info={"songs": 0, "reason": str(exc)})
    if not evaluated:
        raise Wav2AccompError("; ".join(section.notes[0] for section in report.sections.values()))
    if GUITARLIKE in parts:
        report.sections["harmony"] = _evaluate_harmony(cache, split, model_dir, limit, progress)
    if played:
        for section in evaluate_playing(song_files(cache, split, limit), model_dir=model_dir, progress=progress):
            report.sections[section.title.split(" (")[0]] = section
    return report


def song_files(cache: str | os.PathLike, split: str, limit: int | None = None) -> list[str]:
    """The MIDI files of a cache's songs of `split` that still exist (at most `limit` per corpus)."""
    from ..data.corpus import load_index

    per_corpus: dict[str, list] = {}
    for entry in load_index(cache)["songs"]:
        if (split == "all" or entry["split"] == split) and Path(entry["file"]).is_file():
            per_corpus.setdefault(entry["id"].split("/")[0], []).append(entry["file"])
    return [f for files in per_corpus.values() for f in sorted(files)[:limit]]


#: Systems of the bass section: the guitarlike model's lowest notes, the bassline model on two chord sequences.
ALIGNED_LOWEST = f"{ALIGNED_ARCH} (lowest notes)"
BASSLINE_GIVEN, BASSLINE_HEAD = "bassline, given chords", "bassline, chord head"
BASSLINE_HARMONISER = "bassline, harmoniser"
BASS_SYSTEMS = ("real", "trivial", "other song", ALIGNED_LOWEST, BASSLINE_GIVEN, BASSLINE_HEAD, BASSLINE_HARMONISER)


def tonic_root_part(melody: np.ndarray, beats: np.ndarray, center: float) -> np.ndarray:
    """The melody's key's tonic, in the bass register around `center` (MIDI), struck on every beat."""
    tonic, _ = estimate_key(pitch_class_histogram(melody > 0))
    roll = np.zeros(melody.shape, dtype=np.uint8)
    row = root_pitch(tonic, center) - PITCH_LOW
    for start, end in beat_spans(beats, len(melody)):
        roll[start:end, row] = SUSTAIN
        roll[start, row] = ONSET
    return roll


def lowest_notes(roll: np.ndarray) -> np.ndarray:
    """Only the lowest sounding note of every step of a pitched roll."""
    sounding = roll > 0
    lowest = np.argmax(sounding, axis=1)
    kept = np.zeros_like(roll)
    steps = np.flatnonzero(sounding.any(axis=1))
    kept[steps, lowest[steps]] = roll[steps, lowest[steps]]
    return kept


def _evaluate_bass(cache, split: str, model_dir, limit, progress: bool) -> Section:
    """Every bass system on every song of `split` with a bass part: one section."""
    bassist, harmoniser = load_bassist(model_dir), load_harmony(model_dir)
    model, config = load_part_model(GUITARLIKE, ALIGNED_ARCH, model_dir)
    songs = load_part_songs(cache, BASS, split, limit=limit)
    rows, seconds, total_steps = [], 0.0, 0
    for i in tqdm(range(len(songs)), desc="evaluate bass", unit="song", disable=not progress):
        arrays = load_song(cache, songs.ids[i])
        melody, real, chords = songs.melody[i], songs.target[i], np.asarray(songs.chords[i])
        beats, downbeats = arrays["beats"], arrays["downbeats"]
        probabilities = predict_probabilities(model, config, melody, downbeats)
        head = chord_head(probabilities, config.steps_per_beat)
        systems = {"real": real, "trivial": tonic_root_part(melody, beats, bassist.center),
                   "other song": fit_length(songs.target[(i + 1) % len(songs)], len(melody)),
                   ALIGNED_LOWEST: lowest_notes(decode(config, probabilities))}
        began = time.perf_counter()
        systems[BASSLINE_GIVEN] = play_bass(bassist, melody, downbeats, chords, bpm=songs.bpm[i],
                                            temperature=BASS_FIGURE_TEMPERATURE, phrase_bars=BASS_FIGURE_BARS)
        seconds += time.perf_counter() - began
        systems[BASSLINE_HEAD] = play_bass(bassist, melody, downbeats, head, bpm=songs.bpm[i],
                                           temperature=BASS_FIGURE_TEMPERATURE, phrase_bars=BASS_FIGURE_BARS)
        harmonised = harmonise_melody(harmoniser, melody, downbeats)
        systems[BASSLINE_HARMONISER] = play_bass(bassist, melody, downbeats, harmonised, bpm=songs.bpm[i],
                                                 temperature=BASS_FIGURE_TEMPERATURE, phrase_bars=BASS_FIGURE_BARS)
        total_steps += len(melody)
        row = {"id": songs.ids[i], "steps": len(melody)}
        for name, roll in systems.items():
            frame = frame_scores(real, roll)
            row[name] = {"root_agreement": bass_root_agreement(roll, chords, beats), "frame_f1": frame[2],
                         "onset_f1": grid_onset_scores(real, roll)[2], "polyphony": mean_polyphony(roll),
                         "empty_beat_rate": empty_beat_rate(roll, beats),
                         "pitch_class_entropy": pitch_class_entropy(roll),
                         "groove_consistency": groove_consistency(roll, downbeats)}
        row[BASSLINE_HEAD]["root_agreement_own_chords"] = bass_root_agreement(systems[BASSLINE_HEAD], head, beats)
        row[BASSLINE_HARMONISER]["root_agreement_own_chords"] = bass_root_agreement(systems[BASSLINE_HARMONISER],
                                                                                    harmonised, beats)
        rows.append(row)
    metrics = list(dict.fromkeys(k for row in rows for s in BASS_SYSTEMS for k in row[s]))
    means = means_over(rows, BASS_SYSTEMS, metrics)
    notes = ["", "Root agreement: share of beats whose bass note (the lowest sounding at the beat's first sounding "
             "step) is the root of the song's chord, recognised in its other harmony parts (guitarlike without the "
             "bass, and stringslike); `own chords`: of the chord the bassline model was given.", ""]
    notes += gap_table(BASS, list(BASS_SYSTEMS), means)
    notes += ["", f"Bassline generation: {1e6 * seconds / max(total_steps, 1):.1f} ms per 1000 steps (250 beats)"]
    return Section(f"bass ({len(rows)} songs)", list(BASS_SYSTEMS), metrics, means, rows, notes=notes,
                   info={"songs": len(rows), "skipped": songs.skipped, "bassline": bassist.info})


#: Systems of the harmony section: where each takes its chord sequence from (the HMM harmoniser where the cache's
#: train split has annotated songs to count it from).
HMM_HARMONISER = "HMM harmoniser"
HARMONY_SYSTEMS = ("real", "tonic triad", HMM_HARMONISER, "aligned chord head", "harmoniser")


def _evaluate_harmony(cache, split: str, model_dir, limit, progress: bool) -> Section:
    """The chord sequence itself, for every song with a guitarlike part: the song's chords (annotated, else
    recognised in its part), the key's tonic triad throughout, the classic HMM harmoniser
    (:mod:`wav2accomp.models.hmm_harmony`, counted from the annotated train songs), the aligned model's
    chord head and the harmoniser (:mod:`wav2accomp.models.harmoniser`)."""
    model, config = load_part_model(GUITARLIKE, ALIGNED_ARCH, model_dir)
    harmoniser = load_harmony(model_dir)
    songs = load_part_songs(cache, GUITARLIKE, split, limit=limit)
    try:
        hmm = fit_hmm_from_cache(cache)
    except Wav2AccompError:   # no annotated train songs: no HMM row
        hmm = None
    systems = [s for s in HARMONY_SYSTEMS if s != HMM_HARMONISER or hmm is not None]
    rows = []
    for i in tqdm(range(len(songs)), desc="evaluate harmony", unit="song", disable=not progress):
        arrays = load_song(cache, songs.ids[i])
        melody, downbeats = songs.melody[i], arrays["downbeats"]
        tonic, mode = estimate_key(pitch_class_histogram(melody > 0))
        sequences = {"real": np.asarray(songs.chords[i]),
                     "tonic triad": np.full(len(melody), tonic + (12 if mode == "min" else 0)),
                     **({HMM_HARMONISER: harmonise(hmm, melody, arrays["beats"])} if hmm is not None else {}),
                     "aligned chord head": chord_head(predict_probabilities(model, config, melody, downbeats),
                                                      config.steps_per_beat),
                     "harmoniser": harmonise_melody(harmoniser, melody, downbeats)}
        row = {"id": songs.ids[i]}
        for name, chords in sequences.items():
            row[name] = harmonisation_metrics(melody, chords, downbeats)
            if "chord_label" in arrays:
                row[name].update(sequence_chord_accuracy(chords, arrays["beats"], arrays["chord_start"],
                                                         arrays["chord_end"], arrays["chord_label"]))
        rows.append(row)
    metrics = list(dict.fromkeys(k for row in rows for s in systems for k in row[s]))
    annotated = sum("chord_majmin" in row["real"] for row in rows)
    notes = ["", f"Chord accuracy (majmin, root) over the {annotated} songs with chord annotations; the rest over "
             "all songs (`real` = the annotations, else the chords recognised in the song's part)."]
    if hmm is not None:
        notes += ["", "The HMM harmoniser is counted from this cache's annotated train songs"
                  + (" (with the split `all`, those songs are among the ones scored)." if split == "all" else ".")]
    return Section(f"harmony ({len(rows)} songs)", systems, metrics, means_over(rows, systems, metrics), rows,
                   notes=notes, info={"songs": len(rows), "annotated": annotated})


def roll_band_probability(band, melody: np.ndarray, bpm: float) -> float:
    """The style model's band probability (:mod:`wav2accomp.band.style`) for a melody roll: its notes on the 16ths
    (the cache keeps no finer timing, so none is off the grid)."""
    pitches, starts, ends = roll_note_spans(melody)
    if not len(pitches):
        return 0.5
    return band.style.band_probability(melody_features(pitches + PITCH_LOW, starts / STEPS_PER_BEAT,
                                                       ends / STEPS_PER_BEAT, bpm=bpm))


def _evaluate_part(cache, part: str, split: str, model_dir, limit, plots_dir, n_plots: int, seed: int,
                   progress: bool) -> Section:
    """Every system on every song of `split` that has `part`: one section."""
    models = {arch: load_part_model(part, arch, model_dir) for arch in (PAPER_ARCH, ALIGNED_ARCH)}
    drummer = load_drummer(model_dir) if part == PERCUSSION else None
    comper = load_comper(part, model_dir) if part != PERCUSSION else None
    harmoniser = load_harmony(model_dir) if part != PERCUSSION else None
    band = load_band(model_dir) if part != PERCUSSION else None
    songs = load_part_songs(cache, part, split, limit=limit)
    per_song, seconds = [], {arch: 0.0 for arch in models}
    if drummer is not None:
        seconds[GROOVE] = 0.0
    for i in tqdm(range(len(songs)), desc=f"evaluate {part}", unit="song", disable=not progress):
        arrays = load_song(cache, songs.ids[i])
        melody, real = songs.melody[i], songs.target[i]
        n_steps = len(melody)
        systems = {"real": real,
                   "trivial": (rock_beat_part(n_steps, arrays["downbeats"]) if part == PERCUSSION
                               else tonic_triad_part(melody, arrays["beats"])),
                   "other song": fit_length(songs.target[(i + 1) % len(songs)], n_steps)}
        probabilities = {}
        for arch, (model, config) in models.items():
            began = time.perf_counter()
            probabilities[arch] = predict_probabilities(model, config, melody, arrays["downbeats"])
            systems[arch] = decode(config, probabilities[arch], seed=seed)
            seconds[arch] += time.perf_counter() - began
        if part != PERCUSSION:  # the same probabilities, decoded to the true chords; the comping models
            systems[GIVEN_CHORDS] = decode(models[ALIGNED_ARCH][1], probabilities[ALIGNED_ARCH], seed=seed,
                                           chord_prior=given_chord_prior(songs.chords[i]))
            head = chord_head(probabilities[ALIGNED_ARCH], models[ALIGNED_ARCH][1].steps_per_beat)
            harmonised = harmonise_melody(harmoniser, melody, arrays["downbeats"])
            for name, chords in ((COMPING_GIVEN, np.asarray(songs.chords[i])), (COMPING_HEAD, head),
                                 (COMPING_HARMONISER, harmonised)):
                systems[name] = comp(comper, melody, arrays["downbeats"], chords, bpm=songs.bpm[i])
                if name in BAND_ROWS:   # the band plays the comping part: phrases (piano), voice leading, the arc
                    systems[BAND_ROWS[name]] = play_band(
                        {part: systems[name]}, melody, arrays["downbeats"], chords=chords, bpm=songs.bpm[i],
                        feel="grid", seed=seed, band_probability=roll_band_probability(band, melody, songs.bpm[i]),
                        models=band)[part].to_roll(n_steps)
        else:
            began = time.perf_counter()
            systems[GROOVE] = play_drums(drummer, melody, arrays["downbeats"], bpm=songs.bpm[i], seed=seed)
            seconds[GROOVE] += time.perf_counter() - began
        row = {"id": songs.ids[i], "steps": n_steps}
        row.update({name: part_metrics(part, melody, real, roll, arrays) for name, roll in systems.items()})
        per_song.append(row)
        if plots_dir is not None and i < n_plots:
            Path(plots_dir).mkdir(parents=True, exist_ok=True)
            extra = GROOVE if part == PERCUSSION else GIVEN_CHORDS
            shown = {MELODY: melody, "real": real, PAPER_ARCH: systems[PAPER_ARCH],
                     ALIGNED_ARCH: systems[ALIGNED_ARCH], extra: systems[extra]}
            plot_rolls(shown, Path(plots_dir) / f"{part}-{i + 1}.png", downbeats=arrays["downbeats"],
                       title=f"{part}: {songs.ids[i]} ({', '.join(shown)})",
                       drums=tuple(name for name in shown if name != MELODY) if part == PERCUSSION else ())
    shown = list(SYSTEMS) + ([GROOVE] if part == PERCUSSION else [GIVEN_CHORDS, COMPING_GIVEN, COMPING_HEAD,
                                                                   COMPING_HARMONISER, *BAND_ROWS.values()])
    metrics = list(dict.fromkeys(k for row in per_song for s in shown for k in row[s]))
    means = means_over(per_song, shown, metrics)
    total_steps = sum(row["steps"] for row in per_song)
    speed = {a: 1000 * s / max(total_steps, 1) for a, s in seconds.items()}
    notes = gap_table(part, shown, means) + ["", "Generation time per 1000 steps (250 beats): "
                                      + ", ".join(f"{a} {1000 * s:.1f} ms" for a, s in speed.items())]
    if songs.skipped:
        notes += ["", f"Skipped {len(songs.skipped)} unreadable songs:", ""]
        notes += [f"- {item['id']}: {item['reason']}" for item in songs.skipped]
    return Section(f"{part} ({len(per_song)} songs)", shown, metrics, means, per_song, notes=notes,
                   info={"songs": len(per_song), "skipped": songs.skipped, "generation_seconds_per_1000_steps": speed,
                         "models": {**{a: {"threshold": c.threshold, **c.training} for a, (_, c) in models.items()},
                                    **({GROOVE: drummer.info} if drummer is not None else {}),
                                    **({"comping": comper.info} if comper is not None else {})}})


def gap_table(part: str, systems: list[str], means: dict) -> list[str]:
    """Markdown lines: each system's gap to the real part's texture figures (absolute and relative)."""
    gaps = [m for m in TEXTURE_METRICS if m in means["real"]]
    lines = [f"Gap to the real {part} (system - real; relative in brackets):", "",
             "| system | " + " | ".join(m.replace("_", " ") for m in gaps) + " |",
             "|---|" + "---:|" * len(gaps)]
    for system in systems[1:]:
        cells = []
        for m in gaps:
            gap, real = means[system][m] - means["real"][m], means["real"][m]
            cells.append(f"{gap:+.3f} ({gap / real:+.0%})" if real and not math.isnan(gap) else format_value(gap))
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return lines
