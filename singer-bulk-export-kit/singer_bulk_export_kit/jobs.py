"""Asynchronous jobs (exports, searches, downloads), modelled on Airbyte's ``async_job``:
created all up front, polled together. Job ids are journalled and kept in the state before
any polling (a run that dies re-attaches next time; a job the API forgot is created again);
an unknown status word is an error at once; a refused or failed job fails its group only.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
import logging
import time
import typing as t
from dataclasses import KW_ONLY, dataclass, field

from singer_bulk_export_kit.errors import JobFailedError, UnknownJobStatusError

if t.TYPE_CHECKING:
    from singer_bulk_export_kit.journal import JobJournal

logger = logging.getLogger("singer_bulk_export_kit.jobs")
PROGRESS_EVERY = 30.0  # seconds between two progress lines of one job


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
        keys = ("id", "window", "params", "created_utc")
        return {key: getattr(self, key) for key in keys}

    @property
    def label(self) -> str:
        if not self.window.get("end"):
            return self.group
        return (
            f"{self.group}, {self.window.get('start') or 'the beginning'} to {self.window['end']}"
        )


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
        return str(answer.get("status", ""))

    def progress(self, job: Job) -> str:
        """What the last answer says of the job's size, e.g. "12,000 rows" ("" if nothing)."""
        return ""

    def status_of(self, job: Job, word: str) -> JobStatus:
        if word in self.statuses:
            return self.statuses[word]
        raise UnknownJobStatusError(
            f"{self.named(job)} reported the status {word!r}, which this tap does not know "
            f"(known: {', '.join(sorted(self.statuses))}). Stopping rather than guessing; "
            "please report it."
        )

    def named(self, job: Job) -> str:
        """The job in messages, e.g. "Export 42 (Customer, 2024-01-01 to 2024-02-01)"."""
        return f"{self.kind.capitalize()} {job.id} ({job.label})"


Remember = t.Callable[[str, list[dict[str, t.Any]]], None]


@dataclass(eq=False)
class JobOrchestrator:
    """Creates every job up front, polls the unfinished ones together, re-creates failed
    ones a bounded number of times and hands out completed jobs in window order."""

    api: JobApi
    _: KW_ONLY
    poll_interval: float
    timeout: float
    max_attempts: int = 1
    serial_groups: bool = False  # one unfinished job per group (e.g. Mews types)
    journal: JobJournal | None = None
    remember: Remember | None = None  # stores a group's unfinished jobs in the state
    clock: t.Callable[[], float] = time.monotonic
    sleep: t.Callable[[float], None] = time.sleep
    groups: dict[str, list[Job]] = field(default_factory=dict, init=False)
    _started: bool = field(default=False, init=False)

    def resume(self, group: str, records: t.Iterable[t.Mapping[str, t.Any]]) -> list[Job]:
        """Jobs an earlier run created and did not finish; checked by ``start``."""
        jobs = [
            Job(
                group=group,
                window=dict(record.get("window") or {}),
                params=dict(record.get("params") or {}),
                id=str(job_id),
                status=JobStatus.PENDING,
                created_utc=str(record.get("created_utc") or ""),
            )
            for record in records
            if (job_id := record.get("id") or record.get("export_id"))  # older records
        ]
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
        return [job for job in self.groups.get(group, []) if not job.emitted]

    def start(self) -> None:
        """Re-attach to resumed jobs (one poll for all) and create every due job."""
        self._started = True
        self._poll(self._all(), resuming=True)  # only resumed jobs have an id yet
        self._create_due()

    def wait(self, job: Job) -> Job:
        """Poll every unfinished job together until ``job`` completes; ``JobFailedError``
        when it was refused, failed too often or timed out."""
        while True:
            self._create_due()
            if job.error:
                raise JobFailedError(job.error)
            if job.status is JobStatus.COMPLETED:
                return job
            self._poll([unfinished for unfinished in self._all() if unfinished.status.in_flight])
            self._log_progress()
            if job.status is not JobStatus.COMPLETED and not job.error:
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
        """No more jobs for ``group`` this run. With ``forget`` (a failed job, a damaged file)
        the next run starts afresh from the bookmark instead of meeting the same failure;
        without (a file host that was down) it re-attaches to the finished jobs."""
        for job in self.groups.get(group, []):
            if not job.emitted and job.error is None:
                job.error = reason
        if forget:
            self._persist(group, forget=True)

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
            waiting = [j for j in jobs if not j.emitted and j.status is not JobStatus.COMPLETED]
            if self.serial_groups:
                waiting = waiting[:1]
            due += [job for job in waiting if job.status is JobStatus.NEW]
        return due

    def _create_due(self) -> None:
        for job in self._due():
            # Skipped when its group failed while this pass was creating jobs.
            if not any(other.error for other in self.jobs(job.group)):
                self._create(job)
        self._due()  # marks the jobs of groups that failed just now

    def _create(self, job: Job) -> None:
        now = self.clock()
        try:
            job_id = self.api.create(job)
        except JobBusyError as exc:
            if job.busy_since is None:
                job.busy_since = now
                logger.warning(
                    f"Cannot create the {self.api.kind} for {job.label} yet ({exc}); trying "
                    f"again while polling, for up to {self.timeout:g} s"
                )
            elif now - job.busy_since > self.timeout:
                job.error = (
                    f"{job.label}: could not create the {self.api.kind} within {self.timeout:g} "
                    f"s ({exc})"
                )
            return
        except JobRefusedError as exc:
            job.status, job.error = JobStatus.FAILED, f"{job.label}: {exc}"
            logger.error("The %s for %s was refused: %s", self.api.kind, job.label, exc)
            return
        if not job_id:
            job.error = f"{job.label}: the {self.api.kind} was created without an id"
            return
        job.id, job.status, job.word, job.info = str(job_id), JobStatus.PENDING, "", {}
        job.created_at, job.logged_at = now, now
        job.created_utc = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        job.attempts += 1
        job.busy_since = None
        # Durable before any polling: the next run re-attaches if this one dies.
        self._persist(job.group)
        logger.info("Created %s %s for %s", self.api.kind, job.id, job.label)

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
            if resuming:
                job.created_at = job.logged_at = now  # the deadline counts from re-attaching
            if job.status in (JobStatus.FAILED, JobStatus.EXPIRED):
                self._again(job, job.status, f"ended {job.word!r}")
            elif job.status.in_flight and now - job.created_at >= self.timeout:
                job.status = JobStatus.TIMED_OUT
                job.error = (
                    f"{job.label}: {self.api.kind} {job.id} did not finish within "
                    f"{self.timeout:g} s (last status {job.word!r})"
                )
            elif resuming:
                logger.info(
                    f"Re-attached to {self.api.kind} {job.id} ({job.label}) created by an "
                    f"earlier run: {job.word or job.status.value}"
                )

    def _again(self, job: Job, status: JobStatus, what: str) -> None:
        """Create ``job`` anew after it failed or vanished, a bounded number of times."""
        # Why the provider says the job failed, where it says.
        detail = str(job.info.get("message") or "") if status is JobStatus.FAILED else ""
        what = f"{what} ({detail})" if detail else what
        if job.attempts >= self.max_attempts:
            job.status = status
            job.error = (
                f"{job.label}: {self.api.kind} {job.id} {what}; tried {job.attempts} time(s)"
            )
            return
        logger.warning(f"{self.api.named(job)} {what}; creating it again")
        job.id, job.status = None, JobStatus.NEW
        self._persist(job.group)
        self._create(job)

    def _persist(self, group: str, *, forget: bool = False) -> None:
        jobs = [] if forget else self.groups.get(group, [])
        records = [job.record() for job in jobs if job.id and not job.emitted]
        if self.journal is not None:
            self.journal.record(group, records)
        if self.remember is not None:
            self.remember(group, records)

    def _log_progress(self) -> None:
        now = self.clock()
        for job in self._all():
            if not job.status.in_flight or now - job.logged_at < PROGRESS_EVERY:
                continue
            job.logged_at = now
            size = self.api.progress(job)
            word = job.word or job.status.value
            logger.info(
                f"{self.api.named(job)}: {word} for {now - job.created_at:.0f} s"
                + (f", {size}" if size else "")
            )
