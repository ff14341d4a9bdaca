"""The README's settings table is the one ``--about --format=markdown`` prints."""

import subprocess
from pathlib import Path

from tests.singer_run import executable

README = Path(__file__).resolve().parent.parent / "README.md"


def _table(markdown: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index("| Setting | Required | Default | Description |")
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


def test_readme_settings_table_matches_about():
    about = subprocess.run(
        [executable("tap-foodtrust-trace"), "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    generated = _table(about)
    assert len(generated) > 9  # header, rule and the tap's 7 settings at least
    assert _table(README.read_text()) == generated, (
        "README settings table is stale: paste `tap-foodtrust-trace --about "
        "--format=markdown`'s table into tap-foodtrust-trace/README.md"
    )
