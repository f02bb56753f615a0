"""Issue 11 item 1: history tables whatever column holds the date, in each
publisher's layout (fixtures written in the layout, with our own words)."""

from __future__ import annotations

from pathlib import Path

from policywatch.extract import Extracted
from policywatch.model import HistoryEntry, Policy
from policywatch.parse import parse_extracted

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"


def parsed(name: str, form: str = "pdf") -> Policy:
    text = (TEMPLATES / f"history_{name}.txt").read_text(encoding="utf-8")
    return parse_extracted(Extracted(text=text, format=form))


def entries(name: str) -> list[tuple[str, str]]:
    return [(h.date, h.action) for h in parsed(name).history]


def test_uhc_pharmacy_change_control_month_dates() -> None:
    assert entries("uhcrx_change_control") == [
        ("2019-01", "New program."),
        ("2020-06", "Annual review with no change to coverage criteria. Updated references."),
        ("2024-03", "Clarified the surgery requirement with no change to clinical intent."),
    ]


def test_cigna_date_in_last_column_header_wrapped() -> None:
    assert entries("cigna_date_last") == [
        ("2023-04-05", "Annual Revision No criteria changes."),
        (
            "2023-07-05",
            "Selected Revision Velomarin-abcd was added to the policy. "
            "The criteria are the same as for the other products.",
        ),
        ("2024-03-27", "Annual Revision Nasal Polyposis: the specialist requirement was removed."),
    ]


def test_cigna_revision_details_date_cell_run_into_wrapped_text() -> None:
    history = parsed("cigna_revision_details").history
    assert [h.date for h in history] == ["2024-11-01", "2025-10-15", "2026-01-01"]
    assert history[0].action == "New New policy"
    assert history[1].action == (
        "Selected Revision Polyposis: added the requirement that the "
        "patient has tried one intranasal steroid."
    )


def test_fep_month_name_dates() -> None:
    assert entries("fep_month_names") == [
        ("2021-03", "Addition to PA"),
        ("2021-04", "Revised the no dual therapy statement to include any other antibody"),
        ("2022-09", "Annual review and reference update"),
        ("2024-03", "Annual review"),
    ]


def test_centene_date_in_second_column_approval_date_left_out() -> None:
    assert entries("centene_date_second") == [
        ("2020-01", "Original approval date"),
        ("2020-07", "Converted to new template"),
        ("2021-07", "Annual review; references updated"),
    ]


def test_uhc_medical_date_summary_of_changes() -> None:
    assert entries("uhc_medical_summary") == [
        (
            "2026-02-01",
            "Related Policies Updated the reference link to reflect the policy title",
        ),
        ("2026-01-01", "Template Update Created a shared policy version for another plan"),
    ]


def test_cms_revision_history_paragraphs() -> None:
    history = parsed("cms_paragraphs", "html").history
    assert [h.date for h in history] == ["2024-10", "2022-08", "2020-05"]
    assert history[1].action.startswith("Transmittal 111 dated August 5, 2022, is being")
    assert all(h.end_date is None for h in history)


def test_prose_span_row_is_one_entry() -> None:
    text = (
        "Policy Title: Velomarin for Testing\n"
        "Velomarin is proven and medically necessary for chronic nasal polyposis in adults.\n"
        "Policy History\nDate Action\n"
        "11/2011-\n4/2012\nCoding updates. No changes to policy statements.\n"
        "12/2011 National policy review.\n"
        "Information Pertaining to All Policies\nThis text is not part of the history.\n"
    )
    history = parse_extracted(Extracted(text=text, format="text")).history
    assert history == [
        HistoryEntry("2011-11", "Coding updates. No changes to policy statements.", "2012-04"),
        HistoryEntry("2011-12", "National policy review."),
    ]


def test_contents_entry_is_not_the_history() -> None:
    """A history heading in the table of contents has no rows below it: the
    dated line in the body further down is not history, the real table is."""
    text = (
        "Extended Sinus Surgery\nTable of Contents\n"
        "Policy History/Revision Information ..... 9\nInstructions for Use ..... 9\n"
        "Related Policies ..... 10\nClinical Evidence ..... 3\n"
        "Extended sinus surgery is proven and medically necessary for chronic sinusitis.\n"
        "Clinical Evidence\n"
        "01/2020 guidance from a surgical society endorsed surgery after failed therapy.\n"
        "Policy History/Revision Information\nDate\t\t\tSummary of Changes\n"
        "02/01/2026\tTemplate Update Created a shared version\n"
        "Instructions for Use\nThis Medical Policy provides assistance in reading plans.\n"
    )
    history = parse_extracted(Extracted(text=text, format="pdf")).history
    assert history == [HistoryEntry("2026-02-01", "Template Update Created a shared version")]
