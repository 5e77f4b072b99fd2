"""Learning the harmoniser (:mod:`wav2accomp.models.harmoniser`) from songs with chord annotations.

The songs of a prepared cache that carry chord annotations (POP909's) give,
per beat, the melody's context (:func:`~wav2accomp.models.harmoniser.beat_context`)
and the annotated chord reduced to the 24 major/minor triads or "no chord"
(beats whose chord is neither are left out); with ``recognised_weight`` above 0
the songs without annotations teach too, with the chords recognised in their
harmony parts, each beat weighing that much in the loss. The network of the harmoniser
is trained on them with cross-entropy (Adam, dropout) of each beat's chord
(:func:`chord_nll`; with ``loss="half-bar"``, of the chord as it is decoded: under the
softmax of its half bar's summed log-probabilities, a batch then holding every beat of its half
bars); the train split learns and the valid split is measured after every epoch
(that loss, and the per-beat accuracy of the half-bar decoding as played); the weights of
the best valid epoch are kept.
With ``average_with`` the model written averages its chord scores with those of other harmonisers
(:func:`~wav2accomp.models.harmoniser.averaged_harmonisers`; a partner that is itself an average weighs as many
runs as it holds, so that every run counts alike), and its valid accuracy is the ensemble's.
The run folder holds ``checkpoint.pt`` (atomic, every epoch and every
``checkpoint_seconds``; ``--resume`` continues it), ``log.json``, ``loss.png``
and the model ``harmoniser-chords.npz/.json``.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict
from functools import lru_cache

import numpy as np
import torch
from tqdm import tqdm

from ..constants import (BAR_POSITIONS, BASS, GUITARLIKE, HARMONISER_MODEL, MELODY, ONSET, STEPS_PER_BEAT,
                         STRINGSLIKE, SUSTAIN)
from ..data.corpus import load_index, load_song
from ..errors import Wav2AccompError
from ..options import HarmoniserOptions
from ..symbolic.harmony import NO_CHORD, beat_spans, chord_indices, fold_to_pitch_classes, label_index, labels_at
from .dataset import harmony_without_bass
from .checkpoints import RunFolder, RunState, restore, stop_after_step
from .harmoniser import (BLOCKS, N_EXTRA, ROTATIONS, HarmonyModel, averaged_harmonisers, averaged_runs,
                         beat_context, chord_log_probabilities, half_bar_groups, load_harmoniser, melody_beats,
                         played_scores, save_harmoniser)

#: Dropout on the context blocks and on the hidden layer while training.
INPUT_DROPOUT, HIDDEN_DROPOUT = 0.2, 0.3
#: The learning rate drops to this share of the first for the last third of the epochs.
LATE_LEARNING_RATE = 1 / 6


@lru_cache(maxsize=None)
def _chord_index(label: str) -> int:
    return label_index(label)


def recognised_beat_chords(arrays: dict[str, np.ndarray], spans: np.ndarray) -> np.ndarray:
    """``(B,)`` the chord each beat's harmony parts sound (guitarlike without the bass, and stringslike), by
    template matching (:func:`~wav2accomp.symbolic.harmony.chord_indices`; no chord where they are silent)."""
    harmony = harmony_without_bass({BASS: np.zeros_like(arrays[MELODY]), **arrays})
    cumulative = np.concatenate([np.zeros((1, 12)), np.cumsum(fold_to_pitch_classes(harmony > 0), axis=0)])
    return chord_indices(cumulative[spans[:, 1]] - cumulative[spans[:, 0]])


def _step_labels(arrays: dict[str, np.ndarray], annotated: bool) -> np.ndarray:
    """``(T,)`` the chord of every step: the annotation (-1 outside the major/minor vocabulary) or, without one,
    the chord the harmony parts sound in the step's beat (:func:`recognised_beat_chords`)."""
    n_steps = len(arrays[MELODY])
    if annotated:
        labels = labels_at(np.arange(n_steps), arrays["chord_start"], arrays["chord_end"], arrays["chord_label"])
        names, inverse = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
        return np.array([_chord_index(str(name)) for name in names], dtype=np.int64)[inverse.reshape(-1)]
    spans = beat_spans(melody_beats(n_steps, arrays["downbeats"]), n_steps)
    per_step = np.full(n_steps, NO_CHORD, dtype=np.int64)
    for chord, (start, end) in zip(recognised_beat_chords(arrays, spans), spans):
        per_step[start:end] = chord
    return per_step


def _stretched(roll: np.ndarray, factor: int) -> np.ndarray:
    """An encoded roll played `factor` times slower (every step held `factor` steps, onsets kept on the first)."""
    slow = np.repeat(roll, factor, axis=0)
    slow[np.arange(len(slow)) % factor != 0] = np.minimum(slow[np.arange(len(slow)) % factor != 0], SUSTAIN)
    return slow


def _halved(roll: np.ndarray) -> np.ndarray:
    """An encoded roll played twice as fast (two steps become one, an onset in either kept)."""
    pairs = roll[:len(roll) // 2 * 2].reshape(-1, 2, roll.shape[1])
    return np.where((pairs == ONSET).any(axis=1), ONSET, pairs.max(axis=1)).astype(roll.dtype)


def misheard(melody: np.ndarray, chords: np.ndarray, downbeats: np.ndarray, rng: np.random.Generator):
    """The song as a transcription may hear it: (melody, chord per step, downbeats), with one of the front end's
    grid mistakes drawn — the bar lines a beat, two or three off; double time (the tempo found twice the
    song's); half time."""
    kind = int(rng.integers(3))
    downbeats = np.asarray(downbeats, dtype=int)
    if kind == 0 or not len(downbeats):
        shift = STEPS_PER_BEAT * int(rng.integers(1, 4))
        return melody, chords, downbeats[downbeats + shift < len(melody)] + shift
    if kind == 1:
        slow = _stretched(melody, 2)
        return slow, np.repeat(chords, 2), np.arange(2 * downbeats[0] % BAR_POSITIONS, len(slow), BAR_POSITIONS)
    fast = _halved(melody)
    return fast, chords[:2 * len(fast):2], np.arange(downbeats[0] // 2 % BAR_POSITIONS, len(fast), BAR_POSITIONS)


class AnnotatedBeats:
    """The beats of a split's songs with chords: context blocks, extra inputs, chord labels, half-bar groups (and
    ``group_songs``, the song, or misheard copy of one, that each half bar belongs to).

    Songs with chord annotations always; with `recognised`, also the songs without any whose harmony parts
    sound chords (:func:`recognised_beat_chords`), their beats weighing `recognised` each (``weights``). With
    `misheard_weight`, every song is also read once more as a transcription may hear it (:func:`misheard`,
    drawn from `seed`), those beats weighing `misheard_weight` times the song's own.
    """

    def __init__(self, cache, split: str, limit: int | None = None, progress: bool = False, recognised: float = 0.0,
                 misheard_weight: float = 0.0, seed: int = 0):
        entries = [e for e in load_index(cache)["songs"] if e["split"] == split and (
            e.get("chords") or (recognised > 0 and {GUITARLIKE, STRINGSLIKE} & set(e["classes"])))]
        entries = entries[:limit] if limit else entries
        blocks, extra, labels, weights, groups, group_songs, self.songs = [], [], [], [], [], [], []
        offset = 0
        rng = np.random.default_rng(seed)
        for entry in tqdm(entries, desc=f"load {split}", unit="song", disable=not progress):
            arrays = load_song(cache, entry["id"])
            melody, downbeats = arrays[MELODY], arrays["downbeats"]
            chords = _step_labels(arrays, bool(entry.get("chords")))
            weight = 1.0 if entry.get("chords") else recognised
            views = [(melody, chords, downbeats, weight)]
            if misheard_weight > 0:
                views.append((*misheard(melody, chords, downbeats, rng), weight * misheard_weight))
            for view_melody, view_chords, view_downbeats, view_weight in views:
                view_blocks, view_extra, spans = beat_context(view_melody, view_downbeats)
                blocks.append(view_blocks)
                extra.append(view_extra)
                labels.append(view_chords[spans[:, 0]] if len(spans) else np.zeros(0, dtype=np.int64))
                weights.append(np.full(len(spans), view_weight, dtype=np.float32))
                view_groups = half_bar_groups(spans, view_downbeats, len(view_melody))
                groups.append(view_groups + offset)
                group_songs.append(np.full(int(view_groups.max()) + 1 if len(view_groups) else 0, len(group_songs)))
                offset += int(view_groups.max()) + 1 if len(view_groups) else 0
            self.songs.append(entry["id"])
        if not self.songs:
            raise Wav2AccompError(f"{cache} has no {split} songs with chord annotations to learn the harmoniser from")
        self.blocks = torch.from_numpy(np.concatenate(blocks))
        self.extra = torch.from_numpy(np.concatenate(extra))
        self.labels = torch.from_numpy(np.concatenate(labels))
        self.weights = torch.from_numpy(np.concatenate(weights))
        self.groups = np.concatenate(groups)
        self.group_songs = np.concatenate(group_songs)
        self.counted = torch.nonzero(self.labels >= 0)[:, 0]


class HarmonyNetwork(torch.nn.Module):
    """The torch twin of :func:`~wav2accomp.models.harmoniser.chord_log_probabilities` (plus dropout)."""

    def __init__(self, hidden: int):
        super().__init__()
        self.register_buffer("rotations", torch.from_numpy(ROTATIONS))
        self.hidden = torch.nn.Linear(len(BLOCKS) * 12, hidden)
        self.extra_hidden = torch.nn.Linear(N_EXTRA, hidden, bias=False)
        self.triads = torch.nn.Linear(hidden, 2)
        self.none = torch.nn.Linear(N_EXTRA, 1, bias=False)
        self.input_dropout, self.hidden_dropout = torch.nn.Dropout(INPUT_DROPOUT), torch.nn.Dropout(HIDDEN_DROPOUT)

    def forward(self, blocks: torch.Tensor, extra: torch.Tensor) -> torch.Tensor:
        relative = blocks[:, :, self.rotations].permute(0, 2, 1, 3).reshape(len(blocks), 12, -1)
        hidden = self.hidden(self.input_dropout(relative)) + self.extra_hidden(extra)[:, None, :]
        hidden = self.hidden_dropout(torch.relu(hidden))
        triads = self.triads(hidden)
        return torch.cat([triads[:, :, 0], triads[:, :, 1], self.none(extra)], dim=1)

    def to_model(self, info: dict) -> HarmonyModel:
        weights = {name: tensor.detach().numpy().astype(np.float32) for name, tensor in self.state_dict().items()}
        return HarmonyModel(weights["hidden.weight"].T.copy(), weights["hidden.bias"],
                            weights["extra_hidden.weight"].T.copy(), weights["triads.weight"].T.copy(),
                            weights["triads.bias"], weights["none.weight"][0], info)


def chord_nll(log_probabilities: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor,
                 groups: torch.Tensor, loss: str = "beat") -> torch.Tensor:
    """Mean negative log-likelihood (nats per counted beat, weighted) of the beats' chords `labels` ``(B,)``
    (-1: not counted) under ``(B, 25)`` chord log-probabilities: each beat's own, or with ``loss="half-bar"``
    read as the harmoniser decodes it, the softmax of the summed log-probabilities of the beat's half bar
    (`groups`: ``(B,)`` half bar of each beat, 0 to G-1), so that a half bar learns to choose the chords of its
    beats together."""
    if loss == "half-bar":
        summed = torch.zeros(int(groups.max()) + 1, log_probabilities.shape[1], dtype=log_probabilities.dtype)
        log_probabilities = torch.log_softmax(summed.index_add_(0, groups, log_probabilities), dim=1)[groups]
    counted = (labels >= 0).to(weights.dtype) * weights
    nll = -log_probabilities.gather(1, labels.clamp(min=0)[:, None])[:, 0]
    return (nll * counted).sum() / counted.sum()


def half_bar_batch(starts: torch.Tensor, half_bars: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(beat rows, their half bar numbered 0 to len(half_bars) - 1) of every beat of `half_bars`, whose beats are
    the rows ``starts[h]`` to ``starts[h + 1]``."""
    lengths = starts[half_bars + 1] - starts[half_bars]
    local = torch.repeat_interleave(torch.arange(len(half_bars)), lengths)
    first = torch.repeat_interleave(starts[half_bars] - torch.cumsum(lengths, 0) + lengths, lengths)
    return first + torch.arange(int(lengths.sum())), local


def decoded_accuracy(log_probabilities: np.ndarray, beats: AnnotatedBeats) -> float:
    """Per-beat accuracy of the half-bar decoding, as the harmoniser plays it, of ``(B, 25)`` chord
    log-probabilities of `beats`."""
    scores, _ = played_scores(log_probabilities, beats.blocks.numpy(), beats.groups, beats.group_songs)
    chosen = np.argmax(scores, axis=1)[beats.groups]
    labels = beats.labels.numpy()
    return float(np.mean(chosen[labels >= 0] == labels[labels >= 0]))


def half_bar_accuracy(network: HarmonyNetwork, beats: AnnotatedBeats, loss: str = "beat") -> tuple[float, float]:
    """(valid loss per counted beat, :func:`chord_nll` unweighted; :func:`decoded_accuracy`)."""
    network.eval()
    with torch.no_grad():
        log_probabilities = torch.log_softmax(network(beats.blocks, beats.extra), dim=1)
    network.train()
    nll = chord_nll(log_probabilities, beats.labels, torch.ones(len(beats.labels)),
                       torch.from_numpy(beats.groups), loss)
    return float(nll), decoded_accuracy(log_probabilities.numpy(), beats)


def train_harmoniser(options: HarmoniserOptions) -> dict:
    """Train (or resume) the harmoniser; writes the run folder of the module docstring, returns its log."""
    run = RunFolder(options.out, options)
    partners = [load_harmoniser(stem) for stem in options.average_with]   # a bad one fails before the work
    torch.manual_seed(options.seed)
    train = AnnotatedBeats(options.data, "train", options.limit_songs, options.progress, options.recognised_weight,
                           options.misheard_weight, options.seed)
    valid = AnnotatedBeats(options.data, "valid", options.limit_songs, options.progress)
    network = HarmonyNetwork(options.hidden)
    optimizer = torch.optim.Adam(network.parameters(), lr=options.learning_rate, weight_decay=1e-5)
    state, best = RunState(), {k: v.clone() for k, v in network.state_dict().items()}
    if options.resume:
        state, best = restore(run.load_for_resume(), network, optimizer, RunState)
    if options.loss == "half-bar":   # a batch draws whole half bars, about batch_size beats
        groups = torch.from_numpy(train.groups)   # ascending: the beats of a half bar are neighbouring rows
        starts = torch.searchsorted(groups, torch.arange(int(groups.max()) + 2))
        drawn, per_batch = len(starts) - 1, max(1, round(options.batch_size * (len(starts) - 1) / len(groups)))
    else:                            # a batch draws batch_size counted beats
        drawn, per_batch = len(train.counted), options.batch_size
    n_batches = math.ceil(drawn / per_batch)
    began, last_checkpoint = time.perf_counter() - state.elapsed, time.perf_counter()

    def log() -> dict:
        result = {"options": asdict(options), "history": state.history, "best_epoch": state.best_epoch,
                  "best_loss": state.best_loss, "elapsed": state.elapsed, "train_songs": len(train.songs),
                  "valid_songs": len(valid.songs)}
        run.write_log(result)
        run.plot_losses(state.history, title="harmoniser", ylabel="cross-entropy per beat")
        return result

    with stop_after_step(enabled=True) as stop:
        while state.epoch < options.epochs and not (options.max_minutes is not None
                                                    and state.elapsed > 60 * options.max_minutes):
            late = state.epoch >= options.epochs * 2 // 3
            for group in optimizer.param_groups:
                group["lr"] = options.learning_rate * (LATE_LEARNING_RATE if late else 1.0)
            order = torch.randperm(drawn, generator=torch.Generator().manual_seed(options.seed + state.epoch))
            bar = tqdm(total=n_batches, initial=state.batch, desc=f"epoch {state.epoch + 1}/{options.epochs}",
                       unit="batch", disable=not options.progress, leave=False)
            while state.batch < n_batches:
                chosen = order[state.batch * per_batch:(state.batch + 1) * per_batch]
                rows, local = (half_bar_batch(starts, chosen) if options.loss == "half-bar"
                               else (train.counted[chosen], torch.arange(len(chosen))))
                log_probabilities = torch.log_softmax(network(train.blocks[rows], train.extra[rows]), dim=1)
                loss = chord_nll(log_probabilities, train.labels[rows], train.weights[rows], local, options.loss)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                state.loss_sum += float(loss.detach())
                state.batch += 1
                bar.update()
                if stop.requested or time.perf_counter() - last_checkpoint >= options.checkpoint_seconds:
                    state.elapsed = time.perf_counter() - began
                    run.save_checkpoint(network, optimizer, state, best)
                    last_checkpoint = time.perf_counter()
                if stop.requested:
                    bar.close()
                    raise run.interrupted(state)
            bar.close()
            valid_loss, accuracy = half_bar_accuracy(network, valid, options.loss)
            state.elapsed = time.perf_counter() - began
            state.history.append({"epoch": state.epoch + 1, "train_loss": round(state.loss_sum / n_batches, 5),
                                  "valid_loss": round(valid_loss, 5), "valid_accuracy": round(accuracy, 4),
                                  "seconds": round(state.elapsed, 1)})
            if valid_loss < state.best_loss:
                state.best_loss, state.best_epoch = valid_loss, state.epoch + 1
                best = {k: v.clone() for k, v in network.state_dict().items()}
            if options.progress:
                tqdm.write(f"epoch {state.epoch + 1}: train {state.loss_sum / n_batches:.4f}  valid {valid_loss:.4f}"
                           f"  accuracy {accuracy:.3f}{'  (best)' if state.best_epoch == state.epoch + 1 else ''}"
                           f"  {state.elapsed:.0f} s", file=sys.stderr)
            state.epoch, state.batch, state.loss_sum = state.epoch + 1, 0, 0.0
            run.save_checkpoint(network, optimizer, state, best)
            last_checkpoint = time.perf_counter()
            log()
    network.load_state_dict(best)
    _, accuracy = half_bar_accuracy(network, valid, options.loss)
    info = {"data": str(options.data), "split": "train (valid for the best epoch)", "command": options.command,
            "seed": options.seed, "hidden": options.hidden, "recognised_weight": options.recognised_weight,
            "misheard_weight": options.misheard_weight, "loss": options.loss,
            "train_songs": len(train.songs),
            "valid_songs": len(valid.songs), "train_beats": int(len(train.counted)), "epochs": state.epoch,
            "best_epoch": state.best_epoch, "valid_accuracy": round(accuracy, 4), "seconds": round(state.elapsed, 1)}
    model = network.to_model(info)
    if partners:   # every run weighs alike, those a partner already averages included
        runs = [averaged_runs(stem, partner) for stem, partner in zip(options.average_with, partners)]
        model = averaged_harmonisers([model, *partners], info, weights=[1, *map(len, runs)])
        info.update({"valid_accuracy_alone": info["valid_accuracy"],
                     "averaged_with": [run for partner_runs in runs for run in partner_runs]})
        accuracy = decoded_accuracy(chord_log_probabilities(model, valid.blocks.numpy(), valid.extra.numpy()), valid)
        info["valid_accuracy"] = round(accuracy, 4)
    save_harmoniser(model, run.path / HARMONISER_MODEL)
    return {**log(), "valid_accuracy": accuracy, "model": str(run.path / HARMONISER_MODEL)}
