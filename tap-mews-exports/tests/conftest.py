"""Fixtures for tap-mews-exports: the stand-in, a fast config, another run's export."""

import pytest
import requests

from sandbox.mews import ACCESS_TOKEN, CLIENT_TOKEN, MewsApp


@pytest.fixture
def mews(serve):
    return serve(MewsApp(job_seconds=0.1, rows_per_file=25))


@pytest.fixture
def config(mews, tmp_path):
    return {
        **mews.app.demo_config(),
        "poll_interval_seconds": 0.05,
        "journal_path": str(tmp_path / "journal.json"),
    }


@pytest.fixture
def export_by_another_run():
    """Add an export of ``entity_type`` as another client would: pending, with no record of
    it in this tap's state or journal."""

    def add(app: MewsApp, entity_type: str) -> None:
        body = {"ClientToken": CLIENT_TOKEN, "AccessToken": ACCESS_TOKEN, "Client": "other run"}
        answer = requests.post(
            f"{app.base_url}/api/connector/v1/exports/add",
            json={**body, "EntityType": entity_type},
            timeout=5,
        )
        assert answer.status_code == 200

    return add
