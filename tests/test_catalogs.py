"""Catalogue discovery through Meltano, compared with committed snapshots.

Every extractor of the project is discovered with ``meltano invoke TAP --discover``
in the sandbox environment (stand-ins running) and compared with
``tests/catalogs/<tap>.json``. An unintended schema change fails with a unified
diff; after an intended one, refresh the snapshots with:

    .venv/bin/pytest tests/test_catalogs.py --update-catalogs
"""

from __future__ import annotations

import difflib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sandbox.core import start
from sandbox.registry import TAP_OF_PROVIDER, providers
from tests.fixtures import stop_promptly
from tests.meltano_run import MeltanoProject, project_extractors, setting_env

pytestmark = pytest.mark.e2e

SNAPSHOTS = Path(__file__).parent / "catalogs"


def normalised(catalog_text: str) -> str:
    """The catalog as stable, diffable text (streams sorted by id)."""
    catalog = json.loads(catalog_text)
    catalog["streams"] = sorted(catalog["streams"], key=lambda s: s["tap_stream_id"])
    return json.dumps(catalog, indent=2, sort_keys=True) + "\n"


@pytest.fixture(scope="module")
def sandbox_settings():
    """Every stand-in on a free port, and the settings env that points the taps at them."""
    running, env = [], {}
    for name, app_class in providers().items():
        server = start(app_class())
        running.append(server)
        tap = TAP_OF_PROVIDER.get(name)
        if tap:
            env.update(setting_env(tap, server.app.demo_config()))
    yield env
    stop_promptly(running)


@pytest.fixture(scope="module")
def discovered(sandbox_settings, tmp_path_factory):
    """``meltano invoke TAP --discover`` of every extractor, side by side (each is mostly
    process start-up): tap -> completed process."""
    workdir = tmp_path_factory.mktemp("discover")
    with ThreadPoolExecutor() as pool:
        runs = {
            tap: pool.submit(
                MeltanoProject(workdir / tap).run, "invoke", tap, "--discover", env=sandbox_settings
            )
            for tap in project_extractors()
        }
    return {tap: run.result() for tap, run in runs.items()}


@pytest.mark.parametrize("tap", project_extractors())
def test_discovered_catalog_matches_snapshot(tap, discovered, request):
    completed = discovered[tap]
    assert completed.returncode == 0, completed.stderr[-8000:]
    current = normalised(completed.stdout)
    snapshot = SNAPSHOTS / f"{tap}.json"
    if request.config.getoption("--update-catalogs"):
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(current)
        return
    assert snapshot.exists(), (
        f"no snapshot for {tap}; create it with: "
        ".venv/bin/pytest tests/test_catalogs.py --update-catalogs"
    )
    expected = snapshot.read_text()
    if current != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile=f"tests/catalogs/{tap}.json (committed)",
                tofile=f"{tap} --discover (now)",
            )
        )
        pytest.fail(
            f"discovered catalog of {tap} differs from its snapshot:\n{diff}\n"
            "If the change is intended: .venv/bin/pytest tests/test_catalogs.py --update-catalogs",
            pytrace=False,
        )


def test_every_extractor_has_a_snapshot_and_no_stale_one():
    snapshots = {p.stem for p in SNAPSHOTS.glob("*.json")}
    assert snapshots == set(project_extractors())
