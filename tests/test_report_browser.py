"""The report in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

Checks what a reader sees (summary, a coverage transition, a folded diff that
opens), that nothing from policy text runs, that the page loads nothing but
itself, and that it works at phone width and without JavaScript. Screenshots
go to ``test-artifacts/`` (gitignored) for people to look at (whole pages with
``POLICYWATCH_SCREENSHOTS=full``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from policywatch.diff import diff_policies
from policywatch.parse import parse_file
from policywatch.render import render_html, render_report
from policywatch.report import build_report, month_period
from tests.browser_support import BROWSER_TESTS, PHONE, Visits
from tests.report_store import SAMPLES, StoreTemplates

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def pages(
    tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates
) -> dict[str, Path]:
    """The November report of the samples, a hostile report and a single-policy page."""
    root = tmp_path_factory.mktemp("browser")
    store, _ = store_templates.sample(root)
    hostile = store_templates.hostile(root)
    files = {
        "report": render_report(build_report(store, month_period("2026-11"), now=NOW)),
        "hostile": render_report(build_report(hostile, month_period("2026-11"), now=NOW)),
        "policy": render_html(
            diff_policies(
                parse_file(SAMPLES / "policies/bcbsma-633/2026-10.txt"),
                parse_file(SAMPLES / "policies/bcbsma-633/2026-11.txt"),
            )
        ),
    }
    paths = {}
    for name, text in files.items():
        paths[name] = root / f"{name}.html"
        paths[name].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture
def visit(browser: Browser) -> Iterator[object]:
    visits = Visits(browser)
    yield visits.open
    visits.close()


def test_desktop_summary_transition_and_folded_diff(visit, pages) -> None:  # type: ignore[no-untyped-def]
    seen = visit(pages["report"])
    page = seen.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Policy changes, November 2026")
    table = page.locator("table.changed-policies")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first).to_contain_text(
        "Blue Cross Blue Shield of Massachusetts"
    )
    expect(page.locator(".stats")).to_contain_text("Policies tracked")

    transition = page.locator("#attention .transition").first
    expect(transition).to_be_visible()
    expect(transition.locator(".status").first).to_have_text("investigational")
    expect(transition.locator(".status").last).to_have_text("medically necessary")

    # Every section wording change in the samples only repeats a change above it: they
    # are folded apart, each one a click away.
    repeats = page.locator("#policies details.repeats").first
    expect(repeats.locator(":scope > summary")).to_contain_text("only repeat the changes above")
    folded = repeats.locator("details").first
    words = folded.locator(".words")
    expect(words).to_be_hidden()
    repeats.locator(":scope > summary").click()
    folded.locator("summary").click()
    expect(folded).to_have_attribute("open", "")
    expect(words).to_be_visible()
    expect(words.locator("ins, del").first).to_be_visible()

    seen.screenshot("report-desktop.jpg")
    assert seen.requests == [seen.document]
    assert seen.dialogs == []


def test_phone_width_has_no_sideways_scrolling(visit, pages) -> None:  # type: ignore[no-untyped-def]
    seen = visit(pages["report"], PHONE)
    page = seen.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("table.changed-policies tbody tr").first).to_be_visible()
    # Stacked tables: the header row is hidden and each cell carries its label.
    label = page.evaluate(
        """() => getComputedStyle(document.querySelector(
               'table.changed-policies td[data-label="Payer"]'), '::before').content"""
    )
    assert label == '"Payer"'
    expect(page.locator("#attention .transition").first).to_be_visible()
    seen.screenshot("report-phone.jpg")
    assert seen.requests == [seen.document]


def test_hostile_policy_text_does_not_run(visit, pages) -> None:  # type: ignore[no-untyped-def]
    seen = visit(pages["hostile"])
    page = seen.page
    for summary in page.locator("details > summary").all():
        summary.click()  # open everything: nothing folded may hide a payload either
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script, img, iframe, object, embed").count() == 0
    assert seen.dialogs == []
    assert seen.requests == [seen.document]
    expect(page.get_by_text("<script>window.pwned=1;alert('x')</script>").first).to_be_visible()
    expect(page.get_by_text("{{ 7*7 }}").first).to_be_visible()
    seen.screenshot("report-hostile.jpg")


def test_readable_without_javascript_and_in_print(visit, pages) -> None:  # type: ignore[no-untyped-def]
    seen = visit(pages["report"], javascript=False)
    page = seen.page
    expect(page.locator("table.changed-policies")).to_be_visible()
    repeats = page.locator("#policies details.repeats").first
    repeats.locator(":scope > summary").click()  # <details> needs no script
    folded = repeats.locator("details").first
    folded.locator("summary").click()
    expect(folded.locator(".words")).to_be_visible()
    expect(page.locator("nav.toc")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav.toc")).to_be_hidden()
    expect(page.locator("table.changed-policies")).to_be_visible()


def test_single_policy_page(visit, pages) -> None:  # type: ignore[no-untyped-def]
    seen = visit(pages["policy"])
    page = seen.page
    expect(page.locator(".transition").first).to_contain_text("investigational")
    expect(page.locator(".transition").first).to_contain_text("medically necessary")
    expect(page.locator("figure.side.new").first).to_contain_text("MEDICALLY NECESSARY")
    seen.screenshot("policy-desktop.jpg")
    assert seen.requests == [seen.document]
