"""A brand-new Meltano project outside the checkout (``meltano init``) adds every tap from
its shipped Hub definition (``hub/``), its ``pip_url`` by name and version resolved from
the built ``dist/`` (``UV_FIND_LINKS``: Meltano installs plugins with uv), ``meltano
install`` and ``meltano run tap-x target-jsonl``: the rows are exactly the golden output.
The plugins' environments name no local path (``pip freeze``).

Slow (one project and six plugin environments for the whole run): e2e.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from release import hub
from tests import golden
from tests.meltano_run import ROOT, setting_env
from tests.packaging.conftest import TAPS, UV, once, run
from tests.test_readme_commands import checked_script, readme_blocks
from tests.test_record_schemas import CASES, JOURNALLED
from tests.warehouse import pg_counts

pytestmark = pytest.mark.e2e

LOADER = next(p for p in hub.plugin_packages() if p.name == "target-postgres-plus")
# The tests' PostgreSQL (trust auth; the loader insists on a password, any will do).
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": "postgres",
            "database": "test"}  # fmt: skip

MELTANO = str(Path(sys.executable).parent / "meltano")
# target-jsonl as any project adds it (the hub's definition, pinned as meltano.yml pins it).
TARGET_JSONL = {
    "name": "target-jsonl",
    "variant": "andyh1203",
    "namespace": "target_jsonl",
    "label": "JSON Lines",
    "pip_url": "target-jsonl==0.1.4",
    "executable": "target-jsonl",
    "settings": [
        {"name": "destination_path", "kind": "string"},
        {"name": "do_timestamp_file", "kind": "boolean", "value": False},
    ],
}


def make_project(path: Path) -> None:
    """The README's ``own-project`` block as written (a new project in a fresh temporary
    folder, every tap added from its Hub definition and installed from the checkout's
    ``dist/``, which the ``dist`` fixture's ``./bin/build`` wrote), then target-jsonl and
    target-postgres-plus (from its Hub definition and ``dist/`` too)."""
    run(["bash", "-c", checked_script(readme_blocks()["own-project"])], ROOT, TMPDIR=str(path))
    (project,) = path.glob("*/my-project")
    (path / "target-jsonl.yml").write_text(yaml.safe_dump(TARGET_JSONL))
    run([MELTANO, "add", "--no-install", "--plugin-type=loader", "target-jsonl", "--from-ref",
         path / "target-jsonl.yml"], project)  # fmt: skip
    loader = hub.HUB / "loaders/target-postgres-plus/bulk-export-taps.yml"
    run([MELTANO, "add", "--no-install", "--plugin-type=loader", "target-postgres-plus",
         "--from-ref", loader], project)  # fmt: skip
    run([MELTANO, "install", "--plugin-type=loader"], project, UV_FIND_LINKS=str(ROOT / "dist"))


def run_env(project: Path, tmp_path: Path) -> dict[str, str]:
    """A system database and a ``.meltano/run`` of the test's own (runs of one tap side by
    side would write the same catalog file), sharing the project's installed plugins."""
    sys_dir = tmp_path / "meltano-sys"
    sys_dir.mkdir()
    for kind in ("extractors", "loaders"):
        (sys_dir / kind).symlink_to(project / ".meltano" / kind, target_is_directory=True)
    return {
        "MELTANO_SYS_DIR_ROOT": str(sys_dir),
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
    }


@pytest.fixture(scope="session")
def project(shared_dir: Path, dist: Path) -> Path:
    """The project, once per run; ``dist`` first: its ``./bin/build`` fills ``dist/``."""
    (made,) = once(shared_dir, "meltano-project", make_project).glob("*/my-project")
    return made


def test_project_took_every_plugin_from_its_definition(project):
    plugins = yaml.safe_load((project / "meltano.yml").read_text())["plugins"]
    assert sorted(plugins) == ["extractors", "loaders"]  # `meltano add extractor X` made utilities
    added = {p["name"]: p["pip_url"] for p in plugins["extractors"] + plugins["loaders"]}
    assert added == {
        **{p.name: f"{p.name}=={p.version}" for p in TAPS},
        "target-jsonl": "target-jsonl==0.1.4",
        "target-postgres-plus": f"target-postgres-plus=={LOADER.version}",
    }
    for package in TAPS:
        python = project / f".meltano/extractors/{package.name}/venv/bin/python"
        frozen = run([UV, "pip", "freeze", "--python", python], project)
        assert "file:" not in frozen.stdout and " @ " not in frozen.stdout, frozen.stdout
        assert f"{package.name}=={package.version}" in frozen.stdout.splitlines()


@pytest.mark.parametrize("package", TAPS, ids=lambda p: p.name)
def test_meltano_run_into_jsonl_gives_exact_rows(package, project, serve, tmp_path):
    make_app, overrides, _ = CASES[package.name]
    # Meltano passes numbers of kind integer: whole-second polls (the stand-ins' jobs take 0.1 s).
    settings = {**serve(make_app()).app.demo_config(), **overrides, "poll_interval_seconds": 1}
    if package.name in JOURNALLED:
        settings["journal_path"] = str(tmp_path / "journal.json")
    if package.name not in JOURNALLED and "poll_interval_seconds" not in overrides:
        settings.pop("poll_interval_seconds")
    env = {
        **setting_env(package.name, settings),
        "TARGET_JSONL_DESTINATION_PATH": str(tmp_path / "out"),
        **run_env(project, tmp_path),
    }
    (tmp_path / "out").mkdir()
    run([MELTANO, "run", package.name, "target-jsonl"], project, **env)
    messages = [
        {"type": "RECORD", "stream": path.stem, "record": json.loads(line)}
        for path in sorted((tmp_path / "out").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    assert golden.digests(package.name, messages) == golden.load()[package.name]


def test_the_loader_from_its_definition_loads_postgres(project, serve, pg_schema, tmp_path):
    make_app, overrides, expected = CASES["tap-scanalytics"]
    env = {
        **setting_env("tap-scanalytics", {**serve(make_app()).app.demo_config(), **overrides}),
        **setting_env("target-postgres-plus", POSTGRES | {"default_target_schema": pg_schema}),
        **run_env(project, tmp_path),
    }
    run([MELTANO, "run", "tap-scanalytics", "target-postgres-plus"], project, **env)
    assert pg_counts(pg_schema) == expected
