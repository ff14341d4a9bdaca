"""Downloads: a fresh link per attempt, resume by byte range, credentials to the API
host only, checks before any row is read."""

from __future__ import annotations

import re

import pytest

from singer_bulk_export_kit.downloads import Download, DownloadError, download

BODY = bytes(range(256)) * 4096  # 1 MiB


def _file_host(cut_first=True):
    """Serves BODY with ranges; the first full answer is cut half way."""
    state = {"cut": cut_first}

    def handle(request):
        if request.headers.get("Authorization"):
            return 400, {}, b"presigned URLs refuse an Authorization header"
        wanted = request.headers.get("Range")
        if wanted:
            start = int(re.fullmatch(r"bytes=(\d+)-", wanted).group(1))
            if request.headers.get("If-Range") != '"v1"':
                return 200, {"ETag": '"v1"'}, BODY
            part = BODY[start:]
            headers = {"Content-Range": f"bytes {start}-{len(BODY) - 1}/{len(BODY)}"}
            return 206, {**headers, "ETag": '"v1"'}, part
        if state["cut"]:
            state["cut"] = False
            request.send_response(200)
            request.send_header("Content-Length", str(len(BODY)))
            request.send_header("ETag", '"v1"')
            request.end_headers()
            request.wfile.write(BODY[: len(BODY) // 2])
            request.wfile.flush()
            request.connection.shutdown(2)
            return None
        return 200, {"ETag": '"v1"'}, BODY

    return handle


def test_a_broken_transfer_resumes_from_its_byte_with_a_fresh_link(local_server, tmp_path):
    files = local_server(_file_host())
    api_links = []

    def api(request):  # single-use links that redirect to the file host
        api_links.append(request.headers.get("Authorization"))
        return 302, {"Location": f"{files.url}/object?sig=abc"}, b""

    api_host = local_server(api)
    links = []

    def link(attempt):
        links.append(attempt)
        return f"{api_host.url}/download-link/{attempt}"

    spec = Download(
        label="doc 1",
        link=link,
        workdir=tmp_path,
        suffix=".zip",
        auth_host=api_host.url.removeprefix("http://"),
        auth_headers={"Authorization": "UAT secret"},
        sleep=lambda s: None,
    )
    path = download(spec)
    assert path.read_bytes() == BODY
    assert links == [1, 2]  # a new link for the second attempt
    assert api_links == ["UAT secret", "UAT secret"]  # the API host gets the credentials
    ranges = [h.get("Range") for m, p, h in files.requests]
    assert ranges[0] is None and ranges[1].startswith("bytes=")  # resumed, not restarted
    assert int(ranges[1].split("=")[1].rstrip("-")) > 0


def test_a_file_that_fails_its_check_is_fetched_again_then_given_up(local_server, tmp_path):
    files = local_server(_file_host(cut_first=False))
    spec = Download(
        label="export OrderItem file 1",
        link=lambda attempt: f"{files.url}/f?sig=secret",
        workdir=tmp_path,
        check=lambda path: "the last JSON line is truncated",
        attempts=3,
        sleep=lambda s: None,
    )
    with pytest.raises(DownloadError) as caught:
        download(spec)
    assert str(caught.value) == (
        "export OrderItem file 1: the file could not be downloaded after 3 attempts (the "
        "last JSON line is truncated)"
    )
    assert len(files.requests) == 3
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_size_is_checked_against_what_the_api_said(local_server, tmp_path):
    files = local_server(_file_host(cut_first=False))
    spec = Download(
        label="f",
        link=lambda a: files.url,
        workdir=tmp_path,
        expected_size=len(BODY) + 1,
        attempts=1,
        sleep=lambda s: None,
    )
    with pytest.raises(DownloadError, match=r"got 1048576 bytes, the API says 1048577"):
        download(spec)


def test_an_expired_link_is_replaced(local_server, tmp_path):
    files = local_server(_file_host(cut_first=False))
    answers = iter([(403, {}, b"expired"), None])

    def api(request):
        answer = next(answers)
        return answer or (302, {"Location": files.url}, b"")

    host = local_server(api)
    spec = Download(
        label="f", link=lambda a: f"{host.url}/{a}", workdir=tmp_path, sleep=lambda s: None
    )
    assert download(spec).read_bytes() == BODY
