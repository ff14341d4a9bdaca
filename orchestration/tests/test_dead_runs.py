"""Dead runs by Meltano's own heartbeat, read (never written) through its JobFinder; and a
fingerprint of the Meltano behaviour this relies on (`--force`, its refusal message, the
heartbeat columns), so a Meltano release that changes them fails here. Fast: SQLite."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid

import pytest
from click.testing import CliRunner
from meltano.cli.run import run as meltano_run
from meltano.core.block import extract_load
from meltano.core.job.job import HEARTBEAT_VALID_MINUTES, Job, State
from meltano.core.models import SystemModel
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from singer_bulk_export_dagster.dead_runs import earlier_run_died
from singer_bulk_export_dagster.pipes_meltano import REFUSED, loaded_rows

STATE = "sandbox:tap-mews-exports-to-target-postgres:entity-Bill"


@pytest.fixture
def database(tmp_path) -> str:
    uri = f"sqlite:///{tmp_path / 'meltano.db'}"
    engine = create_engine(uri)
    SystemModel.metadata.create_all(engine)
    engine.dispose()
    return uri


def running_job(uri: str, seconds_ago: float) -> str:
    """A run marked running whose last heartbeat was ``seconds_ago`` (test set-up only)."""
    beat = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)
    engine = create_engine(uri)
    with Session(engine) as session:
        job = Job(job_name=STATE, state=State.RUNNING, run_id=uuid.uuid4())
        job.started_at = job.last_heartbeat_at = beat
        session.add(job)
        session.commit()
        run_id = str(job.run_id)
    engine.dispose()
    return run_id


def beat(uri: str) -> None:
    engine = create_engine(uri)
    with Session(engine) as session:
        for job in session.query(Job).filter(Job.job_name == STATE):
            job.last_heartbeat_at = dt.datetime.now(dt.UTC)
        session.commit()
    engine.dispose()


def test_no_running_run(database):
    assert earlier_run_died(database, STATE, 5, sleep=pytest.fail) is None


def test_a_silent_run_is_dead(database):
    running_job(database, seconds_ago=8)
    assert earlier_run_died(database, STATE, 5, sleep=pytest.fail) is True


def test_a_run_whose_heartbeat_moves_is_alive(database):
    running_job(database, seconds_ago=1)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        beat(database)  # Meltano's heartbeat, a second later

    assert earlier_run_died(database, STATE, 60, sleep=sleep) is False
    assert waits == [1.0]


def test_loader_metrics_give_rows_per_table():
    line = (
        '2026-12-07T19:50:28Z [info     ] target-postgres METRIC: {"type":"counter",'
        '"metric":"record_count","value":50,"tags":{"stream":"customers","pid":1}}'
    )
    assert loaded_rows(line, "target-postgres") == ("customers", 50)
    assert (
        loaded_rows(line.replace("target-postgres", "tap-mews-exports"), "target-postgres") is None
    )
    assert loaded_rows(line.replace("record_count", "batch_count"), "target-postgres") is None


def test_meltano_fingerprint():
    """What dead_runs.py and pipes_meltano.py rely on in Meltano."""
    assert "--force" in CliRunner().invoke(meltano_run, ["--help"]).output
    assert REFUSED in inspect.getsource(extract_load)
    assert HEARTBEAT_VALID_MINUTES == 5  # the README's "5-minute stale limit"
    assert {"last_heartbeat_at", "started_at", "run_id", "job_name"} <= set(Job.__table__.c.keys())
