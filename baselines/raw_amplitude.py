"""The raw-amplitude baseline: a fully connected network from melody samples to accompaniment samples.

The seed's first experiment, kept as a baseline for the symbolic route: a
chunk of `chunk` samples of the melody stem (500 by default, 23 ms at
22050 Hz) goes in, the same chunk of the summed accompaniment stems comes
out, trained with an L2 (mean squared error) loss on a stems dataset
(:mod:`wav2accomp.data.stems`). Waveforms are scaled by one number, the RMS of the
training melodies (input) and accompaniments (output), stored in the model.

A run folder holds ``checkpoint.pt`` (atomic, every epoch and every
`checkpoint_seconds`; ``--resume`` continues it to the same weights as an
uninterrupted run), ``log.json``, ``loss.png`` and the best model,
``raw-amplitude.npz`` (plain float arrays, loaded without pickle) +
``raw-amplitude.json``.
"""
from __future__ import annotations

import json
import math
import os
import zipfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from wav2accomp.constants import STEMS_SAMPLE_RATE
from wav2accomp.audio.recording import AudioError
from wav2accomp.data.stems import find_stem_songs, load_stem_song, select_split
from wav2accomp.errors import Wav2AccompError
from wav2accomp.evaluation.metrics import WAVEFORM_FORMATS, WAVEFORM_LABELS, WAVEFORM_METRICS, waveform_scores
from wav2accomp.evaluation.report import Report, Section, means_over
from wav2accomp.fileio import atomic_write, write_json
from wav2accomp.models.checkpoints import RunFolder, RunState, restore, stop_after_step
from wav2accomp.models.training import learning_rate_at

from .options import DEFAULT_CHUNK, DEFAULT_HIDDEN, BaselineTrainOptions

MODEL_NAME = "raw-amplitude"


@dataclass
class BaselineConfig:
    """What defines a raw-amplitude network.

    Attributes
    ----------
    chunk : int
        Samples per chunk, in and out.
    hidden : list of int
        Width of each hidden layer (ReLU).
    sr : int
        Sample rate the network was trained at, Hz.
    input_scale, output_scale : float
        RMS of the training melodies and accompaniments (waveforms are divided by them).
    provenance : dict
        How it was trained (command options, songs, best epoch).
    """

    chunk: int = DEFAULT_CHUNK
    hidden: list[int] = field(default_factory=lambda: list(DEFAULT_HIDDEN))
    sr: int = STEMS_SAMPLE_RATE
    input_scale: float = 1.0
    output_scale: float = 1.0
    provenance: dict = field(default_factory=dict)

    def problem(self) -> str | None:
        """What is wrong with these settings, in one phrase; None when nothing is."""
        counts = [self.chunk, self.sr, *self.hidden] if isinstance(self.hidden, list) else None
        if counts is None or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1 << 20
                                     for v in counts):
            return f"chunk, hidden widths and sr must be whole numbers of at least 1 (chunk {self.chunk!r}, " \
                   f"hidden {self.hidden!r}, sr {self.sr!r})"
        scales = (self.input_scale, self.output_scale)
        if not all(isinstance(s, (int, float)) and math.isfinite(s) and s > 0 for s in scales):
            return f"the scales must be finite numbers above 0, not {scales}"
        return None


def build_network(config: BaselineConfig) -> nn.Sequential:
    """chunk -> hidden layers (ReLU) -> chunk, linear output."""
    layers, width = [], config.chunk
    for units in config.hidden:
        layers += [nn.Linear(width, units), nn.ReLU()]
        width = units
    layers.append(nn.Linear(width, config.chunk))
    return nn.Sequential(*layers)


def save_baseline(network: nn.Module, config: BaselineConfig, folder: str | os.PathLike) -> None:
    """Write ``raw-amplitude.npz`` and ``.json`` into `folder`, each atomically."""
    path = Path(folder) / MODEL_NAME
    state = {name: t.detach().cpu().numpy().astype(np.float32) for name, t in network.state_dict().items()}
    with atomic_write(path.with_suffix(".npz")) as handle:
        np.savez(handle, **state)
    write_json(path.with_suffix(".json"), asdict(config))


def load_baseline(folder: str | os.PathLike) -> tuple[nn.Module, BaselineConfig]:
    """Read a model written by :func:`save_baseline` (a run folder); eval mode, CPU.

    Raises
    ------
    Wav2AccompError
        Missing or broken files.
    """
    path = Path(folder) / MODEL_NAME
    if not path.with_suffix(".json").is_file():
        raise Wav2AccompError(f"no raw-amplitude model in {folder} (no {path.with_suffix('.json').name}; "
                              "`wav2accomp baseline train --out FOLDER` makes one)")
    try:
        settings = json.loads(path.with_suffix(".json").read_text())
        config = BaselineConfig(**settings) if isinstance(settings, dict) else None
        problem = "its JSON is not a mapping of settings" if config is None else config.problem()
        if problem:
            raise ValueError(problem)
        network = build_network(config)
        with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
            state = {name: torch.from_numpy(np.asarray(data[name], dtype=np.float32)) for name in data.files}
        network.load_state_dict(state)
        if not all(torch.isfinite(tensor).all() for tensor in state.values()):
            raise ValueError("its weights hold NaN or infinite values")
    except (OSError, ValueError, TypeError, KeyError, RuntimeError, zipfile.BadZipFile) as exc:
        raise Wav2AccompError(f"cannot load the raw-amplitude model in {folder}: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    network.eval()
    return network, config


# --- Data ----------------------------------------------------------------------------------

@dataclass
class StemPairs:
    """Melody and accompaniment waveforms of several songs, mono at one rate."""

    names: list[str]
    melody: list[np.ndarray]
    accompaniment: list[np.ndarray]
    skipped: list = field(default_factory=list)
    split: str = "all"

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(m) for m in self.melody])


def load_split(stems_dir: str | os.PathLike, split: str, *, sr: int = STEMS_SAMPLE_RATE, limit: int | None = None,
               max_seconds: float | None = None, melody_keywords=None, progress: bool = False) -> StemPairs:
    """The songs of one split of a stems folder (see :mod:`wav2accomp.data.stems`; `split` as
    :func:`~wav2accomp.data.stems.select_split` takes it), optionally cut to `max_seconds`; `melody_keywords`
    replace the keyword table that names the melody stem. A song with an unreadable stem is left out and
    listed in ``.skipped`` with the reason."""
    found, skipped = find_stem_songs(stems_dir, keywords=melody_keywords)
    songs, split = select_split(found, split)
    pairs = StemPairs([], [], [], skipped=list(skipped), split=split)
    for song in tqdm(songs[:limit], desc=f"load {split} stems", unit="song", disable=not progress):
        try:
            melody, accompaniment = load_stem_song(song, sr=sr)
        except AudioError as exc:
            pairs.skipped.append({"song": song.name, "reason": str(exc)})
            continue
        end = len(melody) if max_seconds is None else int(max_seconds * sr)
        pairs.names.append(song.name)
        pairs.melody.append(melody[:end])
        pairs.accompaniment.append(accompaniment[:end])
    return pairs


def sample_chunks(lengths: np.ndarray, count: int, chunk: int, rng: np.random.Generator) -> np.ndarray:
    """``(count, 2)`` (song, start sample) of random chunks, songs weighted by length."""
    usable = np.maximum(lengths - chunk, 0)
    if usable.sum() == 0:
        raise Wav2AccompError(f"no song is longer than one chunk ({chunk} samples)")
    songs = rng.choice(len(lengths), size=count, p=usable / usable.sum())
    return np.column_stack([songs, (rng.random(count) * usable[songs]).astype(np.int64)])


def gather(pairs: StemPairs, picks: np.ndarray, chunk: int, config: BaselineConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled (inputs, targets) tensors ``(n, chunk)`` of the picked chunks."""
    inputs = np.stack([pairs.melody[s][o:o + chunk] for s, o in picks]) / config.input_scale
    targets = np.stack([pairs.accompaniment[s][o:o + chunk] for s, o in picks]) / config.output_scale
    return torch.from_numpy(inputs.astype(np.float32)), torch.from_numpy(targets.astype(np.float32))


# --- Training ------------------------------------------------------------------------------

@dataclass
class BaselineState(RunState):
    """:class:`~wav2accomp.models.checkpoints.RunState` plus the throughput count: chunks trained on and
    the seconds spent in optimisation steps."""

    chunks: int = 0
    train_seconds: float = 0.0


def train_baseline(options: BaselineTrainOptions) -> dict:
    """Train (or resume) the raw-amplitude network on the train split; keep the best valid epoch.

    Returns the log (history of train/valid MSE per epoch, best epoch, training chunks per second of
    optimisation steps: batching, forward, backward, update).

    Raises
    ------
    Wav2AccompError
        No usable songs, an unreadable checkpoint or one made with other options.
    """
    run = RunFolder(options.out, options)
    saved = run.load_for_resume() if options.resume else None  # before the (long) loading of the stems
    load = dict(limit=options.limit_songs, max_seconds=options.max_seconds_per_song,
                melody_keywords=options.melody_keywords, progress=options.progress)
    train, valid = load_split(options.stems, "train", **load), load_split(options.stems, "valid", **load)
    if not train.names or not valid.names:
        raise Wav2AccompError(f"{options.stems} needs songs in the train and valid splits (found "
                              f"{len(train.names)} and {len(valid.names)}; the split comes from each song's name)")
    config = BaselineConfig(chunk=options.chunk, hidden=list(options.hidden),
                            input_scale=_rms(train.melody), output_scale=_rms(train.accompaniment))
    valid_picks = sample_chunks(valid.lengths, min(8192, options.chunks_per_epoch), options.chunk,
                                np.random.default_rng([options.seed, 1]))
    torch.manual_seed(options.seed)
    network = build_network(config)
    optimizer = torch.optim.Adam(network.parameters(), lr=options.learning_rate)
    state = BaselineState()
    best_weights = {k: v.clone() for k, v in network.state_dict().items()}
    if saved is not None:
        state, best_weights = restore(saved, network, optimizer, BaselineState)

    n_batches = math.ceil(options.chunks_per_epoch / options.batch_size)
    began = time.perf_counter() - state.elapsed
    last_checkpoint = time.perf_counter()
    with stop_after_step() as stop:
        while state.epoch < options.epochs:
            if options.max_minutes is not None and time.perf_counter() - began > 60 * options.max_minutes:
                break
            epoch = state.epoch
            picks = sample_chunks(train.lengths, n_batches * options.batch_size, options.chunk,
                                  np.random.default_rng([options.seed, 2, epoch]))
            for group in optimizer.param_groups:
                group["lr"] = learning_rate_at(options.learning_rate, epoch)
            network.train()
            with tqdm(total=n_batches, initial=state.batch, desc=f"epoch {epoch + 1}/{options.epochs}",
                      unit="batch", disable=not options.progress, leave=False) as bar:
                while state.batch < n_batches:
                    step_began = time.perf_counter()
                    rows = picks[state.batch * options.batch_size:(state.batch + 1) * options.batch_size]
                    inputs, targets = gather(train, rows, options.chunk, config)
                    loss = torch.mean((network(inputs) - targets) ** 2)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    state.loss_sum += float(loss.detach())
                    state.batch += 1
                    state.chunks += len(rows)
                    state.train_seconds += time.perf_counter() - step_began
                    bar.update()
                    bar.set_postfix(mse=f"{state.loss_sum / state.batch:.4f}")
                    if stop.requested or time.perf_counter() - last_checkpoint >= options.checkpoint_seconds:
                        state.elapsed = time.perf_counter() - began
                        run.save_checkpoint(network, optimizer, state, best_weights)
                        last_checkpoint = time.perf_counter()
                    if stop.requested:
                        raise run.interrupted(state)
            valid_loss = validation_mse(network, valid, valid_picks, config)
            state.history.append({"epoch": epoch + 1, "train_loss": state.loss_sum / n_batches,
                                  "valid_loss": valid_loss})
            if valid_loss < state.best_loss:
                state.best_loss, state.best_epoch = valid_loss, epoch + 1
                best_weights = {k: v.clone() for k, v in network.state_dict().items()}
            state.epoch, state.batch, state.loss_sum = epoch + 1, 0, 0.0
            state.elapsed = time.perf_counter() - began
            run.save_checkpoint(network, optimizer, state, best_weights)
            last_checkpoint = time.perf_counter()
            run.plot_losses(state.history, title="raw-amplitude baseline", ylabel="MSE per sample (scaled waveforms)")
    network.load_state_dict(best_weights)
    config.provenance = {"options": run.defining, "train_songs": len(train.names),
                         "valid_songs": len(valid.names), "best_epoch": state.best_epoch,
                         "best_valid_mse": state.best_loss}
    save_baseline(network, config, run.path)
    log = {**config.provenance, "history": state.history, "elapsed": state.elapsed,
           "chunks_per_second": state.chunks / max(state.train_seconds, 1e-9),
           "parameters": sum(p.numel() for p in network.parameters()),
           "skipped": list({s["song"]: s for s in train.skipped + valid.skipped}.values())}
    run.write_log(log)
    return log


def _rms(waves: list[np.ndarray]) -> float:
    total = sum(float(np.sum(np.square(w, dtype=np.float64))) for w in waves)
    count = sum(len(w) for w in waves)
    return math.sqrt(total / count) if count and total > 0 else 1.0


@torch.no_grad()
def validation_mse(network: nn.Module, pairs: StemPairs, picks: np.ndarray, config: BaselineConfig) -> float:
    """Mean squared error (scaled waveforms) on fixed chunks."""
    network.eval()
    inputs, targets = gather(pairs, picks, config.chunk, config)
    return float(torch.mean((network(inputs) - targets) ** 2))


# --- Generation ---------------------------------------------------------------------------------

@torch.no_grad()
def generate_accompaniment(network: nn.Module, config: BaselineConfig, melody: np.ndarray, *,
                           overlap: float = 0.0) -> np.ndarray:
    """The network's accompaniment for a melody waveform (mono, at ``config.sr``), same length.

    Parameters
    ----------
    overlap : float
        Share of each chunk overlapping the next, 0 <= overlap < 1. With
        overlap, chunks are cross-faded with a Hann window (overlap-add,
        normalised by the summed window).
    """
    if not 0 <= overlap < 1:
        raise Wav2AccompError(f"overlap must be in [0, 1), not {overlap:g}")
    chunk = config.chunk
    hop = max(1, int(round(chunk * (1 - overlap))))
    n_chunks = max(1, math.ceil(max(len(melody) - chunk, 0) / hop) + 1)
    padded = np.zeros((n_chunks - 1) * hop + chunk, dtype=np.float32)
    padded[:len(melody)] = melody
    starts = np.arange(n_chunks) * hop
    inputs = np.stack([padded[s:s + chunk] for s in starts]) / config.input_scale
    outputs = network(torch.from_numpy(inputs.astype(np.float32))).numpy() * config.output_scale
    window = np.hanning(chunk + 2)[1:-1].astype(np.float32) if overlap > 0 else np.ones(chunk, dtype=np.float32)
    result, weight = np.zeros_like(padded), np.zeros_like(padded)
    for start, output in zip(starts, outputs):
        result[start:start + chunk] += output * window
        weight[start:start + chunk] += window
    return (result / np.maximum(weight, 1e-6))[:len(melody)]


# --- Evaluation ------------------------------------------------------------------------------------

#: Systems of :func:`evaluate_baseline`, in table order.
BASELINE_SYSTEMS = ("silence", "scaled melody", "raw-amplitude")


def trivial_predictions(melody: np.ndarray, accompaniment: np.ndarray) -> dict[str, np.ndarray]:
    """The two trivial predictors: silence, and the melody times its least-squares gain on this song."""
    energy = float(np.dot(melody, melody))
    gain = float(np.dot(melody, accompaniment)) / energy if energy > 0 else 0.0
    return {"silence": np.zeros_like(accompaniment), "scaled melody": gain * melody}


@dataclass
class BaselineScorer:
    """The raw-amplitude route as an evaluator runs it: a trained network scoring one song at a time.

    Called with a song's melody and accompaniment waveforms (mono, at :attr:`sr`), it gives
    :func:`~wav2accomp.evaluation.metrics.waveform_scores` of every system of :data:`BASELINE_SYSTEMS`.
    """

    network: nn.Module
    config: BaselineConfig
    overlap: float = 0.5
    systems: tuple = BASELINE_SYSTEMS

    @property
    def sr(self) -> int:
        """The rate the network was trained at, Hz."""
        return self.config.sr

    def __call__(self, melody: np.ndarray, accompaniment: np.ndarray) -> dict[str, dict[str, float]]:
        predictions = trivial_predictions(melody, accompaniment)
        predictions["raw-amplitude"] = generate_accompaniment(self.network, self.config, melody, overlap=self.overlap)
        return {system: waveform_scores(predictions[system], accompaniment) for system in self.systems}

    def section(self, items: list[dict]) -> Section:
        """The table of the route: systems x MSE / SNR / log-spectral distance, means over `items`."""
        return Section("Raw-amplitude route (waveform of the accompaniment)", list(self.systems),
                       list(WAVEFORM_METRICS), means_over(items, self.systems, WAVEFORM_METRICS), items,
                       labels=WAVEFORM_LABELS, formats=WAVEFORM_FORMATS)


def evaluate_baseline(model_dir: str | os.PathLike, stems_dir: str | os.PathLike, *, split: str = "auto",
                      overlap: float = 0.5, limit: int | None = None, max_seconds: float | None = None,
                      melody_keywords=None, progress: bool = True) -> Report:
    """MSE, SNR and log-spectral distance of the network and the trivial predictors on held-out songs.

    Returns
    -------
    Report
        ``baseline``: one section, ``raw_amplitude`` (systems x metrics, items per song); ``metadata``:
        split, songs, the model's provenance.
    """
    scorer = BaselineScorer(*load_baseline(model_dir), overlap=overlap)
    pairs = load_split(stems_dir, split, sr=scorer.sr, limit=limit, max_seconds=max_seconds,
                       melody_keywords=melody_keywords)
    if not pairs.names:
        raise Wav2AccompError(f"no {'' if split in ('auto', 'all') else split + ' '}songs to evaluate in {stems_dir}"
                              + (f" ({len(pairs.skipped)} skipped: {pairs.skipped[0]['reason']}, ...)"
                                 if pairs.skipped else ""))
    items = [{"id": name, **scorer(melody, accompaniment)}
             for name, melody, accompaniment in tqdm(list(zip(pairs.names, pairs.melody, pairs.accompaniment)),
                                                     desc="evaluate baseline", unit="song", disable=not progress)]
    return Report("baseline", f"Raw-amplitude baseline, {pairs.split} split, {len(items)} songs (means per song)",
                  {"split": pairs.split, "songs": len(items), "skipped": pairs.skipped, "model": scorer.config.provenance},
                  {"raw_amplitude": scorer.section(items)})
