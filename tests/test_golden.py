"""Golden diff cases: every folder under tests/golden/ is old.txt, new.txt, expected.json.

The full change list is asserted, in order (kind, action, severity, field,
summary), plus ``silent_change``: a case passes only if the engine reports
exactly the expected changes and nothing else.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from policywatch.diff import diff_policies
from policywatch.parse import parse_file
from tests.golden.make_cases import CASES, write_cases

GOLDEN = Path(__file__).parent / "golden"
CASE_DIRS = sorted(p for p in GOLDEN.iterdir() if (p / "expected.json").exists())
COMPARED = ("kind", "action", "severity", "field", "summary")


def load_expected(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return data


def actual_changes(case: Path) -> tuple[list[dict[str, str]], bool]:
    result = diff_policies(parse_file(case / "old.txt"), parse_file(case / "new.txt"))
    changes = [{key: getattr(c, key) for key in COMPARED} for c in result.changes]
    return changes, result.silent_change


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_golden_case(case: Path) -> None:
    expected = load_expected(case)
    changes, silent = actual_changes(case)
    assert changes == expected["changes"]
    assert silent is expected["silent_change"]


def test_every_generated_case_has_expected_changes_and_vice_versa() -> None:
    assert {c.name for c in CASES} == {p.name for p in CASE_DIRS}


def test_case_inputs_are_what_the_generator_makes() -> None:
    assert write_cases(check=True) == []


def test_the_cases_cover_what_the_issue_asks() -> None:
    cases = {p.name: load_expected(p) for p in CASE_DIRS}
    assert len(cases) >= 15
    assert {data["source"] for data in cases.values()} == {"000", "001", "002", "003", "004"}
    noise = [name for name, data in cases.items() if not data["changes"]]
    assert len(noise) >= 3
    seen = Counter((c["kind"], c["action"]) for data in cases.values() for c in data["changes"])
    kinds = ("coverage", "code", "evidence", "date", "reference", "history", "metadata", "text")
    assert {(k, a) for k in kinds for a in ("added", "removed", "modified")} <= set(seen)
    assert any(data["silent_change"] for data in cases.values())
    summaries = [c["summary"] for data in cases.values() for c in data["changes"]]
    assert any("split into 2 statements" in s for s in summaries)
    assert "ICD-10-CM C22.0-C22.9 → C22.0-C22.8: drops C22.9" in summaries
