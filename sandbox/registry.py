"""Find the provider stand-ins: every module of this package that defines a
:class:`SandboxApp` subclass with a ``default_port`` is one provider."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import sandbox
from sandbox.core import SandboxApp

_INFRASTRUCTURE = {"core", "faults", "registry", "__main__"}

# Which tap talks to which stand-in (the demo and the catalog checks use it).
TAP_OF_PROVIDER = {
    "foodtrust": "tap-foodtrust-trace",
    "scantrust": "tap-scantrust",
    "mews": "tap-mews-exports",
    "scanalytics": "tap-scanalytics",
    "usaspending": "tap-usaspending-download",
}


def providers() -> dict[str, type[SandboxApp]]:
    """Provider name -> app class, for every stand-in module present."""
    found: dict[str, type[SandboxApp]] = {}
    for info in pkgutil.iter_modules(sandbox.__path__):
        if info.name in _INFRASTRUCTURE or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"sandbox.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, SandboxApp)
                and obj.__module__ == module.__name__
                and getattr(obj, "provider", False)
            ):
                found[obj.name] = obj
    return dict(sorted(found.items(), key=lambda item: item[1].default_port))
