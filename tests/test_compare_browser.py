"""``compare --format html`` in a real browser: Playwright driving Debian's Chromium.

The three corpus editions of 7.01.75 side by side: what a reader sees (what
differs, the equal coverage, CPT 76940 missing from Massachusetts, the
meta-analyses only Louisiana counts), that the page loads nothing but itself and
runs nothing, that a statement's wording opens on a click, and that on a phone the
tables scroll inside the page instead of widening it. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from policywatch.portfolio import compare_policies
from policywatch.render import compare_output
from policywatch.store import Store
from policywatch.timeline import locate
from tests.browser_support import BROWSER_TESTS, DESKTOP, PHONE, Visits
from tests.portfolio_store import build_editions_store

EDITIONS = ("cam-70175hb", "bcbsla-00220", "bcbsma-633")

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("compare-browser")
    store = Store.open(build_editions_store(root))
    sides = [(ref, *locate(store, ref)) for ref in EDITIONS]
    path = root / "compare.html"
    path.write_text(compare_output(compare_policies(store, sides), "html"), encoding="utf-8")
    return path


@pytest.fixture
def visit(browser: Browser, page_file: Path) -> Iterator[object]:
    visits = Visits(browser)
    yield lambda viewport=DESKTOP, javascript=True: visits.open(page_file, viewport, javascript)
    visits.close()


def test_desktop_shows_what_differs_and_the_equal_coverage(visit) -> None:  # type: ignore[no-untyped-def]
    seen = visit()
    page = seen.page
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cryosurgical Ablation of Primary or Metastatic Liver Tumors"
    )
    differences = page.locator("#differences ul.differences li")
    expect(differences.first).to_contain_text("CPT 76940: in cam-70175hb, bcbsla-00220")
    expect(page.locator("#differences")).to_contain_text(
        "meta-analyses: cam-70175hb —, bcbsla-00220 2"
    )

    heads = page.locator("table.coverage thead th.side-head")
    expect(heads).to_have_text(list(EDITIONS))
    row = page.locator("table.coverage tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_have_class("same")
    expect(row.locator(".status")).to_have_text(["investigational"] * 3)

    cpt = page.locator("table.codes tbody tr", has_text="CPT 76940")
    expect(cpt).to_have_class("differs")
    expect(cpt.locator("td")).to_have_text(["✓ listed", "✓ listed", "— not listed"])
    expect(cpt.locator(".differs-flag")).to_be_visible()
    meta = page.locator("table.evidence tbody tr", has_text="meta-analyses")
    expect(meta.locator("td")).to_have_text(["—", "2", "—"])
    expect(page.locator("table.documents")).to_contain_text("Medicare Advantage")

    wording = row.locator("details.statement-wording").nth(2)
    quote = wording.locator("blockquote")
    expect(quote).to_be_hidden()
    wording.locator("summary").click()
    expect(quote).to_be_visible()
    expect(quote).to_contain_text("INVESTIGATIONAL")

    seen.screenshot("compare-desktop.jpg")
    assert seen.requests == [seen.document]
    assert seen.dialogs == []


def test_phone_tables_scroll_inside_the_page(visit) -> None:  # type: ignore[no-untyped-def]
    seen = visit(PHONE)
    page = seen.page
    expect(page.locator("table.codes")).to_be_attached()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], "the page widened instead of its tables scrolling"
    wrap_scrolls = page.evaluate(
        "(() => { const w = document.querySelector('#codes .table-wrap');"
        " return w.scrollWidth > w.clientWidth; })()"
    )
    assert wrap_scrolls
    label = page.locator("table.codes tbody th").first
    expect(label).to_be_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('table.codes tbody th')).position")
        == "sticky"
    )
    seen.screenshot("compare-phone.jpg")


def test_works_without_javascript(visit) -> None:  # type: ignore[no-untyped-def]
    seen = visit(DESKTOP, javascript=False)
    page = seen.page
    expect(page.locator("table.codes tbody tr")).to_have_count(15)
    expect(page.locator("nav.toc a")).to_have_count(6)
    assert seen.requests == [seen.document]
