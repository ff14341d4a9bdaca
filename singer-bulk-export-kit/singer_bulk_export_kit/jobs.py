"""Asynchronous jobs (exports, searches, downloads), modelled on Airbyte's ``async_job``:
planned and created all up front, polled together. Job ids are journalled and kept in the
state before any polling (a run that dies re-attaches next time, if it would ask the same;
a job the API forgot is created again); an unknown status word is an error at once; a
refused or failed job fails its group only.
"""

import abc
import datetime as dt
import enum
import logging
import time
import typing as t
from dataclasses import KW_ONLY, dataclass, field

from singer_bulk_export_kit.errors import JobFailedError, UnknownJobStatusError
from singer_bulk_export_kit.journal import JobJournal
from singer_bulk_export_kit.windows import parse_instant

logger = logging.getLogger("singer_bulk_export_kit.jobs")
PROGRESS_EVERY = 10.0  # longest silence while jobs are waiting (seconds)
PENDING_JOBS = "pending_jobs"  # the state key of a group's unfinished jobs
# Where earlier releases kept them: read (those without params are never re-attached),
# then replaced by PENDING_JOBS.
OLD_PENDING_KEYS = ("pending_downloads", "pending_exports", "pending_export")


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

    def record(self) -> dict[str, t.Any]:
        """What the journal and the state keep of an unfinished job."""
        return {key: getattr(self, key) for key in ("id", "window", "params", "created_utc")}

    @property
    def label(self) -> str:
        start, end = self.window.get("start") or "the beginning", self.window.get("end")
        return f"{self.group}, {start} to {end}" if end else self.group


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


def unfinished_jobs(
    states: t.Iterable[t.Mapping[str, t.Any]],
    journal_records: t.Iterable[t.Mapping[str, t.Any]],
    covered: str | None,
) -> list[dict[str, t.Any]]:
    """Jobs earlier runs created and did not finish, from the states and the journal
    (written first, so it wins), one per window, oldest first; a window ending at or before
    ``covered`` (the bookmark) is done and dropped."""
    keys = (PENDING_JOBS, *OLD_PENDING_KEYS)
    stored = [record for state in states for key in keys for record in state.get(key) or []]
    by_end: dict[str, dict[str, t.Any]] = {}
    for record in [*stored, *journal_records]:
        window = record.get("window") if isinstance(record, t.Mapping) else None
        end = str(window.get("end") or "") if isinstance(window, t.Mapping) else ""
        if end and record.get("id") and (not covered or _later(end, covered)):
            by_end[end] = dict(record)
    return [by_end[end] for end in sorted(by_end)]


def _failed(jobs: list[Job]) -> Job | None:
    return next((job for job in jobs if job.error and not job.emitted), None)


def _later(end: str, covered: str) -> bool:
    """Whether a window's end lies past the bookmark (instants or dates, any offset)."""
    try:
        return parse_instant(end) > parse_instant(covered)
    except ValueError:
        return end > covered


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
    write_state: t.Callable[[], None] | None = None  # emits the state (new job ids, at once)
    clock: t.Callable[[], float] = time.monotonic
    sleep: t.Callable[[float], None] = time.sleep
    groups: dict[str, list[Job]] = field(default_factory=dict, init=False)
    states: dict[str, list[dict]] = field(default_factory=dict, init=False)  # per group
    _started: bool = field(default=False, init=False)
    _spoke_at: float = field(default=float("-inf"), init=False)  # the last line on jobs

    def plan(
        self,
        group: str,
        states: list[dict],
        *,
        bookmark: str | None,
        params_of: t.Callable[[dict[str, t.Any]], dict[str, t.Any]],
        windows_after: t.Callable[[str | None], t.Iterable[dict[str, t.Any]]],
    ) -> None:
        """Re-attach ``group``'s unfinished jobs of earlier runs (journal and ``states``)
        that lie past ``bookmark`` and asked what this run would ask for their window
        (``params_of``: the parameters are part of a job's identity); plan the windows
        ``windows_after`` the last of them (None: none kept). From now on the group's
        unfinished jobs are kept in each of ``states`` under ``PENDING_JOBS``."""
        self.states[group] = states
        journalled = self.journal.get(group) if self.journal is not None else []
        kept = []
        for record in unfinished_jobs(states, journalled, bookmark):
            try:
                same = record.get("params") == params_of(dict(record["window"]))
            except (KeyError, TypeError, ValueError):
                same = False  # a window this run cannot read
            if same:
                kept.append(record)
                continue
            logger.info(
                f"Not re-attaching to {self.api.kind} {record['id']} ({group}, "
                f"{record['window']}): it asked other parameters than this run would"
            )
        resumed = self.resume(group, kept)
        for window in windows_after(resumed[-1].window["end"] if resumed else None):
            self.add(group, window, params_of(window))

    def resume(self, group: str, records: t.Iterable[t.Mapping[str, t.Any]]) -> list[Job]:
        """Jobs an earlier run created and did not finish; checked by ``start``."""
        jobs = []
        for record in records:  # with an id and a window end (``unfinished_jobs``)
            window, params = dict(record["window"]), dict(record.get("params") or {})
            job = Job(group, window, params, id=str(record["id"]), status=JobStatus.PENDING)
            job.created_utc = str(record.get("created_utc") or "")
            jobs.append(job)
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
        """Re-attach to resumed jobs (one poll for all), create every due job, then emit
        the state once for all (new jobs later on are written at once)."""
        self._poll(self._all(), resuming=True)  # only resumed jobs have an id yet
        self._create_due()
        self._started = True
        if self.write_state is not None:
            self.write_state()
        under_way = sum(1 for job in self._all() if job.id)
        logger.info(f"{under_way} {self.api.kind}(s) under way; polling them together")

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
            if job.status is not JobStatus.COMPLETED and not job.error:
                self._pause()

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

    def _create_due(self) -> None:
        """Create every planned job (each group's next one, for serial groups)."""
        for jobs in self.groups.values():
            waiting = [j for j in jobs if not j.emitted and j.status is not JobStatus.COMPLETED]
            for job in waiting[:1] if self.serial_groups else waiting:
                if job.status is JobStatus.NEW and not _failed(jobs):
                    self._create(job)
            if (failed := _failed(jobs)) is not None:
                # A failed window ends its group: later windows could not be bookmarked.
                for job in jobs[jobs.index(failed) + 1 :]:
                    job.error = job.error or f"{job.label}: not run, an earlier window failed"

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
        job.created_at, job.busy_since = now, None
        job.created_utc = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        job.attempts += 1
        # Durable before any polling: the next run re-attaches if this one dies.
        self._persist(job.group)
        self._say(f"Created {self.api.kind} {job.id} for {job.label}")

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
            job.info, word = dict(answer), job.word
            job.word = self.api.word_of(answer)
            job.status = self.api.status_of(job, job.word)
            if resuming:
                job.created_at = now  # the deadline counts from re-attaching
            elif job.word != word and (job.status.in_flight or job.status is JobStatus.COMPLETED):
                self._say(f"{self.api.named(job)}: {job.word}")
            if job.status in (JobStatus.FAILED, JobStatus.EXPIRED):
                self._again(job, job.status, f"ended {job.word!r}")
            elif job.status.in_flight and now - job.created_at >= self.timeout:
                job.status = JobStatus.TIMED_OUT
                job.error = (
                    f"{job.label}: {self.api.kind} {job.id} did not finish within "
                    f"{self.timeout:g} s (last status {job.word!r})"
                )
            elif resuming:
                self._say(
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
        """Keep ``group``'s unfinished jobs in the journal and its states; once started,
        a new job id is written out at once (a forgotten one goes with the next bookmark)."""
        jobs = [] if forget else self.groups.get(group, [])
        records = [job.record() for job in jobs if job.id and not job.emitted]
        if self.journal is not None:
            self.journal.record(group, records)
        new = False
        for state in self.states.get(group, []):
            known = {record.get("id") for record in state.get(PENDING_JOBS) or []}
            new = new or any(record["id"] not in known for record in records)
            for key in OLD_PENDING_KEYS:
                state.pop(key, None)
            if records:
                state[PENDING_JOBS] = records
            else:
                state.pop(PENDING_JOBS, None)
        if new and self._started and self.write_state is not None:
            self.write_state()

    def _say(self, line: str) -> None:
        self._spoke_at = self.clock()
        logger.info(line)

    def _pause(self) -> None:
        """Sleep one poll interval; while jobs wait, never silent for PROGRESS_EVERY s."""
        until = self.clock() + self.poll_interval
        while (now := self.clock()) < until:
            if now - self._spoke_at >= PROGRESS_EVERY:
                self._log_progress(now)
            self.sleep(min(until, self._spoke_at + PROGRESS_EVERY) - now)

    def _log_progress(self, now: float) -> None:
        """How many jobs are pending, and the one waited for longest."""
        waiting = [job for job in self._all() if job.status.in_flight]
        if not waiting:
            self._spoke_at = now  # nothing in flight (e.g. a busy API): quiet
            return
        oldest = min(waiting, key=lambda job: job.created_at)
        size = self.api.progress(oldest)
        self._say(
            f"{len(waiting)} {self.api.kind}(s) pending; the longest has waited "
            f"{now - oldest.created_at:.0f} s: {self.api.named(oldest)}, "
            f"{oldest.word or oldest.status.value}" + (f", {size}" if size else "")
        )
