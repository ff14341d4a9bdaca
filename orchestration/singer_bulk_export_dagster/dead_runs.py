"""Whether the `meltano run` a state id is marked as running is alive, by Meltano's heartbeat.

Meltano writes a heartbeat every second while a run is alive and refuses a second run of
the state id while one is marked running. A run killed outright (SIGKILL, a lost worker)
stays marked running until Meltano's own stale check fails it, 5 minutes
(HEARTBEAT_VALID_MINUTES) after its last heartbeat. Nothing here writes to Meltano's
database: the latest running job is read with Meltano's own JobFinder, and a run whose
heartbeat stays still for ``silent_seconds`` is dead. The partition then runs with
Meltano's supported `--force`; Meltano fails the dead run itself once it is stale.
"""

from __future__ import annotations

import datetime as dt
import time
import typing as t

from meltano.core.job.finder import JobFinder
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

POLL_SECONDS = 1.0  # Meltano's heartbeat interval


def _heartbeat(session: Session, state_id: str) -> tuple[str, dt.datetime] | None:
    """(run id, last heartbeat) of the latest run marked running, if any."""
    session.expire_all()
    job = JobFinder(state_id).latest_running(session)
    if job is None:
        return None
    beat = job.last_heartbeat_at or job.started_at
    return str(job.run_id), beat if beat.tzinfo else beat.replace(tzinfo=dt.UTC)


def earlier_run_died(
    database_uri: str,
    state_id: str,
    silent_seconds: float,
    sleep: t.Callable[[float], None] = time.sleep,
) -> bool | None:
    """None if no run of ``state_id`` is marked running, True if that run is dead (no
    heartbeat for ``silent_seconds``), False as soon as its heartbeat moves."""
    engine = create_engine(database_uri)
    try:
        with Session(engine) as session:
            first = _heartbeat(session, state_id)
            while True:
                current = _heartbeat(session, state_id)
                if current is None:
                    return None
                if current != first:
                    return False
                if (dt.datetime.now(dt.UTC) - current[1]).total_seconds() >= silent_seconds:
                    return True
                sleep(POLL_SECONDS)
    finally:
        engine.dispose()
