"""Atomic file output: a reader never sees a half-written file."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import Wav2AccompError


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside `path`; on success, move it into place.

    On any exception the temporary file is removed and `path` is untouched.
    An unwritable destination raises :class:`Wav2AccompError`.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
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


def write_json(path: str | os.PathLike, obj) -> None:
    """Write `obj` as indented JSON, atomically."""
    with atomic_write(path, "w") as handle:
        json.dump(obj, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
