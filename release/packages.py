"""The repository's packages: every folder with a pyproject.toml other than the root."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Folders that hold environments, caches or build output, never a package of ours.
SKIPPED = {"dist", "build", "output", "node_modules", "__pycache__", "site-packages"}


@dataclass(frozen=True)
class Package:
    folder: Path
    name: str
    version: str
    dependencies: tuple[str, ...]

    @property
    def file_stem(self) -> str:
        """The distribution name as wheel and sdist file names spell it."""
        return self.name.replace("-", "_").replace(".", "_").lower()


def read_package(folder: Path) -> Package:
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    return Package(
        folder=folder,
        name=project["name"],
        version=project["version"],
        dependencies=tuple(project.get("dependencies", [])) + tuple(d for e in extras for d in e),
    )


def discover(root: Path = ROOT) -> list[Package]:
    """Every package under ``root``, sorted by folder (the kit before the taps that need it
    does not matter: each is built on its own)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED)
        if "pyproject.toml" in files and Path(folder) != root:
            found.append(read_package(Path(folder)))
    return sorted(found, key=lambda p: p.folder)
