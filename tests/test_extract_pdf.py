"""Issue 6, PDF: each corpus document printed as a plan's PDF parses like its text edition.

The PDFs are generated once per session by ``tests/editions.py`` (running
header and footer, "Page N of M", ruled code tables, soft-hyphenated words,
004 in two columns).
"""

from __future__ import annotations

import difflib
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.errors import ExtractError
from policywatch.extract import Extracted, detect_format, extract
from policywatch.extract import pdf as pdf_module
from policywatch.extract.pdf import join_hyphenated as _join_hyphenated
from policywatch.extract.pdf import pdf_to_text
from policywatch.extract.text import clean_text
from policywatch.model import Policy
from policywatch.parse import parse_bytes, parse_extracted
from tests import editions
from tests.editions import FIELDS, edition_words, words

KEYS = list(editions.EDITIONS)


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf_editions")
    for key, edition in editions.EDITIONS.items():
        (out / f"{key}.pdf").write_bytes(editions.pdf_edition(edition.name))
    return out


@pytest.fixture(scope="session")
def pdf_raw(pdf_dir: Path) -> dict[str, str]:
    return {key: pdf_to_text((pdf_dir / f"{key}.pdf").read_bytes()) for key in KEYS}


@pytest.fixture(scope="session")
def pdf_policies(pdf_raw: dict[str, str]) -> dict[str, Policy]:
    """What ``parse_bytes`` does with a PDF, reusing the one extraction per document."""
    policies = {}
    for key, raw in pdf_raw.items():
        text, furniture = clean_text(raw)
        policies[key] = parse_extracted(Extracted(text=text, format="pdf", furniture=furniture))
    return policies


@pytest.fixture(scope="session")
def text_policies() -> dict[str, Policy]:
    return {
        key: parse_bytes((editions.FIXTURES / e.name).read_bytes())
        for key, e in editions.EDITIONS.items()
    }


# --------------------------------------------------------------------------- same Policy


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("key", KEYS)
def test_pdf_edition_parses_like_text_edition(
    key: str, field: str, pdf_policies: dict[str, Policy], text_policies: dict[str, Policy]
) -> None:
    project = FIELDS[field]
    assert project(pdf_policies[key]) == project(text_policies[key])


def test_the_fields_compared_are_not_empty(text_policies: dict[str, Policy]) -> None:
    """Guard: equality on empty parses would prove nothing."""
    assert all(p.title for p in text_policies.values())
    assert sum(len(p.codes) for p in text_policies.values()) >= 30
    assert sum(len(p.history) for p in text_policies.values()) >= 40
    assert all(p.coverage for p in text_policies.values())


# --------------------------------------------------------------------------- extraction


@pytest.mark.parametrize("key", KEYS)
def test_pdf_words_in_reading_order(key: str, pdf_raw: dict[str, str]) -> None:
    """Every word of the document once, in order: columns, page breaks, hyphenation,
    table cells; the running header kept once at the top, the footer out of the text."""
    expected = edition_words(key)
    got = words(pdf_raw[key])
    changes = [
        (op, got[b1:b2])
        for op, _, _, b1, b2 in difflib.SequenceMatcher(
            None, expected, got, autojunk=False
        ).get_opcodes()
        if op != "equal"
    ]
    header = words(editions.running_header(key))
    # The header's copy opens the text unless page 1 prints that line anyway.
    assert changes in ([], [("insert", header)])


def test_page_furniture_removed(pdf_raw: dict[str, str], pdf_dir: Path) -> None:
    """The footer never lands inside the last section: it is kept apart, for metadata."""
    text = pdf_raw["000"]
    assert not re.search(r"Page \d+ of \d+", text)
    assert editions.FOOTER_TEXT not in text
    assert extract((pdf_dir / "000.pdf").read_bytes()).furniture[0] == editions.FOOTER_TEXT
    header = editions.running_header("000")
    assert text.startswith(header + "\n")  # the document's own title line opens it
    assert text.count(header) == 1  # and is not repeated from the running header


def test_two_columns_read_column_by_column(pdf_raw: dict[str, str]) -> None:
    text = pdf_raw["004"]
    order = ["## Your responsibility", "# Contents", "# 1 Recommendations", "## 2 The procedure"]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert "treatment or in a procedure should be\nreported to the Medicines" in text


def test_tables_rows_with_tab_separated_cells(pdf_raw: dict[str, str]) -> None:
    lines = pdf_raw["000"].split("\n")
    assert (
        "CPT\t47371\tLaparoscopy, surgical, ablation of 1 or more liver tumors(s); cryosurgical"
        in lines
    )
    assert (
        "\t0F503ZZ\tMedical & Surgical hepatobiliary system and pancreas destruction liver" in lines
    )
    assert "CPT\t47371, 47381, 47383, 76940" in pdf_raw["001"].split("\n")
    assert (
        "\t17260-17286\tDestruction, malignant lesion (eg, laser surgery, electrosurgery, "
        "cryosurgery, chemosurgery, surgical curettment)" in pdf_raw["002"].split("\n")
    )
    # A borderless table (004's contents, in a column): the wide gap is a TAB too.
    assert "2.3 Efficacy .....\t6" in pdf_raw["004"].split("\n")


def test_justified_text_is_not_a_table() -> None:
    paragraph = (
        "Cryosurgical ablation of either primary or metastatic tumors is investigational. "
        "Interventional radiofrequency-ablation hepatocellular-carcinoma neuroendocrine-"
        "malignancies were reviewed. "
    ) * 5
    text = pdf_to_text(editions.justified_pdf(paragraph))
    assert "\t" not in text and "\n\n" not in text.strip()
    assert words(text) == paragraph.split()


def test_headings_marked_by_size_and_weight(pdf_raw: dict[str, str]) -> None:
    lines = pdf_raw["001"].split("\n")
    assert "# Louisiana" in lines
    assert "## Services Are Considered Investigational" in lines
    assert "### Summary of Evidence" in lines
    assert "#### Liver Metastases" in lines
    # A wrapped heading is one heading line.
    assert "### 2.1 Indications and current treatments" in pdf_raw["004"].split("\n")


def test_lists_keep_bullets_and_nesting(pdf_raw: dict[str, str]) -> None:
    lines = pdf_raw["002"].split("\n")
    assert any(line.startswith("- I. Cryosurgical ablation may be considered") for line in lines)
    assert "  - A. Malignant dermatologic tumors" in lines


def test_paragraphs_separated_by_blank_lines(pdf_raw: dict[str, str]) -> None:
    text = pdf_raw["001"]
    assert "Policy # 00220\n\nOriginal Effective Date: 06/20/2007\n\n" in text


def test_hyphenated_line_breaks_joined() -> None:
    lines = ["the treat-", "ment of hepato-", "cellular carcinoma", "a non-", "randomised trial"]
    vocabulary_hint = ["a non-randomised study"]
    assert _join_hyphenated(lines + vocabulary_hint)[:5] == [
        "the treatment",
        "of hepatocellular",
        "carcinoma",
        "a non-randomised",
        "trial",
    ]
    assert _join_hyphenated(["dated 11/2011-", "4/2012"]) == ["dated 11/2011-", "4/2012"]


# --------------------------------------------------------------------------- diff


def test_pdf_pair_diffs_like_text_pair(pdf_policies: dict[str, Policy]) -> None:
    from policywatch.diff import diff_policies

    old = (editions.FIXTURES / editions.EDITIONS["002"].name).read_text(encoding="utf-8")
    new = _revise_002(old)
    text_changes = diff_policies(parse_bytes(old.encode()), parse_bytes(new.encode()))
    pdf_changes = diff_policies(pdf_policies["002"], parse_bytes(editions.pdf_edition("002", new)))
    expected = [c.to_dict() for c in text_changes.changes if c.is_semantic]
    assert {(c["kind"], c["action"]) for c in expected} == {
        ("coverage", "modified"),
        ("code", "removed"),
        ("code", "added"),
        ("date", "modified"),
    }
    assert [c.to_dict() for c in pdf_changes.changes if c.is_semantic] == expected


def _revise_002(text: str) -> str:
    """A later version of 002: new effective date, a coverage flip, a code dropped and one added."""
    edits = [
        ("**Effective:** February 1, 2023", "**Effective:** March 1, 2024"),
        (
            "is considered **investigational** as a treatment",
            "is considered **not medically necessary** as a treatment",
        ),
        ("57511\tCautery of cervix; cryocautery, initial or repeat\n", ""),
        ("HCPCS\tNone", "HCPCS\tC9751\tBronchoscopy, rigid or flexible, transbronchial ablation"),
    ]
    for before, after in edits:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    return text


# --------------------------------------------------------------------------- errors


def _cli_parse(path: Path) -> Any:
    return CliRunner().invoke(main, ["parse", str(path)])


BROKEN_PDFS = {
    "scan.pdf": (editions.image_only_pdf, "PDF has no text layer (scanned images?); it needs OCR"),
    "locked.pdf": (
        editions.encrypted_pdf,
        "PDF is encrypted with a password; its text cannot be read",
    ),
    "cut.pdf": (
        lambda: editions.pdf_edition("004")[:9000],
        "PDF is truncated: it has no end-of-file marker",
    ),
    "junk.pdf": (
        lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog\n%%EOF\n",
        "PDF is damaged and cannot be read: ",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN_PDFS))
def test_unreadable_pdf_is_a_one_line_error_exit_2(tmp_path: Path, name: str) -> None:
    make, message = BROKEN_PDFS[name]
    path = tmp_path / name
    path.write_bytes(make())
    result = _cli_parse(path)
    assert result.exit_code == 2
    assert result.output.startswith("Error: " + message)
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_pdf_readable_without_a_password_is_read() -> None:
    """Owner-password-only encryption (print/copy restrictions) hides nothing."""
    text = pdf_to_text(editions.encrypted_pdf(user_password=None))
    assert "Cryosurgical ablation of liver tumors is considered investigational." in text


def test_thousands_of_pages_refused_fast() -> None:
    data = editions.many_pages_pdf(3000)
    started = time.monotonic()
    with pytest.raises(ExtractError, match=r"^PDF has 3,000 pages, over the 1,000-page limit"):
        pdf_to_text(data)
    assert time.monotonic() - started < 5


def test_page_deadline_bounds_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "MAX_SECONDS", 0.0)
    with pytest.raises(ExtractError, match=r"^PDF took over 0 s to read at page 1"):
        pdf_to_text(editions.many_pages_pdf(3))


# --------------------------------------------------------------------------- detection


def test_format_detected_by_content_not_name(tmp_path: Path, pdf_dir: Path) -> None:
    data = (pdf_dir / "004.pdf").read_bytes()
    disguised = tmp_path / "cryotherapy.txt"
    disguised.write_bytes(data)
    assert detect_format(data) == "pdf"
    assert extract(data).format == "pdf"
    as_txt = _cli_parse(disguised)
    as_pdf = _cli_parse(pdf_dir / "004.pdf")
    assert as_txt.exit_code == 0 and as_txt.output == as_pdf.output
    assert '"title": "Cryotherapy for the treatment of liver metastases"' in as_txt.output


def test_a_lettered_list_whose_items_start_in_lower_case_stays_one_item_per_line() -> None:
    raw = (
        "Widgetumab products:\n"
        "c) Widgetra (widgetumab-abcd injection – Acme)\n"
        "d) widgetumab-efgh injection (Other Maker)\n"
        "e) is(are) considered experimental for ANY other use(s).\n"
        "The patient was seen by a widget specialist who wrote a long sentence that runs on\n"
        "past the end of its line.\n"
    )
    text, _ = clean_text(raw, cells=True)
    assert text.splitlines() == [
        "Widgetumab products:",
        "c) Widgetra (widgetumab-abcd injection – Acme)",
        "d) widgetumab-efgh injection (Other Maker)",
        "e) is(are) considered experimental for ANY other use(s).",
        "The patient was seen by a widget specialist who wrote a long sentence that runs on "
        "past the end of its line.",
    ]
