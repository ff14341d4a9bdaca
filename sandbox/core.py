"""A tiny threaded HTTP framework for the provider stand-ins.

Each provider is a :class:`SandboxApp` subclass that declares routes with the
:func:`route` decorator. :func:`start` serves an app on 127.0.0.1 (port 0 picks a
free port) in a background thread. Every app records the requests it saw and
accepts injected faults, so tests can assert on what the tap sent and make the
provider misbehave on demand.
"""

from __future__ import annotations

import json
import re
import threading
import time
import typing as t
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sandbox.faults import Fault, FaultPlan

CHUNK = 64 * 1024


@dataclass
class Request:
    """What a handler sees of one HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route
    base_url: str = ""  # scheme://host:port of the server that received it

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header, looked up case-insensitively."""
        return self.headers.get(name.lower(), default)

    def json(self) -> t.Any:
        """The body parsed as JSON (a 400 if it is not)."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise HTTPError(400, {"detail": f"Malformed JSON body: {exc}"}) from exc

    def form(self) -> dict[str, str]:
        """The body parsed as application/x-www-form-urlencoded."""
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}


@dataclass
class Response:
    """What a handler returns. ``body`` may be bytes, a file path or chunks."""

    status: int = 200
    body: bytes | Path | t.Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: t.Any, status: int = 200, **headers: str) -> Response:
        body = json.dumps(payload).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json", **headers})

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", {"Location": location})

    @classmethod
    def file(cls, path: Path, content_type: str = "application/octet-stream") -> Response:
        return cls(200, path, {"Content-Type": content_type})


class HTTPError(Exception):
    """Raise from a handler to answer with an error status and JSON body."""

    def __init__(self, status: int, payload: t.Any = None, **headers: str) -> None:
        super().__init__(status, payload)
        self.response = Response.json(payload if payload is not None else {}, status, **headers)


Handler = t.Callable[[t.Any, Request], Response]


def route(method: str, pattern: str) -> t.Callable[[Handler], Handler]:
    """Declare a handler for ``method`` and a path regex (named groups -> params)."""

    def decorate(func: Handler) -> Handler:
        routes = func.__dict__.setdefault("_sandbox_routes", [])
        routes.append((method.upper(), re.compile(pattern + r"\Z")))
        return func

    return decorate


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float


class SandboxApp:
    """Base class of a provider stand-in.

    Subclasses set ``name``, ``default_port`` (used by ``python -m sandbox
    serve``) and ``provider = True``, declare routes, and implement
    ``demo_config`` (the tap settings that point at this stand-in with its test
    credentials).
    """

    name: str = "app"
    default_port: int = 0
    provider: bool = False  # True for a top-level stand-in (not a companion host)

    def __init__(self, *, seed: int = 0, job_seconds: float = 0.0) -> None:
        self.seed = seed
        self.job_seconds = job_seconds  # how long an async job stays unfinished
        self.faults = FaultPlan()
        self.lock = threading.RLock()
        self.requests: list[RecordedRequest] = []
        self.base_url = ""  # set by start()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        for attr in dir(type(self)):
            func = getattr(type(self), attr, None)
            for method, pattern in getattr(func, "_sandbox_routes", []):
                self._routes.append((method, pattern, getattr(self, attr)))

    # -- hooks for subclasses -------------------------------------------------
    def demo_config(self) -> dict[str, t.Any]:
        """Tap settings that work against this stand-in (for demo and tests)."""
        return {}

    def companions(self) -> list[SandboxApp]:
        """Other hosts this provider needs (e.g. a file store it redirects to).

        ``start`` serves each on its own port before the app itself; a companion's
        ``default_port`` is used by ``python -m sandbox serve``.
        """
        return []

    # -- control routes shared by every stand-in ------------------------------
    @route("POST", r"/_sandbox/faults")
    def _arm_fault(self, request: Request) -> Response:
        fault = self.faults.arm_from_json(request.json())
        return Response.json({"armed": fault.kind, "pending": self.faults.pending()}, 201)

    @route("DELETE", r"/_sandbox/faults")
    def _clear_faults(self, request: Request) -> Response:
        self.faults.clear()
        return Response.json({"pending": 0})

    # -- helpers -------------------------------------------------------------
    def requests_to(self, pattern: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests whose path matches ``pattern`` (a regex search)."""
        regex = re.compile(pattern)
        with self.lock:
            return [
                r
                for r in self.requests
                if regex.search(r.path) and (method is None or r.method == method)
            ]

    def dispatch(self, request: Request) -> Response:
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if not match:
                continue
            allowed = True
            if method != request.method:
                continue
            request.params = {k: v for k, v in match.groupdict().items() if v is not None}
            try:
                return handler(request)
            except HTTPError as err:
                return err.response
        if allowed:
            return Response.json({"detail": "Method not allowed"}, 405)
        return Response.json({"detail": "Not found"}, 404)


class _Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes: with Nagle's algorithm each keep-alive
    # answer would wait ~40 ms for a delayed ACK (a Mews run: 7.3 s -> 3.0 s without it).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: t.Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _handle(self) -> None:
        app = self.server.app
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = parse_qs(split.query, keep_blank_values=True)
        with app.lock:
            app.requests.append(
                RecordedRequest(self.command, split.path, query, headers, body, time.time())
            )
        request = Request(self.command, split.path, query, headers, body, base_url=app.base_url)
        fault = app.faults.take(self.command, split.path)
        if fault is not None and fault.kind == "status":
            self._send(fault.response())
            return
        try:
            response = app.dispatch(request)
        except Exception as exc:  # a bug in a stand-in must show, not hang the client
            response = Response.json({"detail": f"sandbox error: {exc!r}"}, 500)
        self._send(response, drop_mid_body=fault is not None and fault.kind == "drop")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815 (http.server API)

    def _send(self, response: Response, *, drop_mid_body: bool = False) -> None:
        body = response.body
        if isinstance(body, Path):
            size = body.stat().st_size
            chunks: t.Iterable[bytes] = _file_chunks(body)
        elif isinstance(body, bytes | bytearray):
            size = len(body)
            chunks = [bytes(body)]
        else:
            size = None
            chunks = body
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if size is not None:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        if drop_mid_body:
            # Promise the whole body, send part of it, then cut the connection.
            sent_goal = max(1, (size or CHUNK) // 2)
            sent = 0
            for chunk in chunks:
                piece = chunk[: sent_goal - sent]
                self.wfile.write(piece if size is not None else _chunked(piece))
                sent += len(piece)
                if sent >= sent_goal:
                    break
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        try:
            for chunk in chunks:
                if chunk:
                    self.wfile.write(chunk if size is not None else _chunked(chunk))
            if size is None:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _file_chunks(path: Path) -> t.Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.verbose = verbose


class RunningServer:
    """A started stand-in; use as a context manager or call ``stop()``."""

    def __init__(
        self,
        app: SandboxApp,
        server: _Server,
        thread: threading.Thread,
        companions: list[RunningServer],
    ) -> None:
        self.app = app
        self.companions = companions
        self._server = server
        self._thread = thread

    @property
    def url(self) -> str:
        return self.app.base_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        for companion in self.companions:
            companion.stop()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    app: SandboxApp,
    port: int = 0,
    host: str = "127.0.0.1",
    verbose: bool = False,
    fixed_ports: bool = False,
) -> RunningServer:
    """Serve ``app`` (and its companions) in daemon threads.

    ``port=0`` picks a free port; ``fixed_ports`` makes companions use their
    ``default_port`` too (the demo), otherwise they get free ports (the tests).
    """
    companions = [
        start(c, c.default_port if fixed_ports else 0, host, verbose, fixed_ports)
        for c in app.companions()
    ]
    server = _Server((host, port), app, verbose)
    app.base_url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{app.name}", daemon=True)
    thread.start()
    return RunningServer(app, server, thread, companions)


__all__ = [
    "Fault",
    "HTTPError",
    "Request",
    "Response",
    "RunningServer",
    "SandboxApp",
    "route",
    "start",
]
