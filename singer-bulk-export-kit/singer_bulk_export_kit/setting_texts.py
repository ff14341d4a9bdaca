"""Each setting's title and description, read from the tap package's ``settings.toml``:
prose kept as data (``described_settings`` puts them on the properties)."""

import tomllib
from importlib.resources import files
from string import Template


def setting_texts(package: str, **values: str) -> dict[str, tuple[str, str]]:
    """name -> (title, description) from ``package``'s ``settings.toml``, in file order;
    ``$name`` in a description is filled from ``values`` (texts the tap computes)."""
    table = tomllib.loads(files(package).joinpath("settings.toml").read_text("utf-8"))
    return {
        name: (text["title"], Template(text["description"]).safe_substitute(values))
        for name, text in table.items()
    }
