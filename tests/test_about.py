"""Every tap's ``--about`` page, text and markdown: no indented first lines (markdown
would show the page as a code block)."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import pytest

TAPS = [
    "tap-foodtrust-trace",
    "tap-mews-exports",
    "tap-scanalytics",
    "tap-scantrust",
    "tap-usaspending-download",
]


@pytest.mark.parametrize("name", TAPS)
def test_about_starts_with_a_heading_and_an_unindented_description(name, capsys):
    [script] = entry_points(group="console_scripts", name=name)  # "module:TapX.cli"
    module, attribute = script.value.split(":")
    tap_class = getattr(importlib.import_module(module), attribute.split(".")[0])
    tap_class.print_about("markdown")
    markdown = capsys.readouterr().out
    assert markdown.startswith(f"# `{name}`\n")
    description = markdown.split("## Capabilities")[0].splitlines()[1:]
    assert [line for line in description if line.startswith("    ")] == []
    assert any(line.strip() for line in description)
    tap_class.print_about(None)
    text = capsys.readouterr().out.splitlines()
    assert text[0] == f"Name: {name}" and text[1].startswith("Description: ")
