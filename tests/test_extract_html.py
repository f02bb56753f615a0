"""Issue 6, HTML: each corpus document as a plan's web page parses like its text edition.

The pages come from ``tests/editions.py``: navigation, a cookie banner,
scripts, styles, a sidebar and a footer around the policy; criteria as nested
lists, codes as a table; 001 and 003 without <main>, 003 in windows-1252.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.errors import ExtractError
from policywatch.extract import detect_format, extract
from policywatch.extract.html import decode_html, html_to_text
from policywatch.model import Policy
from policywatch.parse import parse_bytes
from tests import editions
from tests.editions import FIELDS, edition_words, words

KEYS = list(editions.EDITIONS)


@pytest.fixture(scope="session")
def html_pages() -> dict[str, bytes]:
    return {key: editions.html_edition(e.name) for key, e in editions.EDITIONS.items()}


@pytest.fixture(scope="session")
def html_raw(html_pages: dict[str, bytes]) -> dict[str, str]:
    return {key: html_to_text(data) for key, data in html_pages.items()}


@pytest.fixture(scope="session")
def html_policies(html_pages: dict[str, bytes]) -> dict[str, Policy]:
    return {key: parse_bytes(data) for key, data in html_pages.items()}


@pytest.fixture(scope="session")
def text_policies_html() -> dict[str, Policy]:
    return {
        key: parse_bytes((editions.FIXTURES / e.name).read_bytes())
        for key, e in editions.EDITIONS.items()
    }


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("key", KEYS)
def test_html_edition_parses_like_text_edition(
    key: str,
    field: str,
    html_policies: dict[str, Policy],
    text_policies_html: dict[str, Policy],
) -> None:
    project = FIELDS[field]
    assert project(html_policies[key]) == project(text_policies_html[key])


@pytest.mark.parametrize("key", KEYS)
def test_html_keeps_every_policy_word_and_nothing_else(key: str, html_raw: dict[str, str]) -> None:
    expected = edition_words(key)
    got = words(html_raw[key])
    matcher = difflib.SequenceMatcher(None, expected, got, autojunk=False)
    changes = [(op, got[b1:b2]) for op, _, _, b1, b2 in matcher.get_opcodes() if op != "equal"]
    assert changes == []


def test_site_chrome_is_dropped(html_raw: dict[str, str]) -> None:
    for text in html_raw.values():
        for chrome in (
            "Accept all cookies",  # cookie banner
            "Cookie settings",
            "Employers",  # navigation
            "Skip to main content",
            "Related policies",  # sidebar
            "Provider Services",
            "Nondiscrimination notice",  # footer
            "Terms of use",
            "dataLayer",  # script
            "Policy loading",
            "font-family",  # style
            "enable JavaScript",  # noscript
            "session is about to expire",  # display: none
            "download counter",  # hidden
        ):
            assert chrome not in text, chrome


def test_headings_as_hash_lines(html_raw: dict[str, str]) -> None:
    lines = html_raw["001"].split("\n")
    assert "# Louisiana" in lines
    assert "## Services Are Considered Investigational" in lines
    assert "#### Liver Metastases" in lines


def test_nested_and_numbered_lists(html_raw: dict[str, str]) -> None:
    lines = html_raw["002"].split("\n")
    assert any(line.startswith("- I. Cryosurgical ablation may be considered") for line in lines)
    assert "  - A. Malignant dermatologic tumors" in lines
    assert any(line.startswith("  1. For non-small cell lung cancer") for line in lines)
    # Numbered as in the source, where a list restarts after a break.
    assert any(line.startswith("53. Pfliederer SO") for line in lines)


def test_tables_as_tab_separated_rows(html_raw: dict[str, str]) -> None:
    lines = html_raw["000"].split("\n")
    assert "ICD-10-CM (effective 10/01/15)\tC22.0-C22.9\tMalignant neoplasm of liver and " \
        "intrahepatic bile duct" in lines  # fmt: skip
    assert "\t47381\tAblation, open, 1 or more liver tumor(s); cryosurgical" in lines
    # each row a block of its own
    row = lines.index("\t47381\tAblation, open, 1 or more liver tumor(s); cryosurgical")
    assert lines[row - 1] == "" and lines[row + 1] == ""


def test_entities_nbsp_and_charset_folded(
    html_pages: dict[str, bytes], html_raw: dict[str, str]
) -> None:
    assert b"windows-1252" in html_pages["003"][:400]
    assert "member’s contract benefits" in html_raw["003"]
    assert "Medical & Surgical hepatobiliary" in html_raw["000"]
    for text in html_raw.values():
        assert "\xa0" not in text and "&nbsp;" not in text and "&amp;" not in text


def _page(body: str, head: str = "<meta charset='utf-8'>") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


POLICY = "<p>" + "Cryoablation of liver tumors is considered investigational. " * 5 + "</p>"


def test_br_is_a_line_break_and_blocks_are_paragraphs() -> None:
    text = html_to_text(_page(f"<main><h2>Policy</h2><p>Line one<br>line two</p>{POLICY}</main>"))
    assert text.startswith("## Policy\n\nLine one\nline two\n\nCryoablation")


def test_largest_article_wins_and_body_is_the_fallback() -> None:
    teaser = "<article><p>Related news: a short teaser.</p></article>"
    text = html_to_text(_page(f"{teaser}<article><h1>Cryoablation</h1>{POLICY}</article>"))
    assert text.startswith("# Cryoablation") and "teaser" not in text
    plain = html_to_text(_page(f"<div><nav>Home</nav><div>{POLICY}</div></div>"))
    assert plain.startswith("Cryoablation of liver tumors") and "Home" not in plain


def test_ordered_list_types_and_values() -> None:
    items = (
        "<ol type='A'><li>first<ol type='i' start='3'><li>deep</li></ol></li><li>second</li></ol>"
    )
    text = html_to_text(_page(f"<main>{items}{POLICY}</main>"))
    assert text.startswith("A. first\n  iii. deep\nB. second\n")


def test_decoding_by_bom_meta_and_fallback() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>") == "<p>café</p>"
    assert "café" in decode_html(b"<meta charset='iso-8859-1'><p>caf\xe9 \x93q\x94</p>")
    assert "“q”" in decode_html(b"<meta charset='iso-8859-1'><p>caf\xe9 \x93q\x94</p>")
    assert "café" in decode_html(b"<p>caf\xe9</p>")  # undeclared, not UTF-8: Windows-1252


def test_page_without_policy_content_is_an_error(tmp_path: Path) -> None:
    stub = _page(
        "<header><nav><a href='/'>Home</a></nav></header>"
        "<div class='cookie-banner'>We use cookies.</div>"
        "<main><h1>Page not found</h1><p>Sorry.</p></main><footer>© 2024 Plan</footer>"
    )
    with pytest.raises(ExtractError, match=r"^HTML page has no policy content"):
        html_to_text(stub)
    path = tmp_path / "policy.html"
    path.write_bytes(stub)
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 2
    assert result.output == (
        "Error: HTML page has no policy content (only site navigation or a stub)\n"
    )


def test_html_named_pdf_is_read_as_html(tmp_path: Path, html_pages: dict[str, bytes]) -> None:
    data = html_pages["004"]
    assert detect_format(data) == "html"
    assert extract(data).format == "html"
    disguised = tmp_path / "guidance.pdf"
    disguised.write_bytes(data)
    result = CliRunner().invoke(main, ["parse", str(disguised)])
    assert result.exit_code == 0
    assert '"title": "Cryotherapy for the treatment of liver metastases"' in result.output


def test_collapsed_accordion_panels_are_kept() -> None:
    """aria-hidden marks closed panels on plan sites; their codes are policy text."""
    panel = (
        "<h2>Coding</h2><div class='panel' aria-hidden='true'><table>"
        "<tr><td>CPT</td><td>47371</td><td>Laparoscopy, surgical, ablation</td></tr>"
        "</table></div>"
    )
    text = html_to_text(_page(f"<main>{POLICY}{panel}</main>"))
    assert "## Coding\n\nCPT\t47371\tLaparoscopy, surgical, ablation\n" in text
