"""The ``wav2accomp`` command: parses arguments (:mod:`.parser`), calls the Python API (:mod:`.commands`), reports.

Every failure the user can act on ends with one line on stderr and exit
status 1 (2 for a usage error); set ``WAV2ACCOMP_DEBUG=1`` for a traceback.
The tool's own warnings (:class:`~wav2accomp.errors.Wav2AccompWarning`) are one
line each on stderr; the libraries' warnings are kept quiet.
"""
from __future__ import annotations

import os
import sys
import warnings

from ..errors import Wav2AccompError, Wav2AccompWarning
from .parser import build_parser


def _stop(signum, frame) -> None:
    """SIGTERM and SIGHUP end a command as Ctrl-C does: its staged files are removed, its checkpoints kept."""
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def main(argv: list[str] | None = None) -> int:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                signal.signal(signum, _stop)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # libraries' warnings mean nothing to a user ...
            warnings.simplefilter("always", Wav2AccompWarning)   # ... the tool's own say what happened
            warnings.showwarning = _show_warning
            args.run(args)
    except Wav2AccompError as exc:
        print(f"wav2accomp: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as exc:   # a training loop's TrainingInterrupted says where its checkpoint is
        print(f"wav2accomp: interrupted{': ' + str(exc) if str(exc) else ''}", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("WAV2ACCOMP_DEBUG"):
            raise
        print(f"wav2accomp: internal error: {type(exc).__name__}: {exc} "
              "(set WAV2ACCOMP_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"wav2accomp: warning: {message}", file=sys.stderr)


def entry() -> None:
    """The console command: :func:`main`, then exit without the interpreter's teardown.

    Every output is complete by then (written atomically and synced), so only the
    standard streams need flushing; skipping the teardown of torch and matplotlib
    saves about half a second per command (measured in benchmarks/RESULTS.md).
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # output piped into `head`, or a stream already closed
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
