"""Shared, built-once artefacts of the packaging tests: one ``bin/build``, one venv per
install form, one Meltano project. Each is made once per test run, whichever xdist worker
asks first (a lock and a done-marker in the run's shared temporary folder), because a
build or a fresh environment costs seconds that every worker would otherwise pay again."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from release.packages import discover
from tests.meltano_run import ROOT
from tests.test_readme_commands import checked_script, readme_blocks

TAPS = [p for p in discover() if p.name.startswith("tap-")]
KIT = next(p for p in discover() if p.name == "singer-bulk-export-kit")
UV = str(Path(sys.executable).parent / "uv")


def outside_env(**extra: str) -> dict[str, str]:
    """An environment that knows nothing of this checkout: no venv, no PYTHONPATH, none of
    its folders on PATH, no tap or Meltano settings inherited from the test run."""
    path = [p for p in os.environ["PATH"].split(os.pathsep) if not p.startswith(str(ROOT))]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MELTANO_", "TAP_", "TARGET_", "VIRTUAL_ENV", "PYTHON"))
    }
    # PYTHONDONTWRITEBYTECODE is dropped with the rest: the first start of a tap compiles
    # what it imports, the later ones reuse it (cheaper than compiling whole venvs at install).
    return {**env, "PATH": os.pathsep.join(path), "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            **extra}  # fmt: skip


def run(command: t.Sequence[str], cwd: Path, timeout: float = 600, **extra: str):
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=outside_env(**extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's folder every xdist worker sees (the workers' basetemps are inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(shared_dir: Path, name: str, make: t.Callable[[Path], None]) -> Path:
    """``shared_dir/name``, made by ``make`` in the first worker that asks for it."""
    target = shared_dir / name
    with (shared_dir / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared_dir / f"{name}.done").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            make(target)
            (shared_dir / f"{name}.done").touch()
    return target


def build_as_the_readme_says(out: Path) -> None:
    """The README's ``build`` block as written (``./bin/build`` into the checkout's
    ``dist/``), then its ``dist/`` copied for this run."""
    run(["bash", "-c", checked_script(readme_blocks()["build"])], ROOT)
    shutil.copytree(ROOT / "dist", out, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def dist(shared_dir: Path) -> Path:
    """Every package built and checked by ``bin/build``."""
    return once(shared_dir, "dist", build_as_the_readme_says)


def make_venv(path: Path, dist: Path, *install_args: str) -> None:
    """A fresh venv (with pip, for ``pip freeze``) holding every tap, installed by name
    from ``dist`` (find-links) and the public index, never from this checkout."""
    run([UV, "venv", "--seed", "--python", sys.executable, path / "venv"], path)
    requirements = [f"{p.name}=={p.version}" for p in TAPS]
    run([UV, "pip", "install", "--python", path / "venv/bin/python", "--find-links", dist,
         *install_args, *requirements], path)  # fmt: skip


@pytest.fixture(scope="session")
def venvs(shared_dir: Path, dist: Path) -> dict[str, Path]:
    """``{"wheel": bin dir, "sdist": bin dir}``: the taps and the kit from their wheels, and
    from their sdists (built on the spot, as pip does for a source-only release)."""
    forms = {"wheel": "--only-binary", "sdist": "--no-binary"}
    return {
        form: once(
            shared_dir,
            f"{form}-venv",
            lambda path, flag=flag: make_venv(
                path, dist, *[a for p in [KIT, *TAPS] for a in (flag, p.name)]
            ),
        )
        / "venv/bin"
        for form, flag in forms.items()
    }
