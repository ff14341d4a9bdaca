"""``python -m release.hub [--check]``: Meltano Hub plugin definitions of every tap and loader,
generated from the plugins' own ``--about --format=json`` so they cannot drift.

One file per plugin, laid out as the hub lays them out: ``hub/extractors/tap-x/VARIANT.yml``,
``hub/loaders/target-x/VARIANT.yml``. Settings, capabilities and the description come from
``--about``; the ``pip_url`` from the package's name and version; label, domain and
keywords from ``[tool.meltano-hub]`` and ``[project]`` of its pyproject.toml; the groups of
settings that make a valid configuration from the tap's development definition
(``meltano/tap-x.meltano.yml``) or from ``[tool.meltano-hub]``. ``--check`` writes nothing
and exits 1 when a committed file differs from what would be generated.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
import typing as t
from pathlib import Path

import yaml

from release.packages import ROOT, Package, discover

VARIANT = "bulk-export-taps"
HUB = ROOT / "hub"
# Capabilities the hub knows (its extractor and loader schemas).
HUB_CAPABILITIES = {
    "about", "activate-version", "batch", "catalog", "discover", "hard-delete", "log-based",
    "properties", "schema-flattening", "state", "stream-maps", "structured-logging", "test",
}  # fmt: skip
PLUGIN_TYPES = {"tap": "extractors", "target": "loaders"}


def setting_kind(schema: dict[str, t.Any]) -> str:
    """Meltano's kind for a JSON schema property. Numbers are ``integer``: Meltano's
    ``decimal`` kind hands the plugin a value its JSON writer cannot serialise."""
    values = [v for v in schema.get("enum", []) if v is not None]
    if values and all(isinstance(v, str) for v in values):
        return "options"  # the hub's options are strings; other enums keep their type
    types = schema.get("type", "string")
    types = [types] if isinstance(types, str) else [x for x in types if x != "null"]
    kind = types[0] if types else "string"
    if kind == "string" and schema.get("format") in ("date", "date-time"):
        return "date_iso8601"
    return {"number": "integer"}.get(kind, kind)


def setting(name: str, schema: dict[str, t.Any]) -> dict[str, t.Any]:
    entry: dict[str, t.Any] = {
        "name": name,
        "label": schema.get("title") or name.replace("_", " ").capitalize(),
        "kind": setting_kind(schema),
        "description": schema.get("description", "").strip(),
    }
    if schema.get("secret"):
        entry["sensitive"] = True
    if entry["kind"] == "options":
        entry["options"] = [{"label": v, "value": v} for v in schema["enum"] if v]
    if schema.get("default") is not None:
        entry["value"] = schema["default"]
    return entry


def about(executable: str) -> dict[str, t.Any]:
    done = subprocess.run(
        [executable, "--about", "--format=json"], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def group_validation(package: Package, hub: dict[str, t.Any]) -> list[list[str]]:
    development = ROOT / "meltano" / f"{package.name}.meltano.yml"
    if development.exists():
        document = yaml.safe_load(development.read_text())
        for plugins in document["plugins"].values():
            for plugin in plugins:
                if plugin["name"] == package.name and "settings_group_validation" in plugin:
                    return plugin["settings_group_validation"]
    return hub.get("settings_group_validation", [[]])


def definition(package: Package, described: dict[str, t.Any]) -> dict[str, t.Any]:
    pyproject = tomllib.loads((package.folder / "pyproject.toml").read_text())
    hub = pyproject.get("tool", {}).get("meltano-hub", {})
    urls = pyproject["project"]["urls"]
    schema = described["settings"]
    document = {
        "name": package.name,
        "variant": VARIANT,
        "namespace": package.name.replace("-", "_"),
        "label": hub["label"],
        "description": described["description"],
        "keywords": ["meltano_sdk", *pyproject["project"].get("keywords", [])],
        "maintenance_status": "active",
        "repo": urls["Repository"],
        "docs": urls["Documentation"],
        "domain_url": hub.get("domain_url"),
        "pip_url": f"{package.name}=={package.version}",
        "executable": package.name,
        "capabilities": sorted(set(described["capabilities"]) & HUB_CAPABILITIES),
        "settings_group_validation": group_validation(package, hub),
        "settings": [setting(name, spec) for name, spec in schema["properties"].items()],
    }
    return {k: v for k, v in document.items() if v is not None}


def plugin_packages() -> list[Package]:
    return [p for p in discover() if p.name.split("-")[0] in PLUGIN_TYPES]


def path_of(package: Package) -> Path:
    return HUB / PLUGIN_TYPES[package.name.split("-")[0]] / package.name / f"{VARIANT}.yml"


def find_executable(name: str, bin_dirs: list[Path]) -> str:
    """The plugin's console script: in ``bin_dirs``, else this environment or the one
    Meltano installed it in (``.meltano/loaders/*/venv``)."""
    candidates = [
        *(d / name for d in bin_dirs),
        Path(sys.executable).parent / name,
        *sorted(ROOT.glob(f".meltano/*/*/venv/bin/{name}")),
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    raise SystemExit(f"ERROR {name} is not installed; run ./bin/setup first")


def render(document: dict[str, t.Any]) -> str:
    header = "# Generated by `python -m release.hub` from the plugin's --about: do not edit.\n"
    return header + yaml.safe_dump(document, sort_keys=False, width=100, allow_unicode=True)


def generate(bin_dirs: list[Path] = ()) -> dict[Path, str]:
    return {
        path_of(p): render(definition(p, about(find_executable(p.name, list(bin_dirs)))))
        for p in plugin_packages()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m release.hub", description=__doc__[:60])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    parser.add_argument("--bin-dir", type=Path, action="append", default=[],
                        help="look for the plugins' executables here first")  # fmt: skip
    args = parser.parse_args(argv)
    stale = []
    for path, text in generate(args.bin_dir).items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(ROOT))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"ERROR {path} is stale: run python -m release.hub", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
