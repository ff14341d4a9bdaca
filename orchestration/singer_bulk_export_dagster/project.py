"""What the code location needs from the Meltano project, read from its YAML files.

Reading the files (not `meltano config`) keeps loading the code location fast: Dagster
loads it in every run process.
"""

from __future__ import annotations

import json
import os
import typing as t
from dataclasses import dataclass
from pathlib import Path

import yaml


def project_root() -> Path:
    """The Meltano project: ``MELTANO_PROJECT_ROOT`` (Meltano's own variable), else the
    working directory."""
    return Path(os.environ.get("MELTANO_PROJECT_ROOT") or ".").resolve()


@dataclass(frozen=True)
class MeltanoProject:
    root: Path
    environment: str
    extractors: dict[str, dict[str, t.Any]]  # name -> plugin definition
    environment_config: dict[str, dict[str, t.Any]]  # extractor name -> env config

    def declares(self, extractor: str, setting: str) -> bool:
        settings = self.extractors.get(extractor, {}).get("settings") or []
        return any(item.get("name") == setting for item in settings)

    def setting(self, extractor: str, name: str) -> t.Any:
        """A setting as a partition list needs it: the variable, else the environment's
        config, else the plugin's default (``value``)."""
        variable = f"{extractor.upper().replace('-', '_')}_{name.upper()}"
        if os.environ.get(variable):
            raw = os.environ[variable]
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                return raw
        configured = self.environment_config.get(extractor, {})
        if name in configured:
            return configured[name]
        for item in self.extractors.get(extractor, {}).get("settings") or []:
            if item.get("name") == name:
                return item.get("value")
        return None


def load_project(root: Path | None = None) -> MeltanoProject:
    root = root or project_root()
    main = _read(root / "meltano.yml")
    extractors: dict[str, dict[str, t.Any]] = {}
    documents = [main] + [
        _read(path) for pattern in main.get("include_paths") or [] for path in root.glob(pattern)
    ]
    for document in documents:
        for plugin in (document.get("plugins") or {}).get("extractors") or []:
            extractors[plugin["name"]] = plugin
    environment = os.environ.get("MELTANO_ENVIRONMENT") or main.get("default_environment") or ""
    config: dict[str, dict[str, t.Any]] = {}
    for env in main.get("environments") or []:
        if env.get("name") == environment:
            plugins = ((env.get("config") or {}).get("plugins") or {}).get("extractors") or []
            config = {p["name"]: p.get("config") or {} for p in plugins}
    return MeltanoProject(root, environment, extractors, config)


def _read(path: Path) -> dict[str, t.Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}
