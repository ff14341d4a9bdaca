"""Root conftest: shared fixtures for every tap's tests and the project tests."""

pytest_plugins = ["tests.fixtures"]
