"""Root conftest: shared fixtures for every tap's tests and the project tests."""

pytest_plugins = ["tests.fixtures"]


def pytest_addoption(parser):
    parser.addoption(
        "--update-catalogs",
        action="store_true",
        help="rewrite tests/catalogs/*.json from the current discovery output",
    )
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/outputs.json from the current sandbox output",
    )


def pytest_collection_modifyitems(config, items):
    """Tests on the stand-ins' fixed demo ports run one after another, in one xdist worker
    (``--dist loadgroup``): they would take each other's ports."""
    import pytest

    for item in items:
        if item.get_closest_marker("fixed_ports"):
            item.add_marker(pytest.mark.xdist_group("fixed_ports"))
