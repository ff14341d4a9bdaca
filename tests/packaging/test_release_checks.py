"""bin/build's checks (release.checks) and the Hub generator's setting kinds, on small
archives and schemas made here (fast: no build, no venv)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from release.checks import archive_problems, dist_problems
from release.hub import setting_kind
from release.packages import ROOT, discover

GOOD = """Metadata-Version: 2.4
Name: tap-demo
Version: 0.1.0
Summary: A demo tap.
Project-URL: Repository, https://example.org/repo
Project-URL: Changelog, https://example.org/repo/CHANGELOG.md
License-Expression: Apache-2.0
License-File: LICENSE
Classifier: Programming Language :: Python :: 3
Requires-Dist: singer-bulk-export-kit<0.3,>=0.2
Requires-Dist: requests>=2.32
Description-Content-Type: text/markdown

# tap-demo

What it does.
"""
BUILT = {"singer-bulk-export-kit": "0.2.0", "tap-demo": "0.1.0"}


def wheel(tmp_path: Path, metadata: str, with_license: bool = True) -> Path:
    path = tmp_path / "tap_demo-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tap_demo-0.1.0.dist-info/METADATA", metadata)
        if with_license:
            archive.writestr("tap_demo-0.1.0.dist-info/licenses/LICENSE", "Apache")
    return path


def sdist(tmp_path: Path, metadata: str) -> Path:
    path = tmp_path / "tap_demo-0.1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, text in [("PKG-INFO", metadata), ("LICENSE", "Apache")]:
            data = text.encode()
            info = tarfile.TarInfo(f"tap_demo-0.1.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_complete_wheel_and_sdist_pass(tmp_path):
    assert archive_problems(wheel(tmp_path, GOOD), BUILT) == []
    assert archive_problems(sdist(tmp_path, GOOD), BUILT) == []


def test_a_direct_reference_is_refused(tmp_path):
    """The issue's defect: the kit named by the folder the tap was built in."""
    metadata = GOOD.replace(
        "Requires-Dist: singer-bulk-export-kit<0.3,>=0.2",
        "Requires-Dist: singer-tap-kit @ file:///tmp/build/singer-tap-kit",
    )
    assert archive_problems(sdist(tmp_path, metadata), BUILT) == [
        "tap_demo-0.1.0.tar.gz: direct reference "
        "'singer-tap-kit @ file:///tmp/build/singer-tap-kit': the index refuses it"
    ]


def test_a_range_that_excludes_the_kit_built_beside_it_is_refused(tmp_path):
    metadata = GOOD.replace("singer-bulk-export-kit<0.3,>=0.2", "singer-bulk-export-kit>=0.3")
    assert archive_problems(wheel(tmp_path, metadata), BUILT) == [
        "tap_demo-0.1.0-py3-none-any.whl: requires 'singer-bulk-export-kit>=0.3' but "
        "singer-bulk-export-kit 0.2.0 is built"
    ]


def test_missing_license_readme_urls_and_classifiers_are_each_named(tmp_path):
    header, _, _ = GOOD.partition("\n\n")
    kept = [
        line
        for line in header.splitlines()
        if not line.startswith(("License", "Project-URL", "Classifier", "Description"))
    ]
    assert archive_problems(wheel(tmp_path, "\n".join(kept) + "\n\n", False), BUILT) == [
        f"tap_demo-0.1.0-py3-none-any.whl: {problem}"
        for problem in [
            "no license",
            "no license file",
            "no README (empty long description)",
            "the README is not declared as text/markdown",
            "no Repository project URL",
            "no Changelog project URL",
            "no classifiers",
        ]
    ]


def test_a_missing_archive_is_named(tmp_path):
    kit = next(p for p in discover() if p.name == "singer-bulk-export-kit")
    assert dist_problems(tmp_path, [kit]) == [
        f"singer-bulk-export-kit {kit.version}: expected one wheel and one sdist"
    ]


def test_every_package_is_discovered_and_nothing_from_environments():
    found = {p.folder.relative_to(ROOT).as_posix(): p.name for p in discover()}
    assert {k: v for k, v in found.items() if not k.startswith("orchestration")} == {
        "loaders/target-postgres-plus": "target-postgres-plus",
        "singer-bulk-export-kit": "singer-bulk-export-kit",
        "tap-foodtrust-trace": "tap-foodtrust-trace",
        "tap-mews-exports": "tap-mews-exports",
        "tap-scanalytics": "tap-scanalytics",
        "tap-scantrust": "tap-scantrust",
        "tap-usaspending-download": "tap-usaspending-download",
    }


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ({"type": ["string", "null"]}, "string"),
        ({"type": ["string"], "format": "date-time"}, "date_iso8601"),
        ({"type": ["string", "null"], "format": "date"}, "date_iso8601"),
        ({"type": ["number", "null"]}, "integer"),  # Meltano's decimal cannot reach a plugin
        ({"type": ["integer", "null"], "enum": [0, 1, 2]}, "integer"),
        ({"type": ["string", "null"], "enum": ["a", "b", None]}, "options"),
        ({"type": "array"}, "array"),
        ({"type": ["object", "null"]}, "object"),
        ({"type": ["boolean", "null"]}, "boolean"),
    ],
)
def test_setting_kinds(schema, kind):
    assert setting_kind(schema) == kind
