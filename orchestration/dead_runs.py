"""Free the state id of a partition whose worker died mid-run.

Meltano writes a heartbeat every second while a run is alive and refuses a second run of
the same state id while one is marked running; a run killed with SIGKILL (a lost machine,
an OOM kill) stays marked running until Meltano's own 5-minute stale check. A run silent
for ``silent_seconds`` is dead: mark it failed so the partition can run again now.
"""

from __future__ import annotations

import datetime as dt

from meltano.core.job.job import Job, State
from sqlalchemy import create_engine
from sqlalchemy.orm import Session


def fail_dead_runs(database_uri: str, state_id: str, silent_seconds: float) -> int:
    """Mark the runs of ``state_id`` silent for ``silent_seconds`` as failed; how many."""
    engine = create_engine(database_uri)
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=silent_seconds)
    failed = 0
    try:
        with Session(engine) as session:
            running = session.query(Job).filter(
                Job.job_name == state_id, Job.state == State.RUNNING
            )
            for job in running:
                beat = job.last_heartbeat_at or job.started_at
                if beat is not None and beat.tzinfo is None:
                    beat = beat.replace(tzinfo=dt.UTC)
                if beat is not None and beat < cutoff:
                    job.fail(f"No heartbeat for {silent_seconds:g} s: the worker died.")
                    job.save(session)
                    failed += 1
    finally:
        engine.dispose()
    return failed
