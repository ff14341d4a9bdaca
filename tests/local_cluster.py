"""A Dagster cluster on this machine, for the scale-out tests and bin/scale-demo.

Each worker is its own "machine": its own directory, HOME, virtualenv with the built
packages installed, Meltano project (its plugins installed by `meltano install` from the
same packages) and `.meltano`. Workers share only what machines of a cluster share:
PostgreSQL (Meltano's system database, Dagster's storage), the local S3 and the RabbitMQ
broker, on a queue of this cluster's own. The orchestrator (the daemon, the runs it
launches, the CLI) runs from this repository's .venv.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import typing as t
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import kombu
import psycopg
import yaml

from singer_bulk_export_dagster.systemdb import create_database, migrate
from tests import local_s3
from tests.warehouse import PG_DSN

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
BUCKET = "meltano-batches"
CODE_LOCATION = ["-m", "singer_bulk_export_dagster.definitions"]


def build_packages(dest: Path) -> Path:
    """Wheels and sdists of every package into ``dest``, checked: the release build."""
    subprocess.run(
        [str(REPO_ROOT / "bin" / "build"), "--out", str(dest)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    return dest


def install_project(dest: Path) -> Path:
    """The Meltano project files, its plugins' local paths (`-e ./tap-x`) as package names."""
    for source in [REPO_ROOT / "meltano.yml", *REPO_ROOT.glob("meltano/*.meltano.yml")]:
        target = dest / source.relative_to(REPO_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        target.write_text(re.sub(r"-e \./(?:[\w-]+/)?([\w-]+)", r"\1", text), encoding="utf-8")
    return dest


def instance_home(dest: Path, max_runs: int) -> Path:
    """A DAGSTER_HOME holding the package's dagster.yaml (PostgreSQL storage, run limits)."""
    template = resources.files("singer_bulk_export_dagster") / "dagster.yaml"
    config = yaml.safe_load(template.read_text(encoding="utf-8"))
    config["concurrency"]["runs"]["max_concurrent_runs"] = max_runs
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return dest


@dataclass
class Worker:
    name: str
    root: Path
    process: subprocess.Popen[bytes]

    @property
    def log(self) -> str:
        return (self.root / "worker.log").read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """The machine is lost: every process of the worker dies at once (SIGKILL)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]  # the shared settings: broker, queue, databases, S3, stand-ins
    schema: str
    database_uri: str  # Meltano's system database
    workers: list[Worker] = field(default_factory=list)
    daemon: subprocess.Popen[bytes] | None = None

    @property
    def orchestrator_env(self) -> dict[str, str]:
        home = str(self.root / "orchestrator")
        return {
            **os.environ,
            **self.env,
            "DAGSTER_HOME": home,
            "MELTANO_PROJECT_ROOT": str(REPO_ROOT),
        }

    def provision(self, name: str, wheels: Path, taps: t.Sequence[str]) -> Path:
        """Install a worker machine: its venv from the wheels, its project and plugins."""
        root = self.root / name
        (root / "home").mkdir(parents=True)
        uv = str(BIN / "uv")
        venv = root / "venv"
        python = os.path.realpath(sys.executable)
        subprocess.run([uv, "venv", "-q", "--python", python, str(venv)], check=True)
        install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
        install += ["--find-links", str(wheels), "singer-bulk-export-dagster"]
        subprocess.run(install, check=True, capture_output=True)
        project = install_project(root / "project")
        subprocess.run(
            [str(venv / "bin" / "meltano"), "install", *taps, "target-postgres"],
            cwd=project,
            env={**self.worker_env(root), "UV_FIND_LINKS": str(wheels)},
            check=True,
            capture_output=True,
        )
        instance_home(root / "dagster", max_runs=1)
        return root

    def worker_env(self, root: Path) -> dict[str, str]:
        machine = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        return {
            **machine,  # what every machine has (certificates, package index settings)
            **self.env,
            "HOME": str(root / "home"),
            # The package cache is shared, as a mirror would be: installs take seconds.
            "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv"),
            "PATH": f"{root / 'venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "DAGSTER_HOME": str(root / "dagster"),
            "MELTANO_PROJECT_ROOT": str(root / "project"),
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def start_worker(self, name: str, concurrency: int = 2) -> Worker:
        """The documented one command, in the worker's own directory and session."""
        root = self.root / name
        with (root / "worker.log").open("wb") as log:
            command = [str(root / "venv" / "bin" / "singer-bulk-export-worker")]
            process = subprocess.Popen(
                [*command, "--name", name, "--concurrency", str(concurrency)],
                cwd=root,
                env=self.worker_env(root),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(name, root, process)
        self.workers.append(worker)
        return worker

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not all(re.search(rf"\b{w.name}@\S+ ready\.", w.log) for w in self.workers):
            if time.monotonic() > deadline or any(
                w.process.poll() is not None for w in self.workers
            ):
                raise RuntimeError(
                    "workers not ready: " + " | ".join(w.log[-3000:] for w in self.workers)
                )
            time.sleep(0.5)

    def start_daemon(self) -> None:
        self.daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", *CODE_LOCATION],
            cwd=self.root,
            env=self.orchestrator_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def launch(self, job: str, ops: t.Sequence[str] = ()) -> None:
        """`dagster job launch`: one queued run (of these steps), launched by the daemon."""
        selection = [f"--op-selection={','.join(ops)}"] if ops else []
        self.dagster("job", "launch", "-j", job, *selection)

    def backfill(self, job: str, partitions: t.Sequence[str]) -> None:
        """`dagster job backfill`: one queued run per partition, launched by the daemon."""
        self.dagster(
            "job", "backfill", "-j", job, "--noprompt", f"--partitions={','.join(partitions)}"
        )

    def dagster(self, *args: str) -> None:
        command = [str(BIN / "dagster"), args[0], args[1], *CODE_LOCATION, *args[2:]]
        subprocess.run(
            command, cwd=self.root, env=self.orchestrator_env, check=True, capture_output=True
        )


@contextlib.contextmanager
def local_cluster(root: Path, **settings: str) -> t.Iterator[Cluster]:
    """Fresh databases, schema, S3 and broker queue, torn down afterwards; no workers yet."""
    name = uuid.uuid4().hex[:10]
    meltano_db, dagster_db, schema, queue = (
        f"{kind}_{name}" for kind in ("meltano", "dagster", "t", "q")
    )
    database_uri = f"postgresql+psycopg://postgres@127.0.0.1:5432/{meltano_db}"
    s3_server, endpoint = local_s3.start(bucket=BUCKET)
    env = {
        **local_s3.aws_env(endpoint),
        "DAGSTER_PG_URL": f"postgresql://postgres@127.0.0.1:5432/{dagster_db}",
        "DAGSTER_CELERY_BROKER_URL": BROKER,
        "DAGSTER_CELERY_QUEUE": queue,
        "MELTANO_DATABASE_URI": database_uri,
        "MELTANO_ENVIRONMENT": "sandbox",
        "SCALE_OUT_BATCH_ROOT": f"s3://{BUCKET}/scale-out",
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
        **settings,
    }
    cluster = Cluster(root, env, schema, database_uri)
    try:
        for database in (meltano_db, dagster_db):
            create_database(f"postgresql://postgres@127.0.0.1:5432/{database}")
        migrate(database_uri, REPO_ROOT)  # once, before partitions fan out
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        instance_home(root / "orchestrator", max_runs=8)
        yield cluster
    finally:
        if cluster.daemon:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(cluster.daemon.pid, signal.SIGTERM)
            cluster.daemon.wait(timeout=60)
        for worker in cluster.workers:
            worker.kill()
        s3_server.stop()
        with contextlib.suppress(Exception), kombu.Connection(BROKER) as broker:
            broker.default_channel.queue_delete(queue)
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            for database in (meltano_db, dagster_db):
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(root, ignore_errors=True)
