"""Start one Celery worker for the code location's steps (one per machine):

    singer-bulk-export-worker --name worker-1 --concurrency 2

It listens on DAGSTER_CELERY_QUEUE (default `dagster`) of the broker DAGSTER_CELERY_BROKER_URL,
writes to the Dagster instance of DAGSTER_HOME (its dagster.yaml: the shared PostgreSQL
storage) and runs partitions in the Meltano project of MELTANO_PROJECT_ROOT.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from pathlib import Path

import yaml

# The same Celery settings for the executor (definitions.py) and the workers. A step's
# message is acknowledged only once the step is done, so a worker that dies mid-partition
# leaves it to the broker, which hands it to another worker; one message per worker
# process at a time, so a busy worker holds none that an idle one could run.
CELERY_CONFIG = {
    "task_default_queue": os.environ.get("DAGSTER_CELERY_QUEUE") or "dagster",
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default=socket.gethostname(), help="this worker's name")
    parser.add_argument("--concurrency", type=int, default=2, help="partitions at once")
    args = parser.parse_args(argv)
    if not os.environ.get("DAGSTER_CELERY_BROKER_URL"):
        print(
            "ERROR: set DAGSTER_CELERY_BROKER_URL (e.g. pyamqp://guest@host:5672//)",
            file=sys.stderr,
        )
        return 2
    config = {"execution": {"config": {"broker": {"env": "DAGSTER_CELERY_BROKER_URL"}}}}
    config["execution"]["config"]["config_source"] = CELERY_CONFIG
    path = Path(tempfile.mkdtemp(prefix="dagster-celery-")) / "celery.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ["SCALE_OUT_WORKER"] = args.name  # named in each partition's log
    command = ["dagster-celery", "worker", "start", "-A", "dagster_celery.app", "-y", str(path)]
    queue = CELERY_CONFIG["task_default_queue"]
    # The node name (its control queue on the broker) unique per host and queue.
    command += ["-q", queue, "-n", f"{args.name}@%h.{queue}"]
    command += ["--", "--concurrency", str(args.concurrency)]
    os.execv(os.path.join(bin_dir, "dagster-celery"), command)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
