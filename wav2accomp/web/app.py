"""``wav2accomp serve``: one page and the JSON API under it, on Starlette (ASGI) and uvicorn.

The API (every answer JSON, errors ``{"error": "one line"}`` with a 4xx/5xx status):

``POST /api/jobs``
    Body: the raw bytes of a recording (wav/flac/ogg, mp3 where libsndfile reads it) or a MIDI file,
    recognised by decoding them. ``201`` and the job (``id``, ``kind``, ``seconds``, ``status: "ready"``);
    ``400`` when it is not readable audio or MIDI, ``413`` when it is larger than the limit.
``POST /api/jobs/{id}/arrange``
    Body: JSON settings, all optional: ``parts`` (list: drums, piano, strings, bass), ``bpm``, ``key``,
    ``chords`` (``"C G Am F"``), ``temperature``, ``seed``. ``202`` and the job (``status: "queued"``);
    ``400`` for a bad setting, ``503`` with ``Retry-After`` when every worker is busy and the queue is full.
``GET /api/jobs/{id}[?wait=S]``
    The job: ``status`` (ready, queued, running, done, error), ``error`` and, when done, ``result``: tempo,
    key, bar lines and every track's notes ``[pitch, start s, end s]``, the timings. With ``wait``, answers
    when the arrangement queued or running ends, or after ``S`` seconds (at most 30), whichever is first.
``GET /api/jobs/{id}/files/{name}``
    ``song.mid``, ``song.wav`` (the mix), ``song.png`` (the piano rolls), ``song.musicxml`` (the lead sheet),
    ``band.wav`` (every part, at its level in the mix), ``stem-<track>.wav`` or ``stems.zip``. The parts' stems
    follow ``done`` by a moment (the melody and the band come first); asked for earlier, they are answered when
    written.
``DELETE /api/jobs/{id}``
    Remove the job now (it is removed anyway an hour after its last use).
``GET /api/health``
    ``{"status": "ok", "jobs": n, "version": ...}``.

Example::

    curl -s --data-binary @hum.wav http://127.0.0.1:8000/api/jobs
    curl -s -d '{"parts": ["drums", "bass"], "seed": 3}' http://127.0.0.1:8000/api/jobs/ID/arrange
    curl -s http://127.0.0.1:8000/api/jobs/ID
    curl -s -o song.mid http://127.0.0.1:8000/api/jobs/ID/files/song.mid
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import sys
from pathlib import Path

from ..constants import SERVE_HOST, SERVE_PORT, SERVE_RETRY_SECONDS
from ..errors import Wav2AccompError
from .jobs import SERVED_FILES, JobStore, ServerBusy, UnknownJob

STATIC = Path(__file__).resolve().parent / "static"
#: Seconds between sweeps of expired jobs.
SWEEP_SECONDS = 30.0
#: Longest a ``GET /api/jobs/{id}?wait=S`` waits, and how often it looks, seconds.
MAX_WAIT_SECONDS, WAIT_STEP_SECONDS = 30.0, 0.01
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def require_web():
    """Import the web stack, or a one-line error saying how to install it."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise Wav2AccompError("the web page needs the [web] extra: pip install 'wav2accomp[web]'") from None


def create_app(store: JobStore):
    """The ASGI application over `store` (which the caller closes)."""
    require_web()
    from starlette.applications import Starlette
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import FileResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
    from starlette.concurrency import run_in_threadpool

    from .. import __version__

    def error(status: int, message: str, **headers) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers or None)

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "jobs": len(store), "version": __version__})

    async def create_job(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > store.max_bytes:
            return error(413, f"the upload is too large: {int(declared) / 1e6:.1f} MB (at most "
                              f"{store.max_bytes / 1e6:g} MB)")
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > store.max_bytes:
                    return error(413, f"the upload is too large (at most {store.max_bytes / 1e6:g} MB)")
        except ClientDisconnect:
            return Response(status_code=400)   # nothing was kept: the job is made only from a whole upload
        try:
            job = await run_in_threadpool(store.create, bytes(body))
        except Wav2AccompError as exc:
            return error(400, str(exc))
        return JSONResponse(job.summary(), status_code=201)

    async def show_job(request: Request) -> Response:
        try:
            wait = min(max(float(request.query_params.get("wait", 0)), 0.0), MAX_WAIT_SECONDS)
        except ValueError:
            return error(400, "wait must be a number of seconds")
        try:
            job = store.get(request.path_params["job"])
            deadline = asyncio.get_running_loop().time() + wait
            while job.status in ("queued", "running") and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(WAIT_STEP_SECONDS)
            return JSONResponse(job.summary())
        except UnknownJob as exc:
            return error(404, str(exc))

    async def arrange(request: Request) -> Response:
        try:
            raw = await request.body()
            settings = json.loads(raw) if raw.strip() else {}
            if not isinstance(settings, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError) as exc:
            return error(400, f"the settings must be a JSON object ({exc})")
        except ClientDisconnect:
            return Response(status_code=400)
        try:
            job = await run_in_threadpool(store.arrange, request.path_params["job"], settings)
        except UnknownJob as exc:
            return error(404, str(exc))
        except ServerBusy as exc:
            return error(503, str(exc), **{"Retry-After": str(SERVE_RETRY_SECONDS)})
        except Wav2AccompError as exc:
            return error(400, str(exc))
        return JSONResponse(job.summary(), status_code=202)

    async def job_file(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            path = await run_in_threadpool(store.file, request.path_params["job"], name)
        except UnknownJob as exc:
            return error(404, str(exc))
        return FileResponse(path, media_type=SERVED_FILES.get(name, "audio/wav"),
                            filename=name if name in SERVED_FILES else None)

    async def delete_job(request: Request) -> Response:
        try:
            job = store.get(request.path_params["job"])
        except UnknownJob as exc:
            return error(404, str(exc))
        store.forget(job.id)
        return Response(status_code=204)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async def sweep():
            while True:
                await asyncio.sleep(SWEEP_SECONDS)
                await run_in_threadpool(store.sweep)

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            task.cancel()

    routes = [Route("/", page), Route("/api/health", health),
              Route("/api/jobs", create_job, methods=["POST"]),
              Route("/api/jobs/{job}", show_job, methods=["GET"]),
              Route("/api/jobs/{job}", delete_job, methods=["DELETE"]),
              Route("/api/jobs/{job}/arrange", arrange, methods=["POST"]),
              Route("/api/jobs/{job}/files/{name}", job_file),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    async def http_error(request: Request, exc) -> Response:   # unknown paths and methods answer in JSON too
        reason = {404: f"no such page: {request.url.path}",
                  405: f"{request.method} is not allowed on {request.url.path}"}.get(exc.status_code, exc.detail)
        return error(exc.status_code, reason)

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: http_error, 405: http_error})


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def serve(*, host: str = SERVE_HOST, port: int = SERVE_PORT, open_browser: bool = False, **store_options) -> None:
    """Run the page until interrupted (Ctrl-C); `store_options` go to :class:`~wav2accomp.web.jobs.JobStore`."""
    require_web()
    import uvicorn

    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach this machine can use the page", file=sys.stderr)
    try:   # a one-line error for a port in use or an address not of this machine, before anything starts
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise Wav2AccompError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    store = JobStore(**store_options)
    # uvicorn stops gracefully on SIGINT and SIGTERM, then raises the signal again: as KeyboardInterrupt for both,
    # so that the jobs' folders are removed below rather than left by the default SIGTERM action
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        config = uvicorn.Config(create_app(store), host=host, port=port, log_level="warning")
        server = uvicorn.Server(config)
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        print(f"wav2accomp: serving {url} (Ctrl-C stops)")
        if open_browser:
            import threading
            import webbrowser

            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        server.run()
        if server.should_exit:   # stopped by a signal whose raising again asyncio's own SIGINT handler can swallow
            raise KeyboardInterrupt
    finally:
        store.close()
