"""The README's shell commands run as written on a clone that ``./bin/setup`` prepared.

The blocks of "Running with real credentials" that a reader runs by hand carry a marker,
``<!-- readme-test: NAME -->`` on the line above their fence. They are taken from the
README, not copied here, and run with bash in a scratch project root (``.venv``,
``sandbox/`` and the installed plugins linked to this clone, ``meltano.yml`` copied), from
a PATH without this clone's environments, so that the README has to activate them itself:

- ``serve``: ``python -m sandbox serve``, started and stopped (Ctrl-C) by the test: the
  stand-ins on their fixed ports 8701-8705, as a reader gets them;
- ``stand-ins``: a tap config from the sandbox, a tap piped into ``meltano invoke target-jsonl``;
- ``by-hand``: first run without state, a later run from the saved state, ``--discover``,
  ``--about``, into the local PostgreSQL with the ``pg.json`` block (``file pg.json``);
  only its ``default_target_schema`` is replaced, by a throwaway schema;
- ``prod``: needs real credentials, so it is checked for resolution only: the exports as
  written, ``meltano run --dry-run`` instead of ``run``, and ``meltano --environment=prod
  config list`` must show the exported values; ``./bin/setup`` is not run again;
- ``prod-snowflake``: likewise (BATCH into Snowflake: the tap must receive ``batch_config``);
- ``batch``: BATCH mode into the local PostgreSQL against the stand-ins, into a throwaway
  schema (the one line the test adds: ``TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA``).
- ``build``: ``./bin/build``, run as written by
  ``tests/packaging/conftest.py`` (its ``dist`` fixture), which installs what it built;
- ``own-project``: a new Meltano project with every tap from ``hub/`` and ``dist/``, run as
  written by ``tests/packaging/test_meltano_project.py``, which then runs each tap in it.

Also run: ``meltano job list``, ``python -m sandbox serve mews`` and ``meltano
--environment=prod config list`` (for the prod block's plugins). Not run here:
``./bin/demo`` and ``./bin/test`` (they are the whole pipeline), ``--update-catalogs``
(rewrites the committed snapshots; tests/test_catalogs.py runs the same discovery),
``python -m bench`` (tests/test_bench_smoke.py) and ``meltano install target-snowflake``
(downloads the loader; tests/test_meltano_project.py resolves its settings).

Each command of a block is checked on its own (``{ command; } || exit``), so a failing
first command of an ``a | b && c`` line fails the test, where ``bash -e`` would let it pass.
Meltano's auto-install is off: a scratch root must never reinstall the clone's plugins.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from sandbox.foodtrust import DEMO_COUNTS
from tests.meltano_run import ROOT, private_sys_dir
from tests.warehouse import pg_counts

pytestmark = [pytest.mark.e2e, pytest.mark.fixed_ports]

README = ROOT / "README.md"
MARKED_BLOCK = re.compile(
    r"<!-- readme-test: (?P<name>[^>]+?) -->\n```(?P<lang>\w+)\n(?P<body>.*?)\n```", re.S
)
# Inline commands (outside the marked blocks) that this file runs too.
INLINE = [
    "meltano --environment=prod config list tap-x",
    "meltano job list",
    "python -m sandbox serve mews",
]
SCANTRUST_ROWS = {"codes": 400, "products": 5, "scans": 127}  # the stand-in's defaults


def readme_blocks() -> dict[str, str]:
    return {m["name"]: m["body"] for m in MARKED_BLOCK.finditer(README.read_text())}


def commands(block: str) -> list[str]:
    """The block's commands: continuation lines joined, blank and comment lines dropped."""
    joined = block.replace("\\\n", " ")
    return [
        line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def checked_script(block: str) -> str:
    """``block`` as one bash script that stops at the first command that fails, naming it."""
    parts = []
    for command in commands(block):
        parts.append(
            f"{{ {command}\n}} || {{ echo {shlex.quote(f'README command failed: {command}')} >&2;"
            " exit 97; }"
        )
    return "\n".join(parts) + "\n"


def reader_env(tmp_path: Path) -> dict[str, str]:
    """A shell as a reader has it: none of this clone's environments on PATH, no Meltano,
    tap or target settings inherited from the test run, and a private Meltano database."""
    path = [p for p in os.environ["PATH"].split(os.pathsep) if not p.startswith(str(ROOT))]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MELTANO_", "TAP_", "TARGET_", "PG_", "VIRTUAL_ENV"))
    }
    return {
        **env,
        "PATH": os.pathsep.join(path),
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_AUTO_INSTALL": "false",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A scratch project root that shares this clone's installed environments."""
    root = tmp_path / "clone"
    root.mkdir()
    for name in (".venv", "sandbox"):
        (root / name).symlink_to(ROOT / name)
    private_sys_dir(root / ".meltano")  # the installed plugins, a run/ of its own
    # Meltano refuses a meltano.yml that resolves outside the project root: copy it.
    shutil.copy(ROOT / "meltano.yml", root)
    shutil.copytree(ROOT / "meltano", root / "meltano")
    return root


def run_block(block: str, clone: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", checked_script(block)],
        cwd=clone,
        env=reader_env(clone.parent),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_ran(completed: subprocess.CompletedProcess[str]) -> None:
    assert completed.returncode == 0, completed.stderr[-6000:]


class Serving:
    """A serve command run as a reader does, in its own process group (Ctrl-C is SIGINT
    to the group), with its output collected by a thread."""

    def __init__(self, script: str, clone: Path) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=clone,
            env=reader_env(clone.parent),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if "sandbox ready" in line:
                self.ready.set()

    def wait_ready(self, timeout: float = 30) -> None:
        if not self.ready.wait(timeout):
            self.stop()
            pytest.fail("the stand-ins did not start:\n" + "".join(self.lines), pytrace=False)

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=15)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)


def test_readme_marks_every_block_and_command_this_file_runs():
    blocks = readme_blocks()
    assert sorted(blocks) == [
        "batch",
        "build",  # run by tests/packaging (its dist fixture)
        "by-hand",
        "file pg.json",
        "own-project",  # run by tests/packaging/test_meltano_project.py
        "prod",
        "prod-snowflake",
        "serve",
        "stand-ins",
    ]
    text = README.read_text()
    assert [c for c in INLINE if c not in text] == []
    for name in ("by-hand", "stand-ins", "serve"):
        assert commands(blocks[name])[0] == "source .venv/bin/activate", name
    assert any(c.startswith("set -o pipefail") for c in commands(blocks["by-hand"]))


def test_by_hand_blocks_run_as_written_against_the_stand_ins(clone, pg_schema):
    blocks = readme_blocks()
    pg = json.loads(blocks["file pg.json"])
    (clone / "pg.json").write_text(json.dumps({**pg, "default_target_schema": pg_schema}))

    serving = Serving(blocks["serve"], clone)
    try:
        serving.wait_ready()
        stand_ins = run_block(blocks["stand-ins"], clone)
        assert_ran(stand_ins)
        by_hand = run_block(blocks["by-hand"], clone)
        assert_ran(by_hand)
        batch_schema = f"{pg_schema}_batch"
        batch = run_block(
            f"export TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA={batch_schema}\n" + blocks["batch"],
            clone,
        )
        try:
            assert_ran(batch)
            batch_counts = pg_counts(batch_schema)
        finally:
            drop_schema(batch_schema)
    finally:
        stopped = serving.stop()
    assert stopped == 0, "".join(serving.lines)
    assert "sandbox stopped" in "".join(serving.lines)

    assert json.loads((clone / "config.json").read_text())["api_url"] == "http://127.0.0.1:8701"
    jsonl = clone / "output" / "jsonl"
    written = {p.stem: len(p.read_text().splitlines()) for p in jsonl.glob("*.jsonl")}
    assert written == SCANTRUST_ROWS

    assert pg_counts(pg_schema) == DEMO_COUNTS  # two runs, upserted: no duplicates
    state = json.loads((clone / "state.json").read_text())
    assert sorted(state["bookmarks"]) == sorted(DEMO_COUNTS)
    catalog = json.loads((clone / "catalog.json").read_text())
    assert sorted(s["tap_stream_id"] for s in catalog["streams"]) == sorted(DEMO_COUNTS)
    assert "| ibm_cloud_api_key " in by_hand.stdout  # --about --format=markdown
    # BATCH mode: every row through files, the files deleted once loaded.
    assert batch_counts == SCANTRUST_ROWS
    folder = clone / "output" / "batches"
    assert folder.is_dir()  # the tap wrote its rows there (RECORD mode makes no folder) ...
    assert list(folder.iterdir()) == []  # ... and the loader deleted each file once loaded
    assert "  - Name: default_target_schema\n" in by_hand.stdout  # target-postgres --about


def test_later_run_before_any_state_fails_instead_of_loading_nothing(clone):
    """Why the README has a first-run form and ``set -o pipefail``: the tap refuses a
    missing state file; without pipefail the target's exit 0 would hide it."""
    block = commands(readme_blocks()["by-hand"])
    setup = [c for c in block if c.startswith(("source ", "export ", "set "))]
    (later,) = [c for c in block if "--state state.json" in c]
    (clone / "config.json").write_text("{}")
    completed = run_block("\n".join([*setup, later]), clone)
    assert completed.returncode == 97, completed.stderr[-4000:]
    assert "'state.json': No such file or directory" in completed.stderr
    assert not (clone / "state.json").exists()


def test_prod_commands_resolve_without_credentials(clone):
    """The prod block with its placeholder values: every plugin and variable resolves."""
    prod = commands(readme_blocks()["prod"])
    assert prod[0] == "./bin/setup"  # what made this clone; not run again
    meltano_run = ".venv/bin/meltano --environment=prod run "
    assert prod[-1].startswith(meltano_run)
    dry_run = prod[-1].replace(meltano_run, meltano_run + "--dry-run ")
    # `config list tap-x` for the two plugins the block runs (one meltano start each)
    listing = [
        f".venv/bin/meltano --environment=prod config list {plugin}"
        for plugin in ("tap-foodtrust-trace", "target-postgres")
    ]
    script = [*prod[1:-1], dry_run, *listing, ".venv/bin/meltano job list"]
    completed = run_block("\n".join(script), clone)
    assert_ran(completed)
    output = completed.stdout + completed.stderr
    assert "Dry run, but would have run block 1/1." in output
    from_env = "[env: {0}] current value: '{1}' (from the {0} variable in the environment)"
    assert from_env.format("TAP_FOODTRUST_TRACE_ORGANIZATION_ID", "...") in output
    assert "current value: 'db.example.com' (from `meltano.yml`: '${PG_HOST}')" in output
    assert (
        "api_url [env: TAP_FOODTRUST_TRACE_API_URL] (default: 'https://food.ibm.com')"
        " current value: 'https://food.ibm.com' (from the active environment" in output
    )
    assert "tap-foodtrust-trace-to-postgres: ['tap-foodtrust-trace target-postgres']" in output


def test_prod_snowflake_batch_block_resolves(clone):
    """The Snowflake BATCH block: the tap receives batch_config from the variable."""
    block = commands(readme_blocks()["prod-snowflake"])
    meltano_run = ".venv/bin/meltano --environment=prod run "
    assert block[-1].startswith(meltano_run)
    dry_run = block[-1].replace(meltano_run, meltano_run + "--dry-run ")
    listing = ".venv/bin/meltano --environment=prod config list tap-scantrust"
    completed = run_block("\n".join([*block[:-1], dry_run, listing]), clone)
    assert_ran(completed)
    output = completed.stdout + completed.stderr
    assert "Dry run, but would have run block 1/1." in output
    assert (
        "batch_config [env: TAP_SCANTRUST_BATCH_CONFIG] current value: {'encoding': "
        "{'format': 'jsonl', 'compression': 'gzip'}, 'storage': {'root': "
        "'file:///var/tmp/batches'}} (from the TAP_SCANTRUST_BATCH_CONFIG variable" in output
    )


def drop_schema(name: str) -> None:
    import psycopg

    from tests.warehouse import PG_DSN

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_one_stand_in_command(clone):
    serving = Serving("source .venv/bin/activate\npython -m sandbox serve mews\n", clone)
    serving.wait_ready()
    assert serving.stop() == 0
    urls = [line.split()[1] for line in serving.lines if line.startswith("mews ")]
    assert urls == ["http://127.0.0.1:8703"]
