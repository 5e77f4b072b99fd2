"""Jobs of the local web server: an upload, checked by decoding it, then arrangements of it, one at a time.

Pure Python over the library's API (no web framework here): :class:`JobStore` keeps each job in a temporary
folder of its own, runs arrangements on a bounded pool of worker threads with a bounded queue, and removes
jobs a while after their last use. The web layer (:mod:`wav2accomp.web.app`) only translates HTTP to these
calls and :class:`~wav2accomp.errors.Wav2AccompError` to 4xx answers.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from ..constants import (BAND_PARTS, MAX_TEMPERATURE, SERVE_JOB_SECONDS, SERVE_MAX_BYTES, SERVE_MAX_SECONDS,
                         SERVE_MAX_JOBS, SERVE_QUEUE, SERVE_RENDER_PROCESSES, SERVE_SAMPLE_RATE, SERVE_WORKERS,
                         STEPS_PER_BEAT)
from ..errors import Wav2AccompError
from ..fileio import STALE_SECONDS, atomic_write, host_name, process_running
from ..options import check_bpm
from ..symbolic.chords import parse_chord_text
from ..symbolic.harmony import parse_key
from ..synth.render import choose_engine

#: Files a job serves, by name: what a client may ask for (never a path it gives).
SERVED_FILES = {"song.mid": "audio/midi", "song.wav": "audio/wav", "band.wav": "audio/wav", "song.png": "image/png",
                "song.musicxml": "application/vnd.recordare.musicxml+xml", "stems.zip": "application/zip"}
#: Longest a request for a part's stem waits for the parts to be written, seconds.
PARTS_WAIT_SECONDS = 60.0
#: How much the rendering processes yield to the rest of the machine (``nice``): the server's own threads and the
#: page that decodes the band while the parts render.
RENDER_NICENESS = 10
#: The first bytes of a Standard MIDI File.
MIDI_MAGIC = b"MThd"


class ServerBusy(Wav2AccompError):
    """Every worker is busy and the queue is full: try again in a moment."""


class UnknownJob(Wav2AccompError):
    """No such job (never made, or removed after its time)."""


@dataclass
class Job:
    """One upload and its latest arrangement.

    Attributes
    ----------
    id : str
        Random hex name, also the name of its folder.
    folder : Path
    source : Path
        The upload, named by what decoding found (``input.mid``, ``input.wav``, ...).
    kind : str
        ``"audio"`` or ``"midi"``.
    seconds : float
        Length of the upload (audio), seconds; 0 for MIDI.
    status : str
        ``"ready"`` (uploaded), ``"queued"``, ``"running"``, ``"done"`` or ``"error"``.
    error : str
        The one-line message of a failed arrangement.
    result : dict
        What the page shows of the latest arrangement (:func:`describe`).
    version : int
        Arrangements asked for so far; the result says which one it is.
    arrangement : Arrangement or None
        The latest finished arrangement (drawn on demand for ``song.png``).
    touched : float
        ``time.monotonic()`` of its last use.
    lock : threading.Lock
        Held while a file of it is made on demand.
    parts_written : threading.Event
        Set when the latest arrangement's part stems are on disk (or failed): ``done`` comes as soon as the
        melody and the band (``band.wav``, every part in one track) can play, the parts a moment later.
    """

    id: str
    folder: Path
    source: Path
    kind: str
    seconds: float
    status: str = "ready"
    error: str = ""
    result: dict = field(default_factory=dict)
    version: int = 0
    arrangement: object = None
    touched: float = field(default_factory=time.monotonic)
    parts_written: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self) -> dict:
        """The job as the API answers it."""
        return {"id": self.id, "kind": self.kind, "seconds": round(self.seconds, 3), "status": self.status,
                "error": self.error, "version": self.version, "result": self.result}


def sniff_upload(data: bytes, *, max_seconds: float = SERVE_MAX_SECONDS) -> tuple[str, str, float]:
    """What an upload is, by decoding it (never by a name): ``(kind, suffix, seconds)``.

    Raises
    ------
    Wav2AccompError
        Empty, not MIDI and not audio that libsndfile decodes, or longer than `max_seconds`.
    """
    from ..symbolic.midi_io import read_midi_bytes

    if not data:
        raise Wav2AccompError("the upload is empty")
    if data[:4] == MIDI_MAGIC:
        song = read_midi_bytes(data, source="the uploaded MIDI file")
        seconds = song.end
        if seconds > max_seconds:
            raise Wav2AccompError(f"the uploaded MIDI file is too long: {seconds:.0f} s (at most {max_seconds:g} s)")
        return "midi", ".mid", float(seconds)
    try:
        info = soundfile.info(io.BytesIO(data))
    except (RuntimeError, soundfile.LibsndfileError, TypeError, ValueError) as exc:
        reason = str(exc).split(":")[-1].strip() or "unknown format"
        raise Wav2AccompError(f"cannot read the upload as audio or MIDI: {reason}") from None
    seconds = info.frames / max(info.samplerate, 1)
    if seconds > max_seconds:
        raise Wav2AccompError(f"the uploaded recording is too long: {seconds:.0f} s (at most {max_seconds:g} s)")
    return "audio", "." + str(info.format).lower(), float(seconds)


def read_settings(settings: dict) -> dict:
    """The arrangement settings a client sent, checked: keyword arguments of :func:`~wav2accomp.accompany`.

    Keys: ``parts`` (list of names), ``bpm``, ``key``, ``chords`` (text), ``temperature``, ``seed``; others are
    refused, as are values of the wrong type, unknown or no parts, keys and chords that do not read, and tempos
    outside :data:`~wav2accomp.constants.USER_BPM_RANGE` (:func:`~wav2accomp.options.check_bpm`, as on the command
    line): one-line
    :class:`Wav2AccompError`, before anything is queued.
    """
    known = {"parts", "bpm", "key", "chords", "temperature", "seed"}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise Wav2AccompError(f"unknown setting {unknown[0]!r}: use {', '.join(sorted(known))}")
    chosen = {"parts": list(BAND_PARTS), "bpm": None, "key": None, "chords": None, "temperature": 0.0, "seed": 0}
    for name, value in settings.items():
        if value is None or value == "":
            continue
        if name == "parts":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Wav2AccompError("parts must be a list of part names")
            from ..arrangement import resolve_parts

            chosen[name] = list(resolve_parts(value))   # an unknown name, or none at all, is refused now
        elif name == "key":
            try:
                parse_key(str(value))
            except ValueError as exc:
                raise Wav2AccompError(str(exc)) from None
            chosen[name] = str(value)
        elif name == "chords":
            parse_chord_text(str(value))
            chosen[name] = str(value)
        elif name == "seed":
            chosen[name] = _number(name, value, int, 0, 2 ** 31 - 1)
        elif name == "bpm":
            chosen[name] = check_bpm(_number(name, value, float))   # the command line's range and words
        else:
            chosen[name] = _number(name, value, float, 0.0, MAX_TEMPERATURE)
    return chosen


def _number(name: str, value, kind, low: float | None = None, high: float | None = None):
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise Wav2AccompError(f"{name} must be a number, got {value!r}") from None
    if low is not None and not (low <= number <= high):
        raise Wav2AccompError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return number


def describe(arrangement, version: int) -> dict:
    """What the page draws and plays of an arrangement: notes of every part (seconds), bar lines, the chords
    the band plays (seconds, symbol, where they change), tempo, key."""
    from ..symbolic.harmony import key_name

    song = arrangement.to_song()
    tempo_map = arrangement.melody.tempo_map
    downbeats = tempo_map.beats_to_seconds(arrangement.melody.downbeat_steps() / STEPS_PER_BEAT)
    tracks = [{"name": part.name, "drums": part.is_drum,
               "notes": [[n.pitch, round(n.start, 4), round(n.end, 4)] for n in part.notes]} for part in song.parts]
    chords = [[round(float(tempo_map.beats_to_seconds(step / STEPS_PER_BEAT)), 4), symbol]
              for step, symbol in arrangement.chord_symbols()]
    return {"version": version, "bpm": round(arrangement.bpm, 2), "key": key_name(*arrangement.key),
            "key_given": arrangement.key_given, "seed": arrangement.seed, "temperature": arrangement.temperature,
            "duration": round(arrangement.duration, 3), "downbeats": [round(float(s), 4) for s in downbeats],
            "tracks": tracks, "chords": chords, "chords_given": arrangement.chords_given,
            "timings": {k: round(v, 4) for k, v in arrangement.timings.items()},
            "melody_notes": len(arrangement.melody.notes), "stems": [t["name"] for t in tracks],
            "files": sorted(SERVED_FILES)}


class JobStore:
    """Jobs in a temporary folder, arranged by a bounded pool of worker threads.

    Parameters
    ----------
    root : path-like, optional
        Where job folders go (default: a new temporary folder, removed by :meth:`close`).
    workers : int
        Arrangements running at once.
    queue : int
        Arrangements waiting beyond those; one more is refused with :class:`ServerBusy`.
    job_seconds : float
        A job is removed this long after its last use, seconds.
    max_bytes, max_seconds : int, float
        Largest upload, bytes, and longest recording or MIDI melody, seconds.
    engine : str
        Synthesiser of the audio: ``"auto"`` (default: the sampled instruments), ``"sampled"``,
        ``"fluidsynth"`` or ``"builtin"`` (the quickest).
    """

    def __init__(self, root=None, *, workers: int = SERVE_WORKERS, queue: int = SERVE_QUEUE,
                 job_seconds: float = SERVE_JOB_SECONDS, max_bytes: int = SERVE_MAX_BYTES,
                 max_seconds: float = SERVE_MAX_SECONDS, engine: str = "auto"):
        self._own_root = root is None
        if root is None:
            remove_dead_servers_folders(Path(tempfile.gettempdir()))
        self.root = Path(tempfile.mkdtemp(prefix=f"{SERVER_FOLDER_PREFIX}{host_name()}-{os.getpid()}-")
                         if root is None else root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes, self.max_seconds, self.job_seconds, self.engine = max_bytes, max_seconds, job_seconds, engine
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wav2accomp-job")
        self._renderers = _render_processes() if choose_engine(engine) == "sampled" else None

    # --- jobs ---------------------------------------------------------------------------------------------

    def create(self, data: bytes) -> Job:
        """A job for an upload, kept in a folder of its own once decoding it found a recording (as the
        transcriber reads it) or a MIDI file with a melody; else nothing is kept and the one-line reason raised."""
        from ..arrangement import melody_from_midi
        from ..audio.recording import read_recording

        if len(data) > self.max_bytes:
            raise Wav2AccompError(f"the upload is too large: {len(data) / 1e6:.1f} MB (at most "
                                  f"{self.max_bytes / 1e6:g} MB)")
        kind, suffix, seconds = sniff_upload(data, max_seconds=self.max_seconds)
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        folder.mkdir()
        source = folder / f"input{suffix}"
        try:
            source.write_bytes(data)
            if kind == "midi":
                melody_from_midi(source, max_seconds=self.max_seconds)
            else:
                read_recording(source, max_seconds=self.max_seconds)
        except Wav2AccompError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise Wav2AccompError(str(exc).replace(str(source), f"the uploaded {kind} file")) from None
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = Job(job_id, folder, source, kind, seconds)
        with self._lock:
            self._jobs[job_id] = job
            evicted = self._make_room()
        for old in evicted:
            shutil.rmtree(old.folder, ignore_errors=True)
        return job

    def get(self, job_id: str) -> Job:
        """The job, its last use now; :class:`UnknownJob` when there is none."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise UnknownJob(f"no job {job_id!r} (it may have expired)")
        job.touched = time.monotonic()
        return job

    def arrange(self, job_id: str, settings: dict) -> Job:
        """Queue an arrangement of the job's upload with `settings` (:func:`read_settings`).

        Raises
        ------
        ServerBusy
            Every worker busy and the queue full.
        Wav2AccompError
            Bad settings, unknown job.
        """
        job = self.get(job_id)
        chosen = read_settings(settings)
        if not self._slots.acquire(blocking=False):
            raise ServerBusy("the server is busy: every worker is arranging and the queue is full; try again "
                             "in a few seconds")
        with self._lock:
            job.version += 1
            job.status, job.error = "queued", ""
            version = job.version
        try:
            self._pool.submit(self._run, job, version, chosen)
        except RuntimeError:   # the pool is shut down
            self._slots.release()
            raise ServerBusy("the server is shutting down") from None
        return job

    def _run(self, job: Job, version: int, settings: dict) -> None:
        from ..arrangement import accompany

        try:
            with self._lock:
                if version != job.version:
                    return   # a newer arrangement was asked for meanwhile
                job.status = "running"
            began = time.perf_counter()
            arrangement = accompany(job.source, parts=settings["parts"], bpm=settings["bpm"], key=settings["key"],
                                    chords=settings["chords"], temperature=settings["temperature"],
                                    seed=settings["seed"], max_seconds=self.max_seconds)
            steps = arrangement.stems_in_steps(engine=self.engine, sr=SERVE_SAMPLE_RATE, processes=self._renderers)
            with contextlib.closing(steps):
                self._write(job, version, arrangement, steps, began)
        except Wav2AccompError as exc:
            with self._lock:
                if version == job.version:
                    job.status, job.error = "error", str(exc).replace(str(job.source), f"the uploaded {job.kind}")
        except Exception as exc:   # a bug must not take the server down; the page shows it
            with self._lock:
                if version == job.version:
                    job.status, job.error = "error", f"internal error: {type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                forgotten = self._jobs.get(job.id) is not job
            if forgotten:   # deleted (or swept) while it played: what it wrote since goes too
                shutil.rmtree(job.folder, ignore_errors=True)
            self._slots.release()

    def _write(self, job: Job, version: int, arrangement, steps, began: float) -> None:
        """Write an arrangement's MIDI file, melody and band, say it is done, then write its parts' stems."""
        first = next(steps)
        outputs = job.folder / f"v{version}"
        outputs.mkdir(exist_ok=True)
        arrangement.to_midi(outputs / "song.mid")
        write_wav(outputs / "stem-melody.wav", first["melody"])
        write_wav(outputs / "band.wav", first["band"])
        result = describe(arrangement, version)
        result["seconds"] = round(time.perf_counter() - began, 4)
        parts_written = threading.Event()
        with self._lock:
            if version != job.version:
                return   # a newer arrangement took over: its parts are not worth playing
            job.result, job.status = result, "done"
            job.arrangement, job.parts_written = arrangement, parts_written
        try:
            for name, audio in next(steps).items():
                if name != "melody":
                    write_wav(outputs / f"stem-{name}.wav", audio)
            timings = {**result["timings"], "render parts": round(arrangement.timings["render parts"], 4)}
            with self._lock:
                if job.result is result:
                    job.result = {**result, "timings": timings}
        finally:
            parts_written.set()

    def file(self, job_id: str, name: str) -> Path:
        """A file of the job's latest arrangement by its served name (``song.mid``, ``song.wav``,
        ``song.png``, ``song.musicxml``, ``stems.zip``, ``stem-<part>.wav``); the mix (through the master bus),
        the picture, the lead sheet and the zip of the stems are made on first use."""
        job = self.get(job_id)
        if job.status != "done":
            raise UnknownJob(f"job {job_id} has no finished arrangement yet")
        folder = job.folder / f"v{job.result['version']}"
        if name.startswith("stem-") and name.endswith(".wav") and name[5:-4] in job.result["stems"]:
            return self._part_file(job, folder / name)
        if name not in SERVED_FILES:
            raise UnknownJob(f"no file {name!r}: ask for one of {', '.join(sorted(SERVED_FILES))}")
        path = folder / name
        with job.lock:
            if name == "song.png" and not path.exists():
                job.arrangement.plot(path)
            elif name == "song.wav" and not path.exists():
                from ..synth.mix import master

                write_wav(path, master(sum(soundfile.read(folder / stem, dtype="float32")[0]
                                           for stem in ("stem-melody.wav", "band.wav")), SERVE_SAMPLE_RATE))
            elif name == "song.musicxml" and not path.exists():
                job.arrangement.lead_sheet(path)
            elif name == "stems.zip" and not path.exists():
                with atomic_write(path) as handle, zipfile.ZipFile(handle, "w") as archive:
                    for stem in job.result["stems"]:
                        archive.write(self._part_file(job, folder / f"stem-{stem}.wav"), f"{stem}.wav")
        return path

    @staticmethod
    def _part_file(job: Job, path: Path) -> Path:
        """`path`, a stem of the job's latest arrangement, once the parts are written (they follow the band by a
        moment)."""
        if not path.exists():
            job.parts_written.wait(PARTS_WAIT_SECONDS)
        if not path.exists():
            raise UnknownJob(f"the arrangement's {path.stem[5:]} could not be rendered")
        return path

    # --- housekeeping -------------------------------------------------------------------------------------

    def sweep(self, now: float | None = None) -> int:
        """Remove jobs unused for longer than ``job_seconds`` and not arranging; returns how many went."""
        now = time.monotonic() if now is None else now
        with self._lock:
            expired = [j for j in self._jobs.values()
                       if now - j.touched > self.job_seconds and j.status not in ("queued", "running")]
            for job in expired:
                del self._jobs[job.id]
        for job in expired:
            shutil.rmtree(job.folder, ignore_errors=True)
        return len(expired)

    def _make_room(self) -> list[Job]:
        """Under the lock: beyond :data:`~wav2accomp.constants.SERVE_MAX_JOBS` jobs, the least recently used idle
        ones are dropped (returned, for their folders to go); the disk a server holds stays bounded."""
        idle = sorted((j for j in self._jobs.values() if j.status not in ("queued", "running")),
                      key=lambda j: j.touched)
        evicted = idle[:max(len(self._jobs) - SERVE_MAX_JOBS, 0)]
        for job in evicted:
            del self._jobs[job.id]
        return evicted

    def forget(self, job_id: str) -> None:
        """Remove a job now (an arrangement still running finishes into nothing)."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is not None:
            shutil.rmtree(job.folder, ignore_errors=True)

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def close(self) -> None:
        """Stop the workers (waiting for running arrangements) and remove the jobs' folders."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._renderers is not None:
            self._renderers.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            shutil.rmtree(job.folder, ignore_errors=True)
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)


#: Start of the name of a server's own temporary folder (then its machine, its process id, a random part).
SERVER_FOLDER_PREFIX = "wav2accomp-serve-"


def remove_dead_servers_folders(temporary: Path) -> None:
    """Remove the job folders of servers of this machine that no longer run (killed, e.g. with SIGKILL) and were
    left a minute or more ago; another machine's and a running server's are left alone."""
    pattern = re.compile(rf"^{re.escape(SERVER_FOLDER_PREFIX)}{re.escape(host_name())}-(\d+)-")
    try:
        entries = list(os.scandir(temporary))
    except OSError:
        return
    for entry in entries:
        found = pattern.match(entry.name)
        if found and entry.is_dir(follow_symlinks=False) and not process_running(int(found.group(1))):
            try:
                if time.time() - entry.stat(follow_symlinks=False).st_mtime >= STALE_SECONDS:
                    shutil.rmtree(entry.path, ignore_errors=True)
            except OSError:
                continue


def _render_processes():
    """A warm pool of processes (one per core, at most :data:`~wav2accomp.constants.SERVE_RENDER_PROCESSES`) that
    synthesise a song's tracks side by side with the sampled instruments; each has played a note already, so
    the SoundFont and the renderer are loaded before the first take."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ..synth.render import synthesize_track
    from ..symbolic.midi_io import Note, Part, Song
    from ..symbolic.tempo_map import TempoMap

    count = max(1, min(os.cpu_count() or 1, SERVE_RENDER_PROCESSES))
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=os.nice, initargs=(RENDER_NICENESS,))
    note = Song([Part("warm", 0, 0, 1, [Note(60, 1, 0.0, 0.25, 0.0, 0.125)])], TempoMap.constant(120), [], 0.25)
    for _ in range(count):
        pool.submit(synthesize_track, (note, SERVE_SAMPLE_RATE, "sampled", None, 0.2))
    return pool


def write_wav(path: Path, audio: np.ndarray, sr: int = SERVE_SAMPLE_RATE) -> None:
    """16-bit WAV (clipped to full scale), written atomically."""
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(audio, -1.0, 1.0), sr, format="WAV", subtype="PCM_16")
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())
