"""The Meltano project's plugin definitions stay complete and in step with the taps.

Every extractor setting that a tap declares (``--about``) is declared in its
``meltano/*.meltano.yml`` with a label and a description, secrets are ``sensitive``,
nothing deprecated is used, and the Snowflake loader, which cannot run here, resolves
its whole configuration from the environment through ``meltano config list``.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml

from tests.meltano_run import ROOT, MeltanoProject

PLUGIN_FILES = sorted((ROOT / "meltano").glob("tap-*.meltano.yml"))


def _extractor(path: Path) -> dict:
    (plugin,) = yaml.safe_load(path.read_text())["plugins"]["extractors"]
    return plugin


@functools.cache
def _declared_by_every_tap() -> dict[str, dict]:
    """Each tap's own settings and capabilities, read in one fresh interpreter: in this one,
    the SDK suites collected beside this test have appended the SDK's built-in settings
    to the Tap classes."""
    classes = {}
    for plugin_file in PLUGIN_FILES:
        tap = _extractor(plugin_file)["name"]
        (script,) = [e for e in entry_points(group="console_scripts") if e.name == tap]
        module, _, attribute = script.value.partition(":")
        classes[tap] = (module, attribute.split(".")[0])
    code = (
        "import importlib, json, sys\n"
        "out = {}\n"
        "for tap, (module, name) in json.loads(sys.argv[1]).items():\n"
        "    cls = getattr(importlib.import_module(module), name)\n"
        "    out[tap] = {'settings': cls.config_jsonschema['properties'],\n"
        "                'capabilities': [str(c) for c in cls.capabilities]}\n"
        "print(json.dumps(out))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, json.dumps(classes)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: p.name.split(".")[0])
def test_plugin_settings_match_the_tap(path):
    plugin = _extractor(path)
    tap = _declared_by_every_tap()[plugin["name"]]
    declared = {s["name"]: s for s in plugin["settings"]}
    properties = tap["settings"]
    # The SDK's own batch_config (capability "batch") is declared too, so Meltano passes
    # TAP_X_BATCH_CONFIG on to the tap: it is how a run switches to BATCH files.
    assert declared.pop("batch_config")["kind"] == "object"
    assert "batch" in plugin["capabilities"]
    assert sorted(declared) == sorted(properties), "meltano settings differ from the tap's"
    for name, spec in properties.items():
        setting = declared[name]
        assert setting.get("label"), f"{name} has no label"
        assert setting.get("description"), f"{name} has no description"
        assert bool(setting.get("sensitive")) == bool(spec.get("secret")), name
        assert "kind" in setting and setting["kind"] != "password", name
    assert plugin["namespace"] == plugin["name"].replace("-", "_")
    # Editable installs from this repository only, the tap's own folder last.
    words = plugin["pip_url"].split()
    assert words[0::2] == ["-e"] * (len(words) // 2) and len(words) % 2 == 0, words
    assert words[-1] == f"./{plugin['name']}"
    assert plugin["executable"] == plugin["name"]
    assert set(plugin["capabilities"]) >= {"about", "catalog", "discover", "state"}
    assert set(plugin["capabilities"]) <= set(tap["capabilities"]) | {"discover"}


def test_project_uses_no_deprecated_keys():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    assert project["requires_meltano"] == ">=4.0"
    assert "version" not in project
    text = "\n".join(p.read_text() for p in [ROOT / "meltano.yml", *PLUGIN_FILES])
    assert "kind: password" not in text


@pytest.mark.e2e  # runs the meltano command
def test_snowflake_loader_is_configured_from_the_environment(tmp_path):
    env = {
        "SNOWFLAKE_ACCOUNT": "acme-eu1",
        "SNOWFLAKE_USER": "LOADER",
        "SNOWFLAKE_PASSWORD": "pw-never-printed-7731",
        "SNOWFLAKE_PRIVATE_KEY": "",
        "SNOWFLAKE_DATABASE": "RAW",
        "SNOWFLAKE_WAREHOUSE": "LOAD_WH",
        "SNOWFLAKE_ROLE": "LOADER_ROLE",
    }
    project = MeltanoProject(tmp_path, environment="prod")
    listed = project.run_ok("config", "list", "target-snowflake", env=env)
    output = listed.stdout + listed.stderr
    for setting, value in [
        ("account", "acme-eu1"),
        ("user", "LOADER"),
        ("database", "RAW"),
        ("warehouse", "LOAD_WH"),
        ("role", "LOADER_ROLE"),
    ]:
        assert f"{setting} [env: TARGET_SNOWFLAKE_{setting.upper()}] current value: '{value}'" in (
            output
        )
    assert "password [env: TARGET_SNOWFLAKE_PASSWORD] current value: (redacted)" in output
    assert env["SNOWFLAKE_PASSWORD"] not in output
    assert "deprecat" not in output.lower()
