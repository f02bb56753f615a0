"""Shared test helpers: the corpus fixtures (copies of ../shared/corpus, see fixtures/CORPUS.md)
and the stores built once per test process."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.report_store import StoreTemplates

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = {
    "000": FIXTURES / "000_acbc92c6949fa60f.txt",
    "001": FIXTURES / "001_6079a787d4731699.txt",
    "002": FIXTURES / "002_42bae9da8cbeda42.txt",
    "003": FIXTURES / "003_d58e65a9d5ec7deb.txt",
    "004": FIXTURES / "004_de06c6c671f2f79f.txt",
}


@pytest.fixture(scope="session")
def corpus_text() -> dict[str, str]:
    return {key: path.read_text(encoding="utf-8") for key, path in CORPUS.items()}


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> StoreTemplates:
    """The back-filled sample store and the hostile store, built once, copied per use."""
    from tests.report_store import StoreTemplates

    return StoreTemplates(tmp_path_factory.mktemp("store-templates"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, for one test module. Not longer: while Playwright's sync API is open its
    event loop runs on this thread, and a later test's ``asyncio.run`` would fail."""
    from tests.browser_support import launch

    yield from launch()


def _write_bytecode() -> None:
    """Let this process and every child it starts keep compiled bytecode (``__pycache__``,
    gitignored). The suite starts dozens of ``policywatch`` processes (what cron does); on
    a machine that sets ``PYTHONDONTWRITEBYTECODE`` each would compile the package again,
    most of a second apiece. Python checks bytecode against its source, so edits count."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


_write_bytecode()  # before pytest-xdist starts its workers: they and their children inherit it


# -- running in parallel (pytest-xdist, ``-n auto --dist loadgroup`` in pyproject.toml) ----------

settings.register_profile(
    "policywatch", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("policywatch")  # a busy machine is no failure; example counts stay


# The longest tests (2-10 s each, mostly in child processes) start first, so the last
# seconds of a parallel run are not one worker finishing one of them alone.
START_FIRST = (
    "tests/test_store_safety.py::test_sigkill_at_random_moments_leaves_a_sound_store",
    "tests/test_readme.py::test_the_main_job_backfills_three_months_and_writes_the_report",
    "tests/test_store_safety.py::test_four_concurrent_snapshots_store_each_policy_once",
    "tests/test_history_correctness.py::test_a_read_only_store",
)


PER_MODULE = ("module", "class", "package")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that share a module- or class-scoped fixture (a browser, a back-filled store,
    parsed PDF editions) run on one worker, so it is built once; the others are spread
    one by one (session fixtures are built once per worker)."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        if any(d.scope in PER_MODULE for d in _fixture_definitions(item)):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    items.sort(key=lambda item: item.nodeid not in START_FIRST)  # stable: the rest keep order


def _fixture_definitions(item: pytest.Item) -> list[pytest.FixtureDef[object]]:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return [d for ds in info.name2fixturedefs.values() for d in ds]
