"""Issue 2 acceptance: each corpus document parses to what its text says."""

from __future__ import annotations

from functools import cache

import pytest

from policywatch.model import Policy
from policywatch.parse import parse_file
from tests.conftest import CORPUS


@cache
def parsed(key: str) -> Policy:
    return parse_file(CORPUS[key])


def codes(policy: Policy, system: str) -> list[str]:
    return [c.code for c in policy.codes if c.system == system]


def evidence(policy: Policy, word: str) -> dict[str, object]:
    matches = [e.counts for e in policy.evidence if word in e.population]
    assert len(matches) == 1, (word, [e.population for e in policy.evidence])
    return matches[0]


def test_000_bcbsa_plan_copy() -> None:
    p = parsed("000")
    assert p.title == "Cryosurgical Ablation of Primary or Metastatic Liver Tumors"
    assert p.policy_number is not None and "70175HB" in p.policy_number
    assert [c.status for c in p.coverage] == ["investigational"]
    assert p.coverage[0].text.startswith("Cryosurgical ablation of either primary or metastatic")
    assert codes(p, "CPT") == ["47371", "47381", "47383", "76940"]
    assert codes(p, "ICD-10-PCS") == ["0F500ZZ", "0F503ZZ", "0F504ZZ"]
    assert {"C22.0-C22.9", "C78.7"} <= set(codes(p, "ICD-10-CM"))
    assert codes(p, "ICD-9-PCS") == ["50.23", "50.24", "50.25", "50.29"]
    assert "155.0" in codes(p, "ICD-9-CM")
    assert "197.7" in codes(p, "ICD-9-CM")  # split out of the garbled cell "C78.7197.7"
    rng = next(c for c in p.codes if c.code == "C22.0-C22.9")
    assert rng.range == ["C22.0", "C22.9"]
    assert rng.description == "Malignant neoplasm of liver and intrahepatic bile duct"
    assert len(p.evidence) == 3
    hcc = evidence(p, "hepatocellular")
    assert hcc == {"rct": 1, "nonrandomized_comparative": "several", "noncomparative": "multiple"}
    assert "meta_analysis" not in hcc
    assert evidence(p, "colorectal")["rct"] == 1
    assert evidence(p, "neuroendocrine") == {"systematic_review": 1, "case_series": None}
    assert len(p.references) == 36
    assert sum(1 for r in p.references if r.pmid) == 35
    assert p.references[13].pmid == "19821432"
    assert [h.date for h in p.history] == ["2024-01-01"]
    assert p.dates.effective is None


def test_001_louisiana_pdf_markdown() -> None:
    p = parsed("001")
    assert p.title == "Cryosurgical Ablation of Primary or Metastatic Liver Tumors"
    assert p.policy_number == "00220"
    assert p.payer is not None and "Louisiana" in p.payer
    assert p.dates.original_effective == "2007-06-20"
    assert p.dates.effective == "2024-07-08"
    assert p.dates.next_review == "2025-06"
    assert [c.status for c in p.coverage] == ["investigational"]
    assert p.coverage[0].indication == parsed("000").coverage[0].indication
    assert codes(p, "CPT") == ["47371", "47381", "47383", "76940"]
    assert codes(p, "HCPCS") == []
    assert {c.system for c in p.codes} == {"CPT"}  # "All related Diagnoses" is no code
    hcc = evidence(p, "hepatocellular")
    assert hcc == {
        "meta_analysis": 2,
        "rct": 1,
        "nonrandomized_comparative": "several",
        "noncomparative": "multiple",
    }
    assert len(p.references) == 36
    assert sum(1 for r in p.references if r.pmid) == 35
    dates = [h.date for h in p.history]
    assert len(dates) == 36
    assert {"2007-06-13", "2015-08-03", "2024-06-12"} <= set(dates)
    assert p.history[0].action == "Medical Director review"


def test_001_page_furniture_is_gone_and_cut_sentences_rejoined() -> None:
    p = parsed("001")
    for section in p.sections:
        for text in (section.heading, section.text):
            assert "©2024" not in text
            assert "No part of this publication" not in text
            assert "independent licensee" not in text
    mechanisms = next(s.text for s in p.sections if "frozen by at least 3 mechanisms" in s.text)
    assert "at least 3 mechanisms: (1) formation" in mechanisms
    summary = next(s.text for s in p.sections if s.heading == "Summary of Evidence")
    assert "however, these studies were subject to bias" in summary
    # the policy number and dates appear once, in the document's own header
    header_lines = [s for s in p.sections if "Policy # 00220" in s.text]
    assert len(header_lines) == 1


def test_002_regional_plan_criteria() -> None:
    p = parsed("002")
    assert p.title == "Cryosurgical Ablation of Miscellaneous Solid Tumors Outside of the Liver"
    assert p.dates.effective == "2023-02-01"
    assert p.dates.next_review == "2023-11"
    assert p.dates.last_review == "2022-12"
    assert p.dates.original_effective == "2004-03"
    necessary = [c.indication for c in p.coverage if c.status == "medically_necessary"]
    assert necessary == [
        "malignant dermatologic tumors",
        "uveal melanoma",
        "kidney tumors",
        "prostate tumors",
        "cervical intraepithelial neoplasia",
        "lung cancer",
    ]
    assert [c.status for c in p.coverage].count("investigational") == 1
    lung = next(c for c in p.coverage if c.indication == "lung cancer")
    assert "non-small cell lung cancer" in lung.text  # sub-criteria stay in their statement
    assert "central airway obstructing lesion" in lung.text
    assert codes(p, "CPT") == [
        "0581T",
        "17260-17286",
        "19105",
        "20983",
        "31641",
        "32994",
        "50250",
        "50542",
        "50593",
        "55873",
        "57511",
    ]
    assert codes(p, "HCPCS") == []
    assert len(p.references) == 97
    assert sum(1 for r in p.references if r.pmid) == 89
    wrapped = p.references[69]  # reference 70 wraps onto a line of its own
    assert wrapped.pmid == "26230972" and "ECLIPSE" in wrapped.citation


def test_003_massachusetts_hard_wrapped_pdf_text() -> None:
    p = parsed("003")
    assert p.policy_number == "633"
    assert p.reference_number == "7.01.75"
    assert [c.status for c in p.coverage] == ["investigational"]
    assert codes(p, "CPT") == ["47371", "47381", "47383"]
    hcc = evidence(p, "hepatocellular")
    assert hcc["rct"] == 1 and "meta_analysis" not in hcc
    assert p.references == []
    dates = [h.date for h in p.history]
    # 22 dated rows; the row dated "11/2011-" / "4/2012" is one entry spanning both.
    assert len(dates) == 22
    assert dates[0] == "2020-11" and dates[-1] == "2008-01"
    span = next(h for h in p.history if h.end_date)
    assert (span.date, span.end_date) == ("2011-11", "2012-04")
    assert span.action.startswith("Medical policy ICD 10 remediation")
    first = p.history[0]
    assert first.action.endswith("references updated. Policy statements unchanged.")


def test_004_nice_guidance() -> None:
    p = parsed("004")
    assert p.title == "Cryotherapy for the treatment of liver metastases"
    assert p.policy_number is not None and "HTG241" in p.policy_number
    assert p.dates.published == "2010-12-15"
    assert [c.status for c in p.coverage] == ["special_arrangements"]
    assert p.coverage[0].indication == "liver metastases"
    assert p.codes == []
    assert p.evidence[0].counts == {"rct": 1, "nonrandomized_comparative": 1, "case_series": 1}
    assert "2026-01" in [h.date for h in p.history]


@pytest.mark.parametrize("key", sorted(CORPUS))
def test_every_section_has_text_and_no_markup(key: str) -> None:
    for section in parsed(key).sections:
        assert section.text.strip()
        assert "**" not in section.text and "](" not in section.text
        assert "\u00a0" not in section.text


def _edited(key: str, old: str, new: str) -> Policy:
    from policywatch.parse import parse_bytes

    text = CORPUS[key].read_text(encoding="utf-8")
    assert old in text
    return parse_bytes(text.replace(old, new, 1).encode("utf-8"))


@pytest.mark.parametrize(
    ("wording", "status"),
    [
        ("can be used with standard arrangements", "standard_arrangements"),
        ("should not be used", "do_not_use"),
        ("should only be used in the context of research", "research_only"),
    ],
)
def test_004_every_nice_recommendation_wording(wording: str, status: str) -> None:
    p = _edited("004", "should only be used with special arrangements", wording)
    assert [(c.indication, c.status) for c in p.coverage] == [("liver metastases", status)]
    assert p.evidence[0].population == "liver metastases"


def test_004_numbered_finding_with_two_trials_counts_two() -> None:
    p = _edited(
        "004",
        "A randomised controlled trial (RCT) of 123",
        "Two randomised controlled trials (RCTs) of 123 and 88",
    )
    assert p.evidence[0].counts["rct"] == 2


def test_002_wrapped_citation_starting_with_a_number_stays_one_reference() -> None:
    p = _edited(
        "002",
        "2007;178(4 Pt 1):1253-7; discussion 57. PMID",
        "2007;178(4 Pt 1):1253-7; discussion\n57. PMID",
    )
    assert len(p.references) == 97
    assert p.references[13].pmid == "17698104"
    assert p.references[13].citation.endswith("discussion 57. PMID: 17698104")


def test_000_code_table_rows_are_not_section_headings() -> None:
    headings = [s.heading for s in parsed("000").sections]
    assert not [h for h in headings if "155.0" in h or "50.29" in h or h.startswith("RFA Ref")]
