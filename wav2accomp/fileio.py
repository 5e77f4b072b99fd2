"""File output that never leaves a half-written file, never overwrites an input, and commits several files together.

- :func:`atomic_write`: one file, written under a temporary name beside it and
  renamed into place; a reader never sees half a file.
- :class:`OutputSet`: the files one command writes. Checked before any work
  (an output that is an input, or two outputs that are one file, are refused;
  symbolic links and case-insensitive folders included), written under
  temporary names, then renamed into place together under a lock on their
  folders: a failure or a kill leaves all of them or none, and of two runs
  writing the same files the last complete set wins.
- Temporary files carry this tool's mark, the machine and the writing process's id
  (``.NAME.wav2accomp-HOST-PID.tmp``, ``.STEM.wav2accomp-HOST-PID.SUFFIX``; a name that would pass the file
  system's 255 bytes is shortened with a hash). The next write beside them removes those of a process of this
  machine that no longer runs (a killed run), once they are :data:`STALE_SECONDS` old; nothing else is
  touched, another machine's temporaries on a shared folder included.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import time
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import Wav2AccompError

#: A temporary file of this tool (group 1: the target's name or stem, 2: the machine, 3: the pid, 4: the suffix).
_TEMPORARY = re.compile(r"^\.(.+)\.wav2accomp-([A-Za-z0-9-]+)-(\d+)(\.[^.]*)?$")
#: A temporary file younger than this, seconds, is never removed (its writer may be starting on another process).
STALE_SECONDS = 60.0
#: Longest file name most file systems take, bytes.
MAX_NAME_BYTES = 255


def host_name() -> str:
    """This machine's name as a temporary file carries it (letters, digits and dashes, at most 32)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"


def temporary_name(path: Path, suffix: str) -> Path:
    """The hidden temporary file beside `path` that this process writes for it: ``.STEM.wav2accomp-HOST-PID``
    + `suffix`, the stem shortened with a hash where the name would be too long for the file system."""
    stem = path.name if suffix == ".tmp" else path.stem
    tail = f".wav2accomp-{host_name()}-{os.getpid()}{suffix}"
    if len(f".{stem}{tail}".encode()) > MAX_NAME_BYTES:
        stem = stem.encode()[:100].decode(errors="ignore") + "-" + hashlib.sha1(stem.encode()).hexdigest()[:12]
    return path.with_name(f".{stem}{tail}")


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside `path`; on success, move it into place.

    On any exception the temporary file is removed and `path` is untouched.
    An unwritable destination raises :class:`Wav2AccompError`.
    """
    path = Path(path)
    remove_stale_temporaries(path.parent if str(path.parent) else Path("."))
    tmp = temporary_name(path, ".tmp")
    try:
        handle = open(tmp, mode)
    except OSError as exc:
        raise Wav2AccompError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_CLEANED: set = set()


def remove_stale_temporaries(folder: Path) -> None:
    """Delete this tool's temporary files in `folder` left by processes of this machine that no longer run
    (killed mid-write) and at least :data:`STALE_SECONDS` old; once per folder and process."""
    key = os.path.abspath(folder)
    if key in _CLEANED:
        return
    _CLEANED.add(key)
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(".")]
    except OSError:
        return
    host, now = host_name(), time.time()
    for name in names:
        found = _TEMPORARY.match(name)
        if not found or found.group(2) != host or process_running(int(found.group(3))):
            continue
        try:
            if now - (folder / name).lstat().st_mtime >= STALE_SECONDS:
                (folder / name).unlink(missing_ok=True)
        except OSError:
            continue


def process_running(pid: int) -> bool:
    """Whether a process of this machine with that id runs (this one counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def check_writable(path: str | os.PathLike) -> None:
    """Raise :class:`Wav2AccompError` unless a file can be written at `path` (checked before long work)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise Wav2AccompError(f"cannot write {path}: it is a folder")
    if not parent.is_dir():
        raise Wav2AccompError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise Wav2AccompError(f"cannot write {path}: folder {parent} is not writable")


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when two paths name one file: the same after resolving links, the same existing file, or
    names differing only in case in a folder that ignores case."""
    a, b = Path(a).resolve(), Path(b).resolve()
    if a == b:
        return True
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return (str(a).casefold() == str(b).casefold() and a.parent.exists() and b.parent.exists()
            and os.path.samefile(a.parent, b.parent) and _ignores_case(a.parent))


def _ignores_case(folder: Path) -> bool:
    """Whether `folder`'s file system treats names that differ in case as one."""
    swapped = folder.with_name(folder.name.swapcase())
    return folder.name != swapped.name and swapped.exists() and os.path.samefile(folder, swapped)


class OutputSet:
    """The files one command writes, committed together (see the module docstring).

    Parameters
    ----------
    outputs : dict
        How the user named each output (``"-o"``, ``"--plot"``) -> its path; None values are left out.
    inputs : list
        Files the command reads (None values are left out); no output may be one of them.

    Raises
    ------
    Wav2AccompError
        An output that is an input or another output, or that cannot be written.
    """

    def __init__(self, outputs: dict[str, str | os.PathLike | None], *, inputs=()):
        for label, path in outputs.items():
            if path is not None and str(path).endswith(("/", os.sep)):
                raise Wav2AccompError(f"cannot write {path} ({label}): it names a folder; give a file name")
        self.outputs = {label: Path(path) for label, path in outputs.items() if path is not None}
        labels = list(self.outputs)
        for i, label in enumerate(labels):
            path = self.outputs[label]
            for source in (s for s in inputs if s is not None):
                if same_file(path, source):
                    raise Wav2AccompError(f"refusing to write {path} ({label}): it is the input {source}; "
                                          "choose another name")
            for other in labels[:i]:
                if same_file(path, self.outputs[other]):
                    raise Wav2AccompError(f"{other} and {label} name the same file ({path}); give each its own")
            check_writable(path)

    @contextmanager
    def writing(self) -> Iterator[dict[str, Path]]:
        """Yield label -> temporary path to write each output to; on success rename them all into place."""
        staged = {label: temporary_name(path, path.suffix) for label, path in self.outputs.items()}
        for folder in {p.parent for p in self.outputs.values()}:
            remove_stale_temporaries(folder)
        try:
            yield staged
            missing = [label for label, temporary in staged.items() if not temporary.exists()]
            if missing:
                raise Wav2AccompError(f"internal: {', '.join(missing)} not written")
            with _locked({p.parent for p in self.outputs.values()}):
                for label, temporary in staged.items():
                    os.replace(temporary, self.outputs[label])
        finally:
            for temporary in staged.values():
                temporary.unlink(missing_ok=True)


@contextmanager
def _locked(folders) -> Iterator[None]:
    """Exclusive locks on folders (in a fixed order), so that two commits into them never interleave."""
    try:
        import fcntl
    except ImportError:  # no advisory locks (Windows): commits may interleave
        yield
        return
    handles = []
    try:
        for folder in sorted(str(Path(f).resolve()) for f in folders):
            handle = os.open(folder, os.O_RDONLY)
            handles.append(handle)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        for handle in handles:
            os.close(handle)


def write_json(path: str | os.PathLike, obj) -> None:
    """Write `obj` as indented JSON, atomically."""
    with atomic_write(path, "w") as handle:
        json.dump(obj, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def write_arrays(stem: str | os.PathLike, arrays: dict, meta: dict, *, compressed: bool = False) -> None:
    """A counted model's files: ``STEM.npz`` (the arrays) and ``STEM.json`` (`meta`), together, atomically."""
    import numpy as np

    stem = Path(stem)
    with OutputSet({"arrays": stem.with_suffix(".npz"), "meta": stem.with_suffix(".json")}).writing() as staged:
        with open(staged["arrays"], "wb") as handle:
            (np.savez_compressed if compressed else np.savez)(handle, **arrays)
        staged["meta"].write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def read_arrays(stem: str | os.PathLike, names, what: str) -> tuple[dict, dict]:
    """The files :func:`write_arrays` wrote: (the arrays named, the JSON), without pickle; a one-line
    :class:`~wav2accomp.errors.Wav2AccompError` ("cannot read the `what` STEM: ...") when either is broken."""
    import numpy as np

    stem = Path(stem)
    try:
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(stem.with_suffix(".npz"), allow_pickle=False) as data:
            arrays = {name: data[name] for name in names}
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise Wav2AccompError(f"cannot read the {what} {stem}: {exc}") from None
    if not isinstance(meta, dict):
        raise Wav2AccompError(f"cannot read the {what} {stem}: its JSON is not an object")
    return arrays, meta
