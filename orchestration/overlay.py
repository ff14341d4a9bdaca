"""A copy of the Meltano project whose extractors declare the SDK's `batch_config` setting.

Meltano passes a plugin only the settings it declares, so BATCH storage reaches a tap
through the environment (TAP_X_BATCH_CONFIG) only once its plugin definition
(meltano/tap-x.meltano.yml) declares `batch_config`. Until every tap's does, the tests and
the demo run this copy: the same files with the one setting added where missing, sharing
the project's installed plugins (.meltano/extractors, .meltano/loaders). Nothing is added
once the files declare it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.project import REPO_ROOT

BATCH_SETTING = {
    "name": "batch_config",
    "kind": "object",
    "label": "BATCH config",
    "description": "SDK BATCH messages: encoding and storage (root, e.g. s3://bucket/prefix).",
}


def batch_ready_project(dest: Path, source: Path = REPO_ROOT) -> Path:
    """Write the copy into ``dest`` (created) and return it."""
    dest.mkdir(parents=True, exist_ok=True)
    main = (source / "meltano.yml").read_text(encoding="utf-8")
    (dest / "meltano.yml").write_text(main, encoding="utf-8")
    for pattern in yaml.safe_load(main).get("include_paths") or []:
        for path in source.glob(pattern):
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_with_batch_setting(path.read_text(encoding="utf-8")), "utf-8")
    # The installed plugins are shared; run/ (config, catalogs, Mews journals) is the copy's own.
    sys_dir = dest / ".meltano"
    (sys_dir / "run").mkdir(parents=True, exist_ok=True)
    for entry in (source / ".meltano").iterdir():
        if entry.name not in ("run", "logs") and not (sys_dir / entry.name).exists():
            (sys_dir / entry.name).symlink_to(entry)
    return dest


def _with_batch_setting(text: str) -> str:
    document = yaml.safe_load(text) or {}
    extractors = (document.get("plugins") or {}).get("extractors") or []
    changed = False
    for plugin in extractors:
        settings = plugin.setdefault("settings", [])
        if "batch" in (plugin.get("capabilities") or []) and not any(
            item.get("name") == "batch_config" for item in settings
        ):
            settings.append(dict(BATCH_SETTING))
            changed = True
    return yaml.safe_dump(document, sort_keys=False) if changed else text
