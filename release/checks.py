"""What every built wheel and sdist must carry before it may leave the repository.

``twine check`` covers what the index refuses (the README renders, the metadata parses);
these cover what it accepts but a user cannot install or trust: a direct reference (a
``pkg @ file:///...`` requirement that only resolves on the machine that built it), a
dependency on one of our own packages that the version built beside it does not satisfy,
and missing license, README, project URLs or classifiers.
"""

from __future__ import annotations

import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from release.packages import Package

REQUIRED_URLS = ("Repository", "Changelog")


def read_metadata(archive: Path) -> tuple[Message, set[str]]:
    """The archive's core metadata (a wheel's METADATA, an sdist's PKG-INFO) and the names
    of the files it holds."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            names = set(wheel.namelist())
            (path,) = [n for n in names if n.endswith(".dist-info/METADATA")]
            text = wheel.read(path).decode()
    else:
        with tarfile.open(archive) as sdist:
            names = set(sdist.getnames())
            (path,) = [n for n in names if n.count("/") == 1 and n.endswith("/PKG-INFO")]
            text = sdist.extractfile(path).read().decode()
    return Parser().parsestr(text), names


def archive_problems(archive: Path, built: dict[str, str]) -> list[str]:
    """What is wrong with one wheel or sdist; ``built`` maps each of our distribution names
    to the version built beside it."""
    metadata, names = read_metadata(archive)
    problems = []
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.url:
            problems.append(f"direct reference {line!r}: the index refuses it")
        ours = built.get(canonicalize_name(requirement.name))
        if ours and not requirement.specifier.contains(ours, prereleases=True):
            problems.append(f"requires {line!r} but {requirement.name} {ours} is built")
    if not (metadata.get("License-Expression") or metadata.get("License")):
        problems.append("no license")
    for license_file in metadata.get_all("License-File") or []:
        if not any(n.endswith(f"/{license_file}") for n in names):
            problems.append(f"license file {license_file} is not in the archive")
    if not metadata.get_all("License-File"):
        problems.append("no license file")
    if not metadata.get_payload().strip():
        problems.append("no README (empty long description)")
    if metadata.get("Description-Content-Type") != "text/markdown":
        problems.append("the README is not declared as text/markdown")
    labels = {u.split(",")[0].strip() for u in metadata.get_all("Project-URL") or []}
    problems += [f"no {label} project URL" for label in REQUIRED_URLS if label not in labels]
    if not metadata.get_all("Classifier"):
        problems.append("no classifiers")
    return [f"{archive.name}: {p}" for p in problems]


def dist_problems(dist: Path, packages: list[Package]) -> list[str]:
    """Every package has one wheel and one sdist of its current version in ``dist``, and
    none of them has a problem."""
    built = {canonicalize_name(p.name): p.version for p in packages}
    problems = []
    for package in packages:
        stem = f"{package.file_stem}-{package.version}"
        archives = [*dist.glob(f"{stem}-*.whl"), *dist.glob(f"{stem}.tar.gz")]
        kinds = sorted(a.suffix for a in archives)
        if kinds != [".gz", ".whl"]:
            problems.append(f"{package.name} {package.version}: expected one wheel and one sdist")
        for archive in archives:
            problems += archive_problems(archive, built)
    return problems
