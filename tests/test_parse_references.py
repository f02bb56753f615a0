"""Issue 11 item 5: reference lists in any numbering style, counted by entry
(fixtures written in each layout, with our own words)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.extract import Extracted
from policywatch.model import Reference
from policywatch.parse import parse_extracted

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
HARLOW = (
    "Harlow PJ, Ostrander K. A trial of velomarab in nasal polyposis. J Sinus Res. 2019;4:11-19."
)


def references(name: str) -> list[Reference]:
    text = (TEMPLATES / f"references_{name}.txt").read_text(encoding="utf-8")
    return parse_extracted(Extracted(text=text, format="pdf")).references


@pytest.mark.parametrize("style", ["parenthesised", "bracketed", "close_paren", "bulleted"])
def test_each_numbering_style(style: str) -> None:
    refs = references(style)
    assert len(refs) == 3
    assert refs[0].citation == HARLOW
    assert refs[2].citation.startswith("Tanaka R. Sinus disease in children.")


def test_wrapped_citation_stays_one_entry() -> None:
    refs = references("bulleted")
    assert refs[1].citation == (
        "Quill ME. Managing polyposis after surgery: a practice parameter update for surgeons "
        "and allergists. Rhinol Today. 2021;8:40-52."
    )


def test_numbered_heading_ends_at_next_numbered_heading() -> None:
    refs = references("numbered_heading")
    assert [r.citation.split(" ")[0] for r in refs] == ["Harlow", "Quill", "Tanaka"]
    assert refs[1].citation.endswith("for surgeons and allergists. Rhinol Today. 2021;8:40-52.")


def test_skipped_number_glued_entry_and_page_range_line() -> None:
    refs = references("skipped_number")
    assert [r.citation.split(" ")[0] for r in refs] == [
        "Harlow",
        "Quill",
        "Tanaka",
        "Okafor",
        "Brandt",
        "Ivanova",
        "Example",
    ]
    assert refs[2].citation.endswith("with an extended discussion 57. PMID: 32345678.")
    assert refs[2].pmid == "32345678"
    assert refs[1].pmid == "31234567"
    assert refs[3].citation == (
        "Okafor N, Lind S. Surgery or antibodies for polyposis. Sinus Surg. 2022;3:1-8."
    )
    assert (
        refs[4].citation
        == "Brandt U. Costs of nasal polyposis care. Health Econ Sinus. 2023;1:2-3."
    )
