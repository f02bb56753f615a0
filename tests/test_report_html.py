"""The HTML report as a document: self-contained, structured, escaped, shared with `diff`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from policywatch.diff import diff_policies
from policywatch.model import Code, Coverage, Policy
from policywatch.render import render_html, render_report
from policywatch.report import build_report, month_period
from tests.report_store import StoreTemplates

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Outline(HTMLParser):
    """Tags, attributes and text of a page, for structural assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, " ".join("".join(self._text).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> str:
    store, _ = store_templates.sample(tmp_path_factory.mktemp("html"))
    return render_report(build_report(store, month_period("2026-11"), now=NOW))


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates) -> str:
    store = store_templates.hostile(tmp_path_factory.mktemp("hostile-html"))
    return render_report(build_report(store, month_period("2026-11"), now=NOW))


def assert_self_contained(page: str) -> None:
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<script|<link|<iframe|<object|<embed|@import|url\(", page, re.I)
    doc = outline(page)
    for tag, attrs in doc.tags:
        assert "src" not in attrs and "srcset" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href")
        assert href is None or href.startswith(("#", "http://", "https://")), href
    assert "default-src 'none'" in page  # the CSP: no script, no network, even if escaping failed
    assert '<meta name="viewport"' in page and "@media print" in page


def test_report_is_self_contained(page: str) -> None:
    assert_self_contained(page)


def test_report_outline(page: str) -> None:
    headings = outline(page).headings
    assert [text for tag, text in headings if tag == "h1"] == ["Policy changes, November 2026"]
    assert [text for tag, text in headings if tag == "h2"] == [
        "Summary",
        "Needs attention",
        "Changes by policy",
    ]
    h3 = [text for tag, text in headings if tag == "h3"]
    for expected in (
        "Changed policies",
        "Coverage status changes (1)",
        "Silent changes (1)",
        "Sources that failed (1)",
        "Overdue reviews (1)",
    ):
        assert expected in h3
    # The badge says "high" (shown in capitals by CSS) before each policy's title.
    assert h3.count("high Cryosurgical Ablation of Primary or Metastatic Liver Tumors") == 2


def test_summary_figures_and_changed_policies_table(page: str) -> None:
    figures = re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page)
    assert figures == [
        ("Policies tracked", "5"),
        ("Changed", "3"),
        ("Added", "0"),
        ("Sources failed", "1"),
        ("Reviews overdue", "1"),
    ]
    start = page.index('class="stack changed-policies"')
    table = page[start : page.index("</table>", start)]
    assert table.index("Blue Cross Blue Shield of Massachusetts") < table.index("CAM 70175HB")
    assert table.index("CAM 70175HB") < table.index("00220")
    assert '<span class="flag">silent</span>' in table


def test_sections_needing_a_human(page: str) -> None:
    attention = page[page.index('id="attention"') : page.index('id="policies"')]
    assert "primary or metastatic tumors in the liver" in attention
    assert '<span class="status tone-caution">investigational</span>' in attention
    assert '<span class="status tone-good">medically necessary</span>' in attention
    assert "CPT 76940 removed" in attention  # the silent change
    assert "<code>nice-htg241</code>" in attention and "empty file" in attention
    assert "Last version stays current" in attention
    assert "Cryosurgical Ablation of Miscellaneous Solid Tumors Outside of the Liver" in attention
    assert "2023-11" in attention


def test_per_policy_evidence_and_audit(page: str) -> None:
    policies = page[page.index('id="policies"') :]
    assert "Old wording" in policies and "New wording" in policies
    assert "<del>is INVESTIGATIONAL.</del>" in policies
    assert "<ins>may be considered MEDICALLY NECESSARY for patients who are not" in policies
    assert re.search(r"<th scope=\"row\"[^>]*>.*CPT 76940 removed</th>", policies)
    assert "<details>" in policies and "<details open" not in policies
    assert "Unresectable primary hepatocellular carcinoma: meta-analyses" in policies
    assert len(re.findall(r"<dt>Old version</dt><dd><code>[0-9a-f]{40}</code>", policies)) == 3
    assert "policywatch diff bcbsma-633@" in policies


def test_hostile_policy_text_is_shown_as_text(hostile_page: str) -> None:
    assert_self_contained(hostile_page)
    assert "<img" not in hostile_page
    assert "&lt;script&gt;window.pwned=1;alert(&#39;x&#39;)&lt;/script&gt;" in hostile_page
    assert "&lt;img src=x onerror=&#34;window.pwned=2&#34;&gt;" in hostile_page
    assert "{{ 7*7 }}" in hostile_page and "{{ config }}" in hostile_page
    assert "&lt;script&gt;window.pwned=3&lt;/script&gt;" in hostile_page
    assert "=HYPERLINK(&#34;http://evil.example/&#34;,&#34;Blue Plan&#34;)" in hostile_page
    assert 'href="http://evil.example/' not in hostile_page


def test_an_empty_period(tmp_path: Path, store_templates: StoreTemplates) -> None:
    store, _ = store_templates.sample(tmp_path)
    empty = render_report(build_report(store, month_period("2026-12"), now=NOW))
    assert_self_contained(empty)
    assert (
        "No policy changed in this period: no snapshot was recorded between these dates." in empty
    )
    assert "No coverage status changed." in empty and "No silent changes." in empty
    assert 'id="policies"' not in empty


def test_diff_page_uses_the_report_partials() -> None:
    old = Policy(title="Cryo", coverage=[Coverage("kidney tumors", "investigational", "Not yet.")])
    new = Policy(
        title="Cryo",
        coverage=[Coverage("kidney tumors", "medically_necessary", "Now covered.")],
        codes=[Code("CPT", "50250", "Ablation, open, renal mass")],
    )
    single = render_html(diff_policies(old, new))
    assert_self_contained(single)
    shared_css = "tr.change.sev-high > :first-child { box-shadow: inset 3px 0 0 var(--high); }"
    assert shared_css in single
    assert '<span class="status tone-caution">investigational</span>' in single
    assert (
        "<figcaption>Old wording</figcaption><blockquote><del>Not yet.</del></blockquote>" in single
    )
    assert re.search(r'<th scope="row"[^>]*>.*CPT 50250 added</th>', single)
    assert '<td data-label="Description">Ablation, open, renal mass</td>' in single
    assert [text for tag, text in outline(single).headings if tag == "h2"] == [
        "Coverage (1)",
        "Codes (1)",
    ]


def test_long_attention_lists_are_folded() -> None:
    from dataclasses import replace

    from policywatch.report import OverdueReview, Report

    overdue = OverdueReview("p/x", "Payer", "1", "Title", "2023-11", None, None, "0" * 40)
    report = Report(month_period("2026-11"), "store", NOW, None, 40)
    short = render_report(replace(report, overdue=(overdue,) * 25))
    long = render_report(replace(report, overdue=(overdue,) * 26))
    assert 'class="fold long"' not in short
    assert '<details class="fold long"><summary>Show all 26 overdue reviews' in long
