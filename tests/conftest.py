"""Shared test helpers: the corpus fixtures (copies of ../shared/corpus, see fixtures/CORPUS.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
