"""Asynchronous jobs (exports, searches, downloads): create all, poll together, then files.

Modelled on Airbyte's ``async_job`` module (a job record, a status enum, a repository of
provider calls and one orchestrator) and going further where a Singer tap needs it:

- every job id is written to the journal file and to the state *before* any polling,
  so a run that dies while waiting re-attaches to its jobs next time; a job the API no
  longer knows is started again, and the log says so;
- a provider status word outside the mapping is an error at once (never a wait that
  ends only at the timeout);
- a refused or failed job fails its group (campaign, entity type ...) only: the other
  groups go on, and the tap reports the failed ones at the end;
- progress is logged at INFO while waiting: status, elapsed time and, where the API
  says, rows or size; at most one line per job every ``progress_every`` seconds.

A provider implements ``JobApi`` (create, poll, its status words); a stream asks the
``JobOrchestrator`` for its jobs in order and waits on each before reading its files.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
import logging
import time
import typing as t
from dataclasses import dataclass, field

from singer_tap_kit.errors import JobFailedError, UnknownJobStatusError

if t.TYPE_CHECKING:
    from singer_tap_kit.journal import JobJournal

logger = logging.getLogger("singer_tap_kit.jobs")


class JobStatus(enum.Enum):
    NEW = "new"  # planned, not created yet
    PENDING = "pending"  # created, queued
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"  # the provider says it failed: created again, a bounded number of times
    EXPIRED = "expired"  # the provider dropped it (or no longer knows it): created again
    TIMED_OUT = "timed_out"  # past its deadline: its group fails

    @property
    def in_flight(self) -> bool:
        return self in (JobStatus.PENDING, JobStatus.RUNNING)


class JobRefusedError(Exception):
    """The API refused to create the job (a 4xx with its reason): the group fails."""


class JobBusyError(Exception):
    """The API refuses a new job *now* (another one of its kind is running): try later."""


@dataclass
class Job:
    """One asynchronous job: what it covers, its id once created, what the API said."""

    group: str  # the partition it belongs to, e.g. "campaign 101" or "OrderItem"
    window: dict[str, t.Any]  # what it covers, e.g. TimeWindow.as_dict()
    params: dict[str, t.Any] = field(default_factory=dict)  # anything else create() needs
    id: str | None = None
    status: JobStatus = JobStatus.NEW
    word: str = ""  # the provider's own status word, for messages
    info: dict[str, t.Any] = field(default_factory=dict)  # the last status answer
    created_at: float = 0.0  # orchestrator clock
    created_utc: str = ""
    attempts: int = 0
    error: str | None = None
    emitted: bool = False  # every row of it went out: forgotten by journal and state
    busy_since: float | None = None
    logged_at: float = float("-inf")

    def record(self) -> dict[str, t.Any]:
        """What the journal and the state keep of an unfinished job."""
        return {
            "id": self.id,
            "window": self.window,
            "params": self.params,
            "created_utc": self.created_utc,
        }

    @classmethod
    def from_record(cls, group: str, record: t.Mapping[str, t.Any]) -> Job:
        return cls(
            group=group,
            window=dict(record.get("window") or {}),
            params=dict(record.get("params") or {}),
            id=str(record.get("id") or record.get("export_id") or "") or None,
            status=JobStatus.PENDING,
            created_utc=str(record.get("created_utc") or ""),
        )

    @property
    def label(self) -> str:
        window = self.window
        if window.get("end"):
            start = window.get("start") or "the beginning"
            return f"{self.group}, {start} to {window['end']}"
        return self.group


class JobApi(abc.ABC):
    """A provider's calls for its jobs (Airbyte's "repository")."""

    kind: str = "job"  # how the provider calls one, e.g. "export" or "code search task"
    statuses: t.Mapping[str, JobStatus]  # every status word the provider documents

    @abc.abstractmethod
    def create(self, job: Job) -> str:
        """Start ``job`` and return its id. Raise ``JobRefusedError`` or ``JobBusyError``."""

    @abc.abstractmethod
    def poll(self, jobs: list[Job]) -> dict[str, t.Mapping[str, t.Any]]:
        """Status answers by job id; an id missing from the result is unknown to the API."""

    def word_of(self, answer: t.Mapping[str, t.Any]) -> str:
        """The status word in one status answer."""
        return str(answer.get("status", ""))

    def progress(self, job: Job) -> str:
        """What the last answer says of the job's size, e.g. "12,000 rows" ("" if nothing)."""
        return ""

    def failure_reason(self, job: Job) -> str:
        """Why the provider says the job failed ("" if it does not say)."""
        return str(job.info.get("message") or "")

    def status_of(self, job: Job, word: str) -> JobStatus:
        try:
            return self.statuses[word]
        except KeyError:
            known = ", ".join(sorted(self.statuses))
            raise UnknownJobStatusError(
                f"{self.kind.capitalize()} {job.id} ({job.label}) reported the status "
                f"{word!r}, which this tap does not know (known: {known}). Stopping rather "
                "than guessing; please report it."
            ) from None


Remember = t.Callable[[str, list[dict[str, t.Any]]], None]


class JobOrchestrator:
    """Creates every job up front, polls the unfinished ones together, re-creates failed
    ones a bounded number of times and hands out completed jobs in window order."""

    def __init__(
        self,
        api: JobApi,
        *,
        poll_interval: float,
        timeout: float,
        max_attempts: int = 1,
        serial_groups: bool = False,
        max_running: int | None = None,
        journal: JobJournal | None = None,
        remember: Remember | None = None,
        progress_every: float = 30.0,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.api = api
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.serial_groups = serial_groups  # one unfinished job per group (e.g. Mews types)
        self.max_running = max_running
        self.journal = journal
        self.remember = remember  # stores a group's unfinished jobs in the state
        self.progress_every = progress_every
        self.clock = clock
        self.sleep = sleep
        self.groups: dict[str, list[Job]] = {}
        self._started = False

    # -- planning ------------------------------------------------------------------
    def resume(self, group: str, records: t.Iterable[t.Mapping[str, t.Any]]) -> list[Job]:
        """Jobs an earlier run created and did not finish; checked by ``start``."""
        jobs = [Job.from_record(group, r) for r in records if r.get("id") or r.get("export_id")]
        self.groups.setdefault(group, []).extend(jobs)
        return jobs

    def add(self, group: str, window: dict[str, t.Any], params: dict | None = None) -> Job:
        """Plan a new job; it is created by ``start`` (or when its turn comes)."""
        job = Job(group=group, window=window, params=dict(params or {}))
        self.groups.setdefault(group, []).append(job)
        if self._started:
            self._create_due()
        return job

    def jobs(self, group: str) -> list[Job]:
        """The group's jobs not yet emitted, in window order."""
        return [job for job in self.groups.get(group, []) if not job.emitted]

    # -- running -------------------------------------------------------------------
    def start(self) -> None:
        """Re-attach to resumed jobs (one poll for all) and create every due job."""
        self._started = True
        resumed = [job for jobs in self.groups.values() for job in jobs if job.id]
        earlier_ids = {id(job): job.id for job in resumed}
        self._poll(resumed, resuming=True)
        for job in resumed:
            if job.id != earlier_ids[id(job)]:
                continue  # the API no longer knew it: created again (and logged) by _poll
            if job.status.in_flight or job.status is JobStatus.COMPLETED:
                logger.info(
                    "Re-attached to %s %s (%s) created by an earlier run: %s",
                    self.api.kind,
                    job.id,
                    job.label,
                    job.word or job.status.value,
                )
        self._create_due()

    def wait(self, job: Job) -> Job:
        """Poll every unfinished job together until ``job`` completes.

        Raises ``JobFailedError`` when ``job`` was refused, failed too often or timed out.
        """
        while True:
            self._create_due()
            if job.error:
                raise JobFailedError(job.error)
            if job.status is JobStatus.COMPLETED:
                return job
            unfinished = [j for j in self._all() if j.id and j.status.in_flight]
            self._poll(unfinished)
            self._log_progress()
            if job.status is JobStatus.COMPLETED or job.error:
                continue
            self.sleep(self.poll_interval)

    def refresh(self, job: Job) -> dict[str, t.Any]:
        """Ask for ``job``'s status answer again now (e.g. for fresh file URLs)."""
        self._poll([job])
        if job.error:
            raise JobFailedError(job.error)
        return job.info

    def finished(self, job: Job) -> None:
        """Every row of ``job`` was emitted: forget it in the journal and the state."""
        job.emitted = True
        self._persist(job.group)
        self._create_due()

    def fail_group(self, group: str, reason: str, *, forget: bool = True) -> None:
        """Give up on a group: no more jobs for it this run. With ``forget`` (a job that
        failed, a damaged file) its jobs are dropped from journal and state, so the next
        run starts afresh from the bookmark instead of meeting the same failure; without
        it (a file host that was down) the next run re-attaches to the finished jobs."""
        for job in self.groups.get(group, []):
            if not job.emitted and job.error is None:
                job.error = reason
        if not forget:
            return
        if self.journal is not None:
            self.journal.record(group, [])
        if self.remember is not None:
            self.remember(group, [])

    # -- internals -----------------------------------------------------------------
    def _all(self) -> list[Job]:
        return [job for jobs in self.groups.values() for job in jobs if not job.emitted]

    def _due(self) -> list[Job]:
        """Jobs to create now: every planned one, or each group's next (serial groups)."""
        due = []
        for jobs in self.groups.values():
            failed = next((job for job in jobs if job.error and not job.emitted), None)
            if failed is not None:
                # A failed window ends its group: later windows could not be bookmarked.
                for job in jobs[jobs.index(failed) + 1 :]:
                    job.error = job.error or f"{job.label}: not run, an earlier window failed"
                continue
            for job in jobs:
                if job.emitted:
                    continue
                if job.status is JobStatus.NEW:
                    due.append(job)
                    if self.serial_groups:
                        break
                elif self.serial_groups and job.status is not JobStatus.COMPLETED:
                    break
        return due

    def _create_due(self) -> None:
        running = sum(1 for job in self._all() if job.id and job.status.in_flight)
        for job in self._due():
            if self.max_running is not None and running >= self.max_running:
                return
            if any(other.error for other in self.jobs(job.group)):
                continue  # its group failed while this pass was creating jobs
            if self._create(job):
                running += 1
        self._due()  # marks the jobs of groups that failed just now

    def _create(self, job: Job) -> bool:
        now = self.clock()
        try:
            job_id = self.api.create(job)
        except JobBusyError as exc:
            if job.busy_since is None:
                job.busy_since = now
                logger.warning(
                    "Cannot create the %s for %s yet (%s); trying again while polling, for up "
                    "to %g s",
                    self.api.kind,
                    job.label,
                    exc,
                    self.timeout,
                )
            elif now - job.busy_since > self.timeout:
                job.error = (
                    f"{job.label}: could not create the {self.api.kind} within {self.timeout:g} "
                    f"s ({exc})"
                )
            return False
        except JobRefusedError as exc:
            job.status, job.error = JobStatus.FAILED, f"{job.label}: {exc}"
            logger.error("The %s for %s was refused: %s", self.api.kind, job.label, exc)
            return False
        if not job_id:
            job.error = f"{job.label}: the {self.api.kind} was created without an id"
            return False
        job.id, job.status, job.word, job.info = str(job_id), JobStatus.PENDING, "", {}
        job.created_at, job.logged_at = now, now
        job.created_utc = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        job.attempts += 1
        job.busy_since = None
        # Durable before any polling: the next run re-attaches if this one dies.
        self._persist(job.group)
        logger.info("Created %s %s for %s", self.api.kind, job.id, job.label)
        return True

    def _poll(self, jobs: list[Job], *, resuming: bool = False) -> None:
        jobs = [job for job in jobs if job.id]
        if not jobs:
            return
        answers = self.api.poll(jobs)
        now = self.clock()
        for job in jobs:
            answer = answers.get(job.id)  # type: ignore[arg-type]
            if answer is None:
                self._again(job, JobStatus.EXPIRED, "is no longer known to the API")
                continue
            job.info = dict(answer)
            job.word = self.api.word_of(answer)
            job.status = self.api.status_of(job, job.word)
            if resuming and job.created_at == 0.0:
                job.created_at = job.logged_at = now  # the deadline counts from re-attaching
            if job.status in (JobStatus.FAILED, JobStatus.EXPIRED):
                self._again(job, job.status, f"ended {job.word!r}")
            elif job.status.in_flight and now - job.created_at >= self.timeout:
                job.status = JobStatus.TIMED_OUT
                job.error = (
                    f"{job.label}: {self.api.kind} {job.id} did not finish within "
                    f"{self.timeout:g} s (last status {job.word!r})"
                )

    def _again(self, job: Job, status: JobStatus, what: str) -> None:
        """Create ``job`` anew after it failed or vanished, a bounded number of times."""
        detail = self.api.failure_reason(job) if status is JobStatus.FAILED else ""
        if job.attempts >= self.max_attempts:
            job.status = status
            job.error = (
                f"{job.label}: {self.api.kind} {job.id} {what}"
                f"{f' ({detail})' if detail else ''}; tried {job.attempts} time(s)"
            )
            return
        logger.warning(
            "%s %s (%s) %s%s; creating it again",
            self.api.kind.capitalize(),
            job.id,
            job.label,
            what,
            f" ({detail})" if detail else "",
        )
        job.id, job.status = None, JobStatus.NEW
        self._persist(job.group)
        self._create(job)

    def _persist(self, group: str) -> None:
        records = [job.record() for job in self.groups.get(group, []) if job.id and not job.emitted]
        if self.journal is not None:
            self.journal.record(group, records)
        if self.remember is not None:
            self.remember(group, records)

    def _log_progress(self) -> None:
        now = self.clock()
        for job in self._all():
            if not job.id or not job.status.in_flight:
                continue
            if now - job.logged_at < self.progress_every:
                continue
            job.logged_at = now
            size = self.api.progress(job)
            logger.info(
                "%s %s (%s): %s for %.0f s%s",
                self.api.kind.capitalize(),
                job.id,
                job.label,
                job.word or job.status.value,
                now - job.created_at,
                f", {size}" if size else "",
            )
