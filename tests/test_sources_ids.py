"""Source ids → store folders (issue 12): lookalike Unicode ids keep distinct, stable
folders instead of silently losing letters, and every ASCII id keeps the folder
it always had, so existing stores go on working."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from policywatch.errors import ConfigError
from policywatch.sources import Source, load_sources, parse_sources, slugify

# Folders existing stores hold: these must never move.
ASCII_FOLDERS = {
    "bcbsla-00220": "bcbsla-00220",
    "BCBS LA / 00220": "bcbs-la-00220",
    "NICE_HTG241": "nice-htg241",
    "UHC 2024.0001": "uhc-2024-0001",
    "Aetna CPB 0001 (Rev. 3)": "aetna-cpb-0001-rev-3",
    "a..b": "a-b",
    "-rf": "rf",
    "x" * 200: "x" * 53 + "-aa20c23e32",
}


def config(ids: list[str]) -> str:
    tables = [
        f'[[source]]\nid = "{source_id}"\npayer = "P"\nurl = "https://example.org/{n}"'
        for n, source_id in enumerate(ids)
    ]
    return "\n\n".join(tables) + "\n"


@pytest.mark.parametrize(("source_id", "folder"), ASCII_FOLDERS.items())
def test_ascii_ids_keep_their_folders(source_id: str, folder: str) -> None:
    assert slugify(source_id) == folder


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("café-policy", "cafè-policy"),  # accents
        ("pоlicy-1", "pοlicy-1"),  # Cyrillic о and Greek ο, both like a Latin o
        ("pоlicy-1", "policy-1"),  # a lookalike and the ASCII id it imitates
        ("ﬁle-7", "file-7"),  # a ligature
        ("plan-١٢", "plan-12"),  # Arabic-Indic digits
    ],
)
def test_ids_differing_only_in_non_ascii_letters_get_distinct_folders(
    first: str, second: str
) -> None:
    # Before: both folded to one slug ("cafe-policy", "plicy-1") and the second
    # was refused as a clash, or a lone lookalike silently lost its letter.
    assert slugify(first) != slugify(second)
    sources = parse_sources(config([first, second]), base_dir=Path("."))
    assert len({s.store_dir for s in sources}) == 2


def test_a_lookalike_folder_is_stable_and_safe() -> None:
    # Pinned: a folder name must not move between versions.
    assert slugify("café-policy") == "cafe-policy-a41cd34c06"
    assert slugify("pоlicy-1") == "plicy-1-7577c82781"
    for source_id in ("café-policy", "pоlicy-1", "日本語のポリシー", "é" * 80):
        slug = slugify(source_id)
        assert slug.replace("-", "").isalnum() and slug.isascii() and len(slug) <= 64


def test_one_id_spelt_two_ways_is_one_folder_and_refused_as_a_clash() -> None:
    composed, decomposed = "caf\u00e9-policy", "cafe\u0301-policy"  # the same text to a reader
    assert slugify(composed) == slugify(decomposed)
    with pytest.raises(ConfigError, match="map to the same store folder 'cafe-policy-a41cd34c06'"):
        parse_sources(config([composed, decomposed]), base_dir=Path("."))


def test_payer_folders_fold_accents_as_they_always_have() -> None:
    source = Source(id="cafe-policy", payer="Mutuelle Générale", url="https://example.org/")
    assert source.store_dir == "mutuelle-generale/cafe-policy"


def test_a_fifo_sources_file_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "sources.toml"
    os.mkfifo(fifo)
    box: dict[str, BaseException] = {}

    def load() -> None:
        try:
            load_sources(fifo)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(3)
    if thread.is_alive():  # free the reader stuck in open(), then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO as the sources file blocked")
    assert isinstance(box.get("error"), ConfigError)
    assert str(box["error"]) == f"{fifo}: is a FIFO, socket or device, not a sources file"
