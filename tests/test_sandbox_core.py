"""The sandbox framework itself: routing, recording, faults, companions, serve."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sandbox.core import HTTPError, Request, Response, SandboxApp, route, start
from tests.fixtures import stop_promptly

ROOT = Path(__file__).resolve().parent.parent


class EchoFiles(SandboxApp):
    name = "files"

    @route("GET", r"/files/(?P<name>\w+)")
    def file(self, request: Request) -> Response:
        return Response(200, (request.params["name"] * 5000).encode(), {})


class EchoApp(SandboxApp):
    name = "echo"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.files = EchoFiles()

    def companions(self) -> list[SandboxApp]:
        return [self.files]

    @route("GET", r"/items/(?P<item_id>\d+)")
    def item(self, request: Request) -> Response:
        if request.params["item_id"] == "0":
            raise HTTPError(404, {"detail": "no item 0"})
        return Response.json({"id": int(request.params["item_id"]), "q": request.arg("q")})

    @route("GET", r"/redirect")
    def redirect(self, request: Request) -> Response:
        return Response.redirect(f"{self.files.base_url}/files/abc")

    @route("GET", r"/stream")
    def stream(self, request: Request) -> Response:
        return Response(200, (b"line %d\n" % i for i in range(1000)), {})


@pytest.fixture
def echo(serve):
    return serve(EchoApp())


def test_routes_params_errors_and_recording(echo):
    answer = requests.get(f"{echo.url}/items/7", params={"q": "x"}, timeout=5)
    assert answer.json() == {"id": 7, "q": "x"}
    missing = requests.get(f"{echo.url}/items/0", timeout=5)
    assert (missing.status_code, missing.json()) == (404, {"detail": "no item 0"})
    assert requests.post(f"{echo.url}/items/7", timeout=5).status_code == 405
    assert requests.get(f"{echo.url}/nowhere", timeout=5).status_code == 404
    recorded = echo.app.requests_to(r"^/items/")
    assert [r.method for r in recorded] == ["GET", "GET", "POST"]
    assert recorded[0].query == {"q": ["x"]}


def test_status_fault_is_consumed_in_order(echo):
    echo.app.faults.status(r"/items/", 429, retry_after=2, times=2)
    first = requests.get(f"{echo.url}/items/1", timeout=5)
    second = requests.get(f"{echo.url}/items/1", timeout=5)
    third = requests.get(f"{echo.url}/items/1", timeout=5)
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "2"
    assert echo.app.faults.pending() == 0


def test_drop_fault_cuts_the_body(echo):
    echo.app.faults.drop(r"/redirect|/files/")
    host, port = echo.app.files.base_url.removeprefix("http://").split(":")
    echo.app.files.faults.drop(r"/files/")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", "/files/abc")
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead):
        response.read()


def test_fault_armed_over_http(echo):
    armed = requests.post(
        f"{echo.url}/_sandbox/faults", json={"path": "/items/", "status": 503}, timeout=5
    )
    assert armed.status_code == 201
    assert requests.get(f"{echo.url}/items/3", timeout=5).status_code == 503
    assert requests.get(f"{echo.url}/items/3", timeout=5).status_code == 200


def test_companion_served_on_its_own_port_and_stopped(echo):
    answer = requests.get(f"{echo.url}/redirect", timeout=5)
    assert answer.history[0].status_code == 302
    assert answer.content == b"abc" * 5000
    assert echo.app.files.base_url != echo.url


def test_chunked_streaming_body(echo):
    answer = requests.get(f"{echo.url}/stream", timeout=5)
    assert answer.headers["Transfer-Encoding"] == "chunked"
    assert answer.text.count("\n") == 1000


def test_start_and_stop_releases_the_port():
    server = start(EchoApp())
    port = int(server.url.rsplit(":", 1)[1])
    stop_promptly([server])  # calls stop(), without waiting on the poll loop
    again = start(EchoApp(), port=port)
    stop_promptly([again])


@pytest.mark.fixed_ports
def test_serve_command_starts_every_provider_and_stops_on_ctrl_c(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--job-seconds", "0.1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "sandbox ready" in line:
            break
    try:
        assert any("sandbox ready" in line for line in lines), [*lines, process.stderr.read()]
        urls = [word for line in lines for word in line.split() if word.startswith("http://")]
        assert urls, lines
        for url in urls:
            answer = requests.post(
                f"{url}/_sandbox/faults", json={"path": "/x", "status": 500}, timeout=5
            )
            assert answer.status_code == 201
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "sandbox stopped" in out


def test_config_command_prints_json_for_each_provider():
    from sandbox.registry import providers

    commands = {  # side by side: each is a fresh interpreter
        name: subprocess.Popen(
            [sys.executable, "-m", "sandbox", "config", name],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in providers()
    }
    for name, process in commands.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, (name, err)
        assert isinstance(json.loads(out), dict)
