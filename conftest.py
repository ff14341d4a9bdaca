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
