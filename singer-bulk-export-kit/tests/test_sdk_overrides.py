"""Fails loudly when a singer-sdk release changes a private method the kit replaces or
calls: read the new source, adapt ``sdk_overrides.py``, then refresh the fingerprint."""

import inspect

import pytest

from singer_bulk_export_kit.sdk_overrides import (
    SDK_CONFIG_FAILURE_LINE,
    SDK_PRIVATE_ATTRIBUTES,
    SDK_PRIVATE_SOURCES,
    SDK_SYNC_FAILURE_LINE,
    source_fingerprint,
)


@pytest.mark.parametrize(
    ("owner", "name"), list(SDK_PRIVATE_SOURCES), ids=lambda v: getattr(v, "__name__", v)
)
def test_the_sdk_source_the_overrides_rely_on_is_unchanged(owner, name):
    assert source_fingerprint(owner, name) == SDK_PRIVATE_SOURCES[(owner, name)], (
        f"singer-sdk changed {owner.__name__}.{name}: singer_bulk_export_kit/sdk_overrides.py "
        "replaces or calls it. Check the override against the new source, then update "
        "SDK_PRIVATE_SOURCES."
    )


@pytest.mark.parametrize("name", list(SDK_PRIVATE_ATTRIBUTES))
def test_each_private_attribute_is_set_by_a_fingerprinted_source(name):
    owner, method = SDK_PRIVATE_ATTRIBUTES[name]
    assert (owner, method) in SDK_PRIVATE_SOURCES
    assert f"self.{name} = " in inspect.getsource(getattr(owner, method))


def test_the_filtered_log_line_is_the_sdks():
    from singer_sdk import Stream

    assert f'"{SDK_SYNC_FAILURE_LINE} ' in inspect.getsource(Stream.sync)
    from singer_sdk.plugin_base import PluginBase, SingerCommand

    for source in (SingerCommand.invoke, PluginBase._validate_config):
        assert f'"{SDK_CONFIG_FAILURE_LINE}"' in inspect.getsource(source)


def test_only_the_overrides_module_names_private_sdk_parts():
    """No other module of the kit reaches into the SDK's private names."""
    import pathlib
    import re

    package = pathlib.Path(__file__).resolve().parents[1] / "singer_bulk_export_kit"
    private = re.compile(
        r"singer_sdk[\w.]*\._\w+|\._(?:request|session|sync_records|"
        r"generate_record_messages|increment_stream_state|write_state_message)\b"
    )
    offenders = [
        path.name
        for path in package.glob("*.py")
        if path.name != "sdk_overrides.py" and private.search(path.read_text())
    ]
    assert offenders == []
