"""Private names of the SDK and of the upstream loader: the taps use none, the kit only in
``sdk_overrides.py`` and only those it fingerprints there, the loader only those its
``upstream.py`` fingerprints. A private name is one the upstream package defines (a
function, class, module, or an attribute it assigns: ``self._tap = tap``), so ``self._tap``,
``self._config`` or ``self._requests_session`` in a tap fail here; a tap's own ``_helpers``
pass unless they shadow an SDK name."""

from __future__ import annotations

import ast
import functools
import subprocess
from pathlib import Path

import pytest
import singer_sdk

from singer_bulk_export_kit import sdk_overrides

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "singer-bulk-export-kit" / "singer_bulk_export_kit"
TAPS = sorted(ROOT.glob("tap-*/tap_*"))
LOADER = ROOT / "loaders" / "target-postgres-plus" / "target_postgres_plus"
LOADER_PYTHON = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "python"


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and len(name) > 1


@functools.cache
def defined_private_names(package: Path) -> frozenset[str]:
    """Private names ``package`` defines: modules, functions, classes, module and class
    attributes, and attributes it assigns (locals of functions are not names of it)."""
    names = set()
    for path in package.rglob("*.py"):
        if is_private(path.stem):
            names.add(path.stem)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]
        for scope in scopes:
            for statement in scope.body:
                targets = getattr(statement, "targets", None) or [
                    getattr(statement, "target", None)
                ]
                names.update(t.id for t in targets if isinstance(t, ast.Name) and is_private(t.id))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if is_private(node.name):
                    names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.update([node.attr] if is_private(node.attr) else [])
    return frozenset(names)


def private_names_used(path: Path) -> list[tuple[int, str]]:
    """(line, name) of every private attribute read or written, method defined (it may
    override one) and private module or name imported in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    used = [
        (method.lineno, method.name)
        for cls in classes
        for method in cls.body
        if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) and is_private(method.name)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            used.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [alias.name for alias in node.names]
            parts = [part for module in modules for part in module.split(".")]
            used += [(node.lineno, part) for part in parts if is_private(part)]
    return used


def offenders(paths, upstream: frozenset[str], allowed=frozenset()) -> list[str]:
    """``file:line name`` of each name of ``upstream`` used in ``paths`` but not ``allowed``."""
    return [
        f"{path.parent.name}/{path.name}:{line} {name}"
        for path in sorted(paths)
        for line, name in private_names_used(path)
        if name in upstream and name not in allowed
    ]


SDK = Path(singer_sdk.__file__).parent


@pytest.mark.parametrize("package", TAPS, ids=lambda path: path.name)
def test_taps_use_no_private_sdk_name(package):
    assert offenders(package.rglob("*.py"), defined_private_names(SDK)) == []


def test_the_scan_catches_what_a_tap_must_not_use(tmp_path):
    (tmp_path / "streams.py").write_text(
        "from singer_sdk.helpers._util import utc_now\n"
        "class S(Stream):\n"
        "    def _sync_records(self):\n"
        "        return self._tap, self._config, self._requests_session, self._own\n"
    )
    found = offenders(tmp_path.glob("*.py"), defined_private_names(SDK))
    found = [entry.split(" ")[1] for entry in found]
    assert sorted(found) == ["_config", "_requests_session", "_sync_records", "_tap", "_util"]


def test_the_kit_uses_private_sdk_names_only_where_it_fingerprints_them():
    overrides = KIT / "sdk_overrides.py"
    fingerprinted = {name for _owner, name in sdk_overrides.SDK_PRIVATE_SOURCES}
    fingerprinted |= set(sdk_overrides.SDK_PRIVATE_ATTRIBUTES)
    fingerprinted |= {  # private modules the fingerprinted functions live in
        owner.__name__.rsplit(".", 1)[-1]
        for owner, _name in sdk_overrides.SDK_PRIVATE_SOURCES
        if not isinstance(owner, type)
    }
    sdk = defined_private_names(SDK)
    others = [path for path in KIT.rglob("*.py") if path != overrides]
    assert offenders(others, sdk) == []
    assert offenders([overrides], sdk, frozenset(fingerprinted)) == []


def test_the_loader_uses_upstream_private_names_only_where_it_fingerprints_them():
    if not LOADER_PYTHON.exists():
        pytest.fail("the loader is not installed: run ./bin/setup")
    site = next((LOADER_PYTHON.parents[1] / "lib").glob("python3*/site-packages"))
    upstream = defined_private_names(site / "singer_sdk") | defined_private_names(
        site / "target_postgres"
    )
    declared = subprocess.run(
        [LOADER_PYTHON, "-m", "target_postgres_plus.upstream", "--names"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "_connect" in declared
    assert offenders(LOADER.rglob("*.py"), upstream, frozenset(declared)) == []
