"""``meltano run`` for the bench: the root project with a private system database and
run folder, settings as environment variables, and a timeout that stops the tap and the
loader too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import typing as t
from pathlib import Path

import yaml

from tests.meltano_run import ROOT, meltano_executable, private_sys_dir, setting_env


def declares(extractor: str, setting: str) -> bool:
    """Whether the extractor's plugin definition declares ``setting``: Meltano passes an
    override (``TAP_X_BATCH_CONFIG``) only for a declared setting and drops the others."""
    for path in sorted((ROOT / "meltano").glob("*.meltano.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for plugin in document.get("plugins", {}).get("extractors", []):
            if plugin.get("name") == extractor:
                return any(s.get("name") == setting for s in plugin.get("settings") or [])
    return False


def meltano_run(
    workdir: Path,
    tap: str,
    target: str,
    *,
    tap_settings: dict[str, t.Any],
    target_settings: dict[str, t.Any],
    env: dict[str, str] | None = None,
    timeout: float,
) -> None:
    """``meltano run tap target`` with its own system database and run folder in
    ``workdir`` (so no state from an earlier run); raises on a non-zero exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "MELTANO_DATABASE_URI": f"sqlite:///{workdir / 'meltano.db'}",
        "MELTANO_SYS_DIR_ROOT": str(private_sys_dir(workdir / ".meltano")),
        "MELTANO_ENVIRONMENT": "sandbox",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        **setting_env(tap, tap_settings),
        **setting_env(target, target_settings),
        **(env or {}),
    }
    # Its own session, so a timeout ends the tap and the target too, not only Meltano.
    process = subprocess.Popen(
        [meltano_executable(), "run", tap, target],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        message = f"meltano run {tap} {target} did not finish in {timeout:.0f} s"
        raise LoadTimeoutError(message) from None
    if process.returncode != 0:
        raise RuntimeError(
            f"meltano run {tap} {target} exited {process.returncode}\n{stderr[-4000:]}"
        )


class LoadTimeoutError(Exception):
    pass
