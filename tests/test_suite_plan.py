"""The suite's parallel plan holds: tests that share a module-scoped fixture (a browser,
a Dask cluster, a back-filled store) run on one pytest-xdist worker, so the fixture is
built once (tests/conftest.py groups them; ``--dist loadgroup`` in pyproject.toml)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def shared() -> object:
    return object()


def test_tests_sharing_a_module_fixture_are_one_group(
    shared: object, request: pytest.FixtureRequest
) -> None:
    # pytest-xdist tells the scheduler a test's group by a suffix on its id; with
    # pytest 9.2 that suffix silently stopped taking (pytest-xdist#1386).
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("runs under pytest-xdist's --dist loadgroup (the suite's default)")
    assert request.node.nodeid.endswith("@tests/test_suite_plan.py")
