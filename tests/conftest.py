"""Shared test helpers: the corpus fixtures (copies of ../shared/corpus, see fixtures/CORPUS.md)
and the stores built once per test process."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
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
