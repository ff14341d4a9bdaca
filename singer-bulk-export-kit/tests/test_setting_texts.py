"""``setting_texts``: titles and descriptions from a package's settings.toml."""

from singer_bulk_export_kit.setting_texts import setting_texts


def test_texts_come_in_file_order_with_computed_values_filled_in(tmp_path, monkeypatch):
    package = tmp_path / "texts_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.toml").write_text(
        '[zone]\ntitle = "Zone"\ndescription = "One of $zones; JSON like {\\"a\\": 1} stays."\n\n'
        '[api_url]\ntitle = "API URL"\ndescription = "Where the API is ($missing kept)."\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    texts = setting_texts("texts_pkg", zones="UTC, CET")
    assert list(texts) == ["zone", "api_url"]
    assert texts["zone"] == ("Zone", 'One of UTC, CET; JSON like {"a": 1} stays.')
    assert texts["api_url"] == ("API URL", "Where the API is ($missing kept).")
