"""The store's small pieces: canonical meta serialization, blob ids, folder grouping."""

from __future__ import annotations

import subprocess

import pytest

from policywatch.model import canonical_json
from policywatch.store import blob_id, dump
from policywatch.store.layout import group_folders


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"id": "a", "payer": None, "n": 3, "ok": True, "no": False},
        {"text": 'quote " backslash \\ newline \n tab \t é 日本 \u2028 \x7f \x01'},
        {"nested": {"x": [1, 2]}, "b": "y"},
        {"float": 1.5},
    ],
)
def test_dump_is_canonical_json(data: dict[str, object]) -> None:
    assert dump(data) == canonical_json(data).encode("utf-8")


def test_blob_id_matches_git() -> None:
    data = b"policy text\n\x00\xff"
    out = subprocess.run(
        ["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True
    )
    assert blob_id(data) == out.stdout.decode().strip()


def test_group_folders_sorts_current_and_failed_files() -> None:
    folders = group_folders(
        {
            "p/a/source.pdf": "1",
            "p/a/policy.json": "2",
            "p/a/meta.json": "3",
            "p/a/failed/source.txt": "4",
            "p/a/failed/error.json": "5",
            "README.md": "6",
        }
    )
    folder = folders["p/a"]
    assert list(folders) == ["p/a"]
    assert (folder.raw_name, folder.raw_blob, folder.json_blob) == ("source.pdf", "1", "2")
    assert folder.failed_raw_name == "failed/source.txt"
    assert folder.has_policy
