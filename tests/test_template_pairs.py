"""Issue 11: a revision pair per payer template family, whose expected changes are golden data.

Each folder under ``golden_templates/`` is one family: ``old.txt`` and
``new.txt`` are extracted text in that publisher's layout (our own words: TABs
are table cells, ``# `` lines are headings as the PDF reader marks them), and
``expected.json`` holds what an analyst should see between them, written by
hand from the edit: the whole ordered change list (kind, action, severity,
field, summary) and ``silent_change``. ``format`` is the extractor the text
came from and ``furniture`` the page headers and footers it removed, either one
list for both versions or ``{"old": [...], "new": [...]}`` when the footer
changed. Every new.txt also carries edits that must not show up as changes
(reflowed lines, relettered criteria, renumbered references, page footers).

``text`` changes name the section the structure reads: a table row is never
a heading unless its first cell names a section, and a section inserted among
namesakes (each indication's "Initial Authorization") is added, not the others
rewritten. Word counts were counted by hand from the inserted and deleted
words.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policywatch.diff import diff_policies
from policywatch.extract import Extracted
from policywatch.model import Policy
from policywatch.parse import parse_extracted

ROOT = Path(__file__).parent / "golden_templates"
FAMILIES = (
    "uhc_medical",
    "uhc_pharmacy",
    "cigna_drug",
    "fep_drug",
    "centene",
    "aetna",
    "cms_ncd",
)
COMPARED = ("kind", "action", "severity", "field", "summary")

# Cases the engine gets wrong today: the expected data is what an analyst should
# see, so each passes once the bug is fixed (strict: an unexpected pass fails).
KNOWN_BUGS: dict[str, str] = {}  # family → why its pair is expected to fail


def load_expected(family: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / family / "expected.json").read_text(encoding="utf-8"))
    return data


def furniture(expected: dict[str, Any], version: str) -> list[str]:
    lines = expected.get("furniture", [])
    return list(lines[version] if isinstance(lines, dict) else lines)


def parse_version(family: str, version: str) -> Policy:
    expected = load_expected(family)
    text = (ROOT / family / f"{version}.txt").read_text(encoding="utf-8")
    extracted = Extracted(
        text=text, format=expected.get("format", "pdf"), furniture=furniture(expected, version)
    )
    return parse_extracted(extracted)


def actual_changes(family: str) -> tuple[list[dict[str, str]], bool]:
    result = diff_policies(parse_version(family, "old"), parse_version(family, "new"))
    changes = [{key: getattr(c, key) for key in COMPARED} for c in result.changes]
    return changes, result.silent_change


def case(family: str) -> Any:
    if family in KNOWN_BUGS:
        return pytest.param(
            family, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[family]), id=family
        )
    return pytest.param(family, id=family)


@pytest.mark.parametrize("family", [case(f) for f in FAMILIES])
def test_template_revision_pair(family: str) -> None:
    expected = load_expected(family)
    changes, silent = actual_changes(family)
    assert changes == expected["changes"]
    assert silent is expected["silent_change"]


def test_every_family_has_a_pair_and_nothing_else_is_there() -> None:
    folders = {p.name for p in ROOT.iterdir() if p.is_dir()}
    assert folders == set(FAMILIES)
    assert len(FAMILIES) == 7
    for family in FAMILIES:
        for name in ("old.txt", "new.txt", "expected.json"):
            assert (ROOT / family / name).is_file(), f"{family}/{name}"
        expected = load_expected(family)
        assert expected["format"] in ("pdf", "html", "text")
        assert expected["changes"], family  # every pair is a real revision
        for change in expected["changes"]:
            assert set(change) == set(COMPARED)


def test_each_old_and_new_version_parses_as_its_template() -> None:
    """The fixtures read as policies (title, number or coverage) before any diff."""
    for family in FAMILIES:
        for version in ("old", "new"):
            policy = parse_version(family, version)
            assert policy.title, f"{family}/{version}"
            assert policy.coverage, f"{family}/{version}"


def test_the_pairs_cover_the_kinds_of_revision_the_issue_names() -> None:
    changes = [c for f in FAMILIES for c in load_expected(f)["changes"]]
    seen = {(c["kind"], c["action"]) for c in changes}
    assert {
        ("coverage", "added"),
        ("coverage", "removed"),
        ("coverage", "modified"),
        ("code", "added"),
        ("code", "removed"),
        ("code", "modified"),
        ("date", "modified"),
        ("reference", "added"),
        ("reference", "removed"),
        ("history", "added"),
        ("metadata", "modified"),
    } <= seen
    assert any("→" in c["summary"] and "investigational" in c["summary"] for c in changes)
    assert any(load_expected(f)["silent_change"] for f in FAMILIES)
