"""`policywatch parse`: output formats, canonical JSON, and clear errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from policywatch.cli import main
from policywatch.model import (
    CODE_SYSTEMS,
    STATUSES,
    Code,
    Coverage,
    Dates,
    Evidence,
    HistoryEntry,
    Policy,
    Reference,
    Section,
)
from policywatch.parse import parse_file
from tests.conftest import CORPUS


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("key", sorted(CORPUS))
def test_parse_json_is_canonical_and_round_trips(key: str) -> None:
    code, out, _ = run("parse", str(CORPUS[key]))
    assert code == 0
    assert out.endswith("}\n")
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n" == out
    assert Policy.from_json(out).to_json() == out


def test_parse_text_summary_for_an_analyst() -> None:
    code, out, _ = run("parse", str(CORPUS["001"]), "--format", "text")
    assert code == 0
    assert out.splitlines()[0] == "Cryosurgical Ablation of Primary or Metastatic Liver Tumors"
    assert "Payer: Blue Cross and Blue Shield of Louisiana" in out
    assert "effective 2024-07-08" in out
    assert "  - primary or metastatic tumors in the liver: investigational" in out
    assert "  CPT: 47371 47381 47383 76940" in out
    assert "meta analysis 2" in out
    assert "References: 36 (35 with PMID)" in out
    assert "History entries: 36" in out


def _expect_error(path: Path | str, message: str) -> None:
    code, out, err = run("parse", str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in err


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    _expect_error(empty, "empty document")
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b" \n\t\n")
    _expect_error(blank, "empty document")


def test_binary_garbage(tmp_path: Path) -> None:
    garbage = tmp_path / "policy.txt"
    garbage.write_bytes(bytes(range(256)) * 64)
    _expect_error(garbage, "binary data")


def test_missing_path_and_directory(tmp_path: Path) -> None:
    _expect_error(tmp_path / "nope.txt", "no such file")
    _expect_error(tmp_path, "is a directory")


def test_twenty_megabyte_file_is_refused_quickly(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    block = CORPUS["002"].read_bytes()
    with huge.open("wb") as out:
        while out.tell() < 20_000_000:
            out.write(block)
    _expect_error(huge, "over the 10 MB limit")


def test_text_that_is_not_a_policy(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Lunch at noon.\n")
    _expect_error(note, "too little text")


def test_cp1252_text_is_decoded_not_rejected(tmp_path: Path) -> None:
    original = CORPUS["002"].read_text(encoding="utf-8")
    assert "’" in original or "®" in original
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes(original.encode("cp1252", errors="strict"))
    assert parse_file(legacy).to_json() == parse_file(CORPUS["002"]).to_json()


def test_hostile_markup_is_plain_text(tmp_path: Path) -> None:
    hostile = (
        CORPUS["003"]
        .read_text(encoding="utf-8")
        .replace(
            "Cryosurgical ablation of either primary",
            "<script>alert(1)</script> {{ 7*7 }} Cryosurgical ablation of either primary",
            1,
        )
    )
    path = tmp_path / "hostile.txt"
    path.write_text(hostile)
    statement = parse_file(path).coverage[0]
    assert "<script>alert(1)</script> {{ 7*7 }}" in statement.text
    assert statement.status == "investigational"


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
optional = st.none() | text
dates = st.builds(Dates, original_effective=optional, effective=optional, next_review=optional)
policies = st.builds(
    Policy,
    title=optional,
    payer=optional,
    policy_number=optional,
    dates=dates,
    coverage=st.lists(st.builds(Coverage, text, st.sampled_from(STATUSES), text), max_size=4),
    codes=st.lists(
        st.builds(Code, st.sampled_from(CODE_SYSTEMS), text, optional, st.none()), max_size=4
    ),
    evidence=st.lists(
        st.builds(
            Evidence,
            text,
            st.dictionaries(text, st.none() | st.integers(0, 50) | text, max_size=3),
        ),
        max_size=3,
    ),
    references=st.lists(st.builds(Reference, text, optional), max_size=3),
    history=st.lists(st.builds(HistoryEntry, text, text, optional), max_size=3),
    sections=st.lists(st.builds(Section, text, text), max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(policy=policies)
def test_serialization_round_trip_is_byte_identical(policy: Policy) -> None:
    first = policy.to_json()
    again = Policy.from_json(first)
    assert again == policy
    assert again.to_json() == first
