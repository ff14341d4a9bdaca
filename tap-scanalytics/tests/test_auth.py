"""OAuth2 against the stand-in: grant choice, rotation kept across runs, renewals,
clear refusals, and no secret anywhere in the output."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from sandbox.scanalytics import CLIENT_SECRET, PASSWORD, ScanalyticsApp
from tests.singer_run import run_tap

ONE_DAY = {"start_date": "2024-11-01T05:00:00Z", "end_date": "2024-11-02T05:00:00Z"}


def cached_token(config) -> str:
    return json.loads(Path(config["token_cache_path"]).read_text())["refresh_token"]


@pytest.mark.parametrize(
    ("credentials", "grant"),
    [
        (("username", "password", "client_secret", "refresh_token"), "refresh_token"),
        (("username", "password", "client_secret"), "password"),
        (("client_secret",), "client_credentials"),
    ],
)
def test_grant_order(scan, config, h, credentials, grant):
    settings = {**config, **ONE_DAY, "refresh_token": scan.app.issue_refresh_token()}
    run = h.sync(h.only(settings, *credentials))
    assert run.returncode == 0, run.stderr
    assert h.grants(scan.app) == [grant]
    assert f"grant {grant}" in run.stderr
    assert run.counts["visits"] == 3 * 24


def test_rotated_refresh_token_is_persisted_and_used_next_run(scan, config, h):
    first_token = scan.app.issue_refresh_token()
    settings = {**h.only(config, "refresh_token"), **ONE_DAY, "refresh_token": first_token}
    first = h.sync(settings)
    assert first.returncode == 0, first.stderr
    cache = Path(config["token_cache_path"])
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    rotated = cached_token(config)
    assert rotated != first_token and rotated in scan.app.refresh_tokens
    # The configured token is spent; the cached one must be used instead.
    second = h.sync(settings)
    assert second.returncode == 0, second.stderr
    assert [f.get("refresh_token") for f in h.token_requests(scan.app)] == [first_token, rotated]
    assert cached_token(config) not in (first_token, rotated)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]  # no temp file left


def test_rotated_token_is_kept_even_when_the_run_then_fails(scan, config, h):
    scan.app.faults.status(r"/v1/deployment/list", 400, times=1)
    failed = run_tap(h.TAP, {**config, **ONE_DAY})
    assert failed.returncode == 1
    rotated = cached_token(config)  # written when it arrived, before the failure
    assert rotated in scan.app.refresh_tokens
    again = h.sync({**config, **ONE_DAY})
    assert again.returncode == 0, again.stderr
    assert h.grants(scan.app) == ["password", "refresh_token"]
    assert h.token_requests(scan.app)[1]["refresh_token"] == rotated


def test_reused_refresh_token_is_a_clear_error(scan, config, h):
    spent = scan.app.issue_refresh_token()
    scan.app.refresh_tokens.pop(spent)
    run = run_tap(h.TAP, {**h.only(config, "refresh_token"), "refresh_token": spent})
    assert run.returncode == 1
    assert "refused the configured refresh_token (grant refresh_token, invalid_grant)" in (
        run.stderr
    )
    assert "Set a fresh refresh_token and keep token_cache_path" in run.stderr
    assert spent not in run.stderr
    assert "Traceback" not in run.stderr


def test_spent_cached_token_is_named_and_a_new_configured_one_replaces_it(scan, config, h):
    settings = {**h.only(config, "refresh_token"), **ONE_DAY}
    settings["refresh_token"] = scan.app.issue_refresh_token()
    first = h.sync(settings)
    assert first.returncode == 0, first.stderr
    stale = cached_token(config)
    scan.app.refresh_tokens.pop(stale)  # used by another copy of the cache, say
    refused = run_tap(h.TAP, settings)  # same configuration: the cache is preferred
    assert refused.returncode == 1
    assert f"token_cache_path ({config['token_cache_path']})" in refused.stderr
    assert "a newly configured one replaces the cached one" in refused.stderr
    assert stale not in refused.stderr and "Traceback" not in refused.stderr
    fresh = scan.app.issue_refresh_token()
    healed = h.sync({**settings, "refresh_token": fresh})
    assert healed.returncode == 0, healed.stderr
    assert h.token_requests(scan.app)[-1]["refresh_token"] == fresh
    assert cached_token(config) in scan.app.refresh_tokens


@pytest.mark.parametrize(
    ("change", "grant"),
    [
        ({"password": "wrong-password-77"}, "grant password"),
        (
            {"username": None, "password": None, "client_secret": "wrong-secret-77"},
            "grant client_credentials",
        ),
    ],
)
def test_bad_credentials_name_the_grant(scan, config, h, change, grant):
    settings = {k: v for k, v in {**config, **change}.items() if v is not None}
    run = run_tap(h.TAP, settings)
    assert run.returncode == 1
    assert "Scanalytics refused the credentials" in run.stderr and grant in run.stderr
    assert "wrong-password-77" not in run.stderr and "wrong-secret-77" not in run.stderr
    assert "Traceback" not in run.stderr
    assert run.counts == {}


def _short_lived(serve, tmp_path, seconds):
    app = serve(ScanalyticsApp(token_seconds=seconds)).app
    # One pause longer than the token's life, between two requests.
    app.faults.status(r"/aggregate/", 429, retry_after=seconds, times=1)
    config = {**app.demo_config(), **ONE_DAY, "token_cache_path": str(tmp_path / "t.json")}
    return app, config


def test_access_token_renewed_before_it_expires(serve, tmp_path, h):
    app, config = _short_lived(serve, tmp_path, 2)
    run = h.sync(config)
    assert run.returncode == 0, run.stderr
    assert h.grants(app) == ["password", "refresh_token"]
    assert app.unauthorized == 0  # renewed ahead of expiry, never refused
    assert run.counts["visits"] == 3 * 24


def test_client_credentials_renewal_asks_for_a_new_access_token(serve, tmp_path, h):
    app, config = _short_lived(serve, tmp_path, 2)
    run = h.sync(h.only(config, "client_secret"))
    assert run.returncode == 0, run.stderr
    assert h.grants(app) == ["client_credentials", "client_credentials"]
    assert app.unauthorized == 0
    assert not os.path.exists(config["token_cache_path"])
    assert run.counts["visits"] == 3 * 24


def test_a_revoked_access_token_is_renewed_once_on_401(scan, config, h):
    scan.app.revoke_after(2)  # the third API call meets a real 401
    run = h.sync({**config, **ONE_DAY})
    assert run.returncode == 0, run.stderr
    assert scan.app.unauthorized == 1
    assert h.grants(scan.app) == ["password", "refresh_token"]
    assert run.counts == {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 3 * 24}


def test_a_second_401_in_a_row_is_a_clear_error(scan, config, h):
    scan.app.faults.status(r"/v1/deployment/list", 401, times=2)
    run = run_tap(h.TAP, {**config, **ONE_DAY})
    assert run.returncode == 1
    assert "refused a freshly issued access token (HTTP 401)" in run.stderr
    assert len(h.token_requests(scan.app)) == 2
    assert "Traceback" not in run.stderr


def test_no_secret_in_logs_state_or_errors(serve, tmp_path, h):
    """Every secret set, short tokens (many renewals), DEBUG logs, a failing array."""
    app, config = _short_lived(serve, tmp_path, 2)
    app.revoke_after(3)
    configured = app.issue_refresh_token()
    settings = {**config, "refresh_token": configured, "array_keys": ["1AMDJ", "ZZZZZ"]}
    first = run_tap(h.TAP, settings, env={"LOGLEVEL": "DEBUG"})
    assert first.returncode == 1  # ZZZZZ is unknown
    second = run_tap(h.TAP, settings, state=first.last_state, env={"LOGLEVEL": "DEBUG"})
    refused = run_tap(h.TAP, {**settings, "token_cache_path": str(tmp_path / "other.json")})
    assert "invalid_grant" in refused.stderr  # the configured token was spent by run 1
    assert "DEBUG" in first.stderr and first.last_state is not None
    assert len(app.issued) >= 7  # configured + access and refresh tokens of 3 logins
    secrets = {CLIENT_SECRET, PASSWORD, *app.issued}
    for run in (first, second, refused):
        text = h.shown(run)
        leaked = [s for s in secrets if s in text]
        assert leaked == []


def test_a_busy_token_endpoint_is_retried_by_the_same_policy(scan, config, h):
    scan.app.faults.status(r"/o/token/", 503, times=1)
    quick = {"max_retry_wait_seconds": 0.1}  # the same retry, without a 1 s wait
    run = h.sync({**config, **ONE_DAY, **quick})
    assert run.returncode == 0, run.stderr
    assert h.grants(scan.app) == ["password", "password"]
    retries = [line for line in run.stderr.splitlines() if "got HTTP 503; retrying" in line]
    assert len(retries) == 1 and "| WARNING" in retries[0]
    assert "Scanalytics: the token request (grant password) got HTTP 503" in retries[0]
    assert run.counts == {"whoami": 1, "deployments": 2, "arrays": 3, "visits": 3 * 24}
