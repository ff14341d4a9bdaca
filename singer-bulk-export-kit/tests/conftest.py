"""A tiny threaded HTTP server for the kit's tests (the kit does not depend on the
repository's stand-ins, so it could leave the monorepo)."""

from __future__ import annotations

import threading
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Reply = tuple[int, dict[str, str], bytes]
Handler = t.Callable[[BaseHTTPRequestHandler], Reply | None]


class LocalServer:
    def __init__(self, handle: Handler) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                outer.requests.append((self.command, self.path, dict(self.headers)))
                reply = handle(self)
                if reply is None:  # the handler wrote (or cut) the answer itself
                    return
                status, headers, body = reply
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _reply  # noqa: N815 (http.server's names)

            def log_message(self, *args: t.Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server() -> t.Iterator[t.Callable[[Handler], LocalServer]]:
    servers: list[LocalServer] = []

    def start(handle: Handler) -> LocalServer:
        server = LocalServer(handle)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


class FakeClock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on a port where nothing listens (bound, then closed)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/things?token=secret"
