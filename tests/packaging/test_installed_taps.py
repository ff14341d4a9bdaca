"""Each tap installed outside the checkout, from its wheel and from its sdist (kit included),
by name from ``dist/`` and the public index: ``--version``, ``--about``, ``--discover`` and
a sync against its stand-in, with the same records as the golden output. ``pip freeze``
names no local path, and the Hub definitions match what the installed taps declare.

Slow (one build and two fresh venvs for the whole run, shared across workers): e2e.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from release import hub
from tests import golden
from tests.packaging.conftest import TAPS, UV, run
from tests.test_record_schemas import CASES, JOURNALLED

pytestmark = pytest.mark.e2e

FORMS = ["wheel", "sdist"]


def all_selected(catalog: dict) -> dict:
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = True
    return catalog


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("package", TAPS, ids=lambda p: p.name)
def test_tap_installed_from_its_archive_runs_outside_the_checkout(
    package, form, venvs, serve, tmp_path
):
    tap = str(venvs[form] / package.name)
    version = run([tap, "--version"], tmp_path).stdout
    assert version.startswith(f"{package.name} v{package.version}, Meltano SDK v0.54."), version
    about = json.loads(run([tap, "--about", "--format=json"], tmp_path).stdout)
    assert (about["name"], about["version"]) == (package.name, package.version)

    make_app, overrides, expected = CASES[package.name]
    config = {**serve(make_app()).app.demo_config(), **overrides}
    if package.name in JOURNALLED:
        config["journal_path"] = str(tmp_path / "journal.json")
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = json.loads(run([tap, "--config", "config.json", "--discover"], tmp_path).stdout)
    assert {s["tap_stream_id"] for s in catalog["streams"]} == set(expected)
    (tmp_path / "catalog.json").write_text(json.dumps(all_selected(catalog)))

    synced = run([tap, "--config", "config.json", "--catalog", "catalog.json"], tmp_path)
    messages = [json.loads(line) for line in synced.stdout.splitlines() if line.strip()]
    assert golden.digests(package.name, messages) == golden.load()[package.name]


@pytest.mark.parametrize("form", FORMS)
def test_installed_environment_names_no_local_path(form, venvs, dist, tmp_path):
    frozen = run([venvs[form] / "python", "-m", "pip", "freeze"], tmp_path).stdout
    assert frozen.count("==") == len(frozen.splitlines()), frozen  # name==version only
    assert "file:" not in frozen and " @ " not in frozen and str(dist) not in frozen
    ours = {line.split("==")[0] for line in frozen.splitlines()}
    assert ours >= {p.name for p in TAPS} | {"singer-bulk-export-kit"}
    # The checkout is nowhere on the installed taps' import path.
    path = run([venvs[form] / "python", "-c", "import sys; print(sys.path)"], tmp_path).stdout
    assert str(hub.ROOT) not in path


def test_hub_definitions_match_the_installed_taps(venvs):
    """What ``python -m release.hub`` would write from the wheels' own ``--about`` is what
    is committed (the loader's from its Meltano environment)."""
    checked = subprocess.run(
        [hub.sys.executable, "-m", "release.hub", "--check", "--bin-dir", str(venvs["wheel"])],
        cwd=hub.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert len(list(hub.HUB.glob("*/*/*.yml"))) == len(TAPS) + 1  # every tap and the loader


def test_git_url_form_installs_the_tap_with_the_kit(tmp_path):
    """The README's git-URL ``pip_url`` (the kit's URL beside the tap's), from a local
    ``file://`` clone of this repository's committed HEAD; ``pip freeze`` records both by
    their git URL and commit, never a temporary build folder."""
    repository = f"git+file://{hub.ROOT}"
    pip_url = [
        f"singer-bulk-export-kit@{repository}#subdirectory=singer-bulk-export-kit",
        f"tap-scantrust@{repository}#subdirectory=tap-scantrust",
    ]
    run([UV, "venv", "--seed", "--python", sys.executable, tmp_path / "venv"], tmp_path)
    run([UV, "pip", "install", "--python", tmp_path / "venv/bin/python", *pip_url], tmp_path)
    version = run([tmp_path / "venv/bin/tap-scantrust", "--version"], tmp_path).stdout
    assert version.startswith("tap-scantrust v"), version
    frozen = run([tmp_path / "venv/bin/python", "-m", "pip", "freeze"], tmp_path).stdout
    ours = sorted(line for line in frozen.splitlines() if "@ git+" in line)
    assert [line.split(" @ ")[0] for line in ours] == ["singer-bulk-export-kit", "tap-scantrust"]
    assert all(line.split(" @ ")[1].startswith(f"{repository}@") for line in ours), ours
    assert "file:" not in "\n".join(set(frozen.splitlines()) - set(ours))
