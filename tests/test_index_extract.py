"""Index pages → entries (three layouts), listings → new / retired / renamed, the
suspect test, and [[index]] in sources.toml (errors name the file and line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.errors import ConfigError, ExtractError
from policywatch.index import Entry, LibraryAction, compare, read_page, suspect_reason
from policywatch.sources import load_indexes, load_sources

BASE = "https://plan.example.org/policies/"

PLAIN = b"""<html><body>
<nav><a href="/">Home</a> <a href="/contact">Contact</a></nav>
<h1>Medical policies</h1>
<ul>
  <li><a href="a/knee.html">Widget Therapy for Knee Pain</a></li>
  <li><a href="a/liver.html#top">Cryoablation of   Liver Tumors</a></li>
  <li><a href="mailto:policy@example.org">Write to us</a></li>
  <li><a href="a/knee.html">Widget Therapy for Knee Pain (again)</a></li>
</ul>
<footer><a href="/archive/old.html">Archived policies</a></footer>
</body></html>"""

TABLE = """<html><body><table>
<tr><th>Policy Number</th><th>Policy Title</th><th>Effective Date</th><th>Last Reviewed</th></tr>
<tr><td>MP-201</td><td><a href="/p/201">Sleep Apnea Devices</a></td>
    <td>01/15/2026</td><td>June 2025</td></tr>
<tr><td>MP-202</td><td><a href="/p/202">Genetic Testing — Hereditary Cancer</a></td>
    <td>March 1, 2026</td><td></td></tr>
<tr><td>MP-203</td><td>No document yet</td><td>2026-04-01</td><td></td></tr>
</table></body></html>""".encode()

PAGE_1 = b"""<html><head><link rel="next" href="?page=2"></head><body><ol>
<li><a href="/doc/1">One</a></li><li><a href="/doc/2">Two</a></li></ol>
<p><a href="?page=2">Next &rsaquo;</a></p></body></html>"""


def test_a_plain_list_of_links() -> None:
    page = read_page(PLAIN, BASE, exclude=["/archive/"])
    assert [(e.title, e.link) for e in page.entries] == [
        ("Widget Therapy for Knee Pain", BASE + "a/knee.html"),
        ("Cryoablation of Liver Tumors", BASE + "a/liver.html"),
    ]
    assert page.next_url is None


def test_include_patterns_choose_the_policy_links() -> None:
    page = read_page(PLAIN, BASE, include=[r"/a/liver"])
    assert [e.title for e in page.entries] == ["Cryoablation of Liver Tumors"]


def test_a_table_with_number_and_date_columns() -> None:
    page = read_page(TABLE, BASE)
    assert page.entries == (
        Entry(
            "https://plan.example.org/p/201",
            "Sleep Apnea Devices",
            "MP-201",
            {"effective": "2026-01-15", "last_review": "2025-06"},
        ),
        Entry(
            "https://plan.example.org/p/202",
            "Genetic Testing — Hereditary Cancer",
            "MP-202",
            {"effective": "2026-03-01"},
        ),
    )


def test_a_paginated_listing_names_its_next_page_and_no_pager_entry() -> None:
    page = read_page(PAGE_1, BASE)
    assert [e.title for e in page.entries] == ["One", "Two"]
    assert page.next_url == BASE + "?page=2"


def entry(link: str, title: str, number: str | None = None) -> Entry:
    return Entry(BASE + link, title, number)


def test_new_retired_and_renamed() -> None:
    before = [entry("1", "One", "N1"), entry("2", "Two", "N2"), entry("3", "Three", "N3")]
    after = [
        entry("1", "One (revised)", "N1"),  # renamed in place
        entry("3b", "Three", "N3"),  # moved to a new link, same number
        entry("4", "Four", "N4"),  # new
    ]
    changes = compare(before, after)
    assert [(c.action, c.entry.link) for c in changes] == [
        (LibraryAction.NEW, BASE + "4"),
        (LibraryAction.RETIRED, BASE + "2"),
        (LibraryAction.RENAMED, BASE + "1"),
        (LibraryAction.RENAMED, BASE + "3b"),
    ]
    assert changes[1].severity == "high"
    assert changes[2].summary == "N1 One → N1 One (revised)"


def test_an_empty_or_collapsed_listing_is_suspect() -> None:
    five = [entry(str(n), f"T{n}") for n in range(5)]
    assert suspect_reason(five, []) == "the index lists no policies (it listed 5)"
    assert suspect_reason(five, five[:2]) == "the index lost 3 of its 5 policies at once"
    assert suspect_reason(five, five[:3]) is None  # two retired: a library change
    assert suspect_reason(five[:2], []) is not None
    home = [Entry("https://plan.example.org/", "Home")]
    assert suspect_reason(five[:2], home) == "the index lists none of its 2 policies"
    assert suspect_reason(five[:2], five[:1]) is None


def write(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "sources.toml"
    config.write_text(text, encoding="utf-8")
    return config


def test_index_tables_are_read_with_their_defaults(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        '[[source]]\nid = "one"\npayer = "P"\npath = "one.txt"\n\n'
        '[[index]]\nid = "lib"\npayer = "Acme"\nurl = "https://x.org/p/"\n'
        'include = ["/p/"]\ntrack = "all"\n\n'
        '[[index]]\nid = "local"\npayer = "Acme"\npath = "idx.html"\n',
    )
    assert [s.id for s in load_sources(config)] == ["one"]
    lib, local = load_indexes(config)
    assert (lib.track, lib.include, lib.exclude, lib.line) == ("all", ("/p/",), (), 6)
    assert (local.track, local.path) == ("none", str(tmp_path / "idx.html"))


def test_a_config_of_indexes_only_is_valid(tmp_path: Path) -> None:
    config = write(tmp_path, '[[index]]\nid = "lib"\npayer = "Acme"\npath = "i.html"\n')
    assert load_sources(config) == []
    assert [i.id for i in load_indexes(config)] == ["lib"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('id = "lib"\npayer = "A"\nurl = "https://x.org/"\ntrack = "some"\n',
         ':5: index \'lib\': track must be one of "all", "new", "none"'),
        ('id = "lib"\npayer = "A"\nurl = "https://x.org/"\ninclude = ["("]\n',
         ":5: index 'lib': 'include' pattern '(' is not a regex"),
        ('id = "lib"\npayer = "A"\nurl = "ftp://x.org/"\n',
         ":4: index 'lib': url must be http:// or https://"),
        ('id = "lib"\npayer = "A"\n', ":1: index 'lib': give exactly one of 'url' or 'path'"),
        ('id = "lib"\npayer = "A"\npath = "i"\nfrequency = 3\n',
         ":5: index #1: unknown key 'frequency'"),
        ('payer = "A"\npath = "i"\n', ":1: index #1: missing required key 'id'"),
    ],
)  # fmt: skip
def test_index_errors_name_the_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    config = write(tmp_path, "[[index]]\n" + body)
    with pytest.raises(ConfigError) as raised:
        load_sources(config)
    assert str(raised.value).startswith(f"{config}{message}")


def test_an_index_id_may_not_be_a_source_id(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        '[[source]]\nid = "lib"\npayer = "P"\npath = "one.txt"\n\n'
        '[[index]]\nid = "lib"\npayer = "Acme"\npath = "i.html"\n',
    )
    with pytest.raises(ConfigError, match=r":6: index id 'lib' is also a source id \(line 1\)"):
        load_sources(config)


# -- pagination and failures (a fetcher stand-in: no network) ---------------------------------


class Pages:
    """Serves index pages by URL, as the run's Fetcher would."""

    def __init__(self, pages: dict[str, bytes | None]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    def fetch(self, source, prior=None):  # type: ignore[no-untyped-def]
        from policywatch.fetch import FetchOutcome

        self.asked.append(source.url)
        body = self.pages.get(source.url)
        if body is None:
            return FetchOutcome("failed", error="HTTP 404 Not Found")
        return FetchOutcome("ok", data=body)


def paged_index(track: str = "none"):  # type: ignore[no-untyped-def]
    from policywatch.sources import IndexSource

    return IndexSource("lib", "Acme", url=BASE, track=track)


def test_pagination_is_bounded_and_never_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    from policywatch.index import watch, watch_index

    def page(n: int, next_n: int) -> bytes:
        items = f'<ul><li><a href="/doc/{n}">Doc {n}</a></li></ul>'
        return f'{items}<a href="?p={next_n}">Next</a>'.encode()

    looping = Pages({BASE: page(0, 1), BASE + "?p=1": page(1, 0), BASE + "?p=0": page(0, 1)})
    outcome = watch_index(paged_index(), None, looping, "2026-09-01")  # type: ignore[arg-type]
    assert (outcome.status, outcome.pages, outcome.entries) == ("added", 3, 2)

    monkeypatch.setattr(watch, "MAX_PAGES", 4)
    endless = Pages({BASE: page(0, 1), **{f"{BASE}?p={n}": page(n, n + 1) for n in range(1, 99)}})
    outcome = watch_index(paged_index(), None, endless, "2026-09-01")  # type: ignore[arg-type]
    assert (outcome.pages, len(endless.asked)) == (4, 4)


def test_a_page_that_fails_fails_the_index_and_records_nothing() -> None:
    from policywatch.index import watch_index

    broken = Pages({BASE: PAGE_1, BASE + "?page=2": None})
    outcome = watch_index(paged_index(), None, broken, "2026-09-01")  # type: ignore[arg-type]
    assert (outcome.status, outcome.stage, outcome.record) == ("failed", "fetch", None)
    assert outcome.error == f"HTTP 404 Not Found (page 2: {BASE}?page=2)"


def test_ids_of_tracked_policies_are_stable_across_renames() -> None:
    from policywatch.index import tracked_sources, watch_index

    first = Pages({BASE: TABLE})
    day1 = watch_index(paged_index("all"), None, first, "2026-09-01")  # type: ignore[arg-type]
    assert day1.record is not None
    ids = [s.id for s in tracked_sources(paged_index("all"), day1.record, [])]
    assert ids == ["lib-mp-201", "lib-mp-202"]
    renamed = Pages({BASE: TABLE.replace(b"MP-201", b"MP-201A").replace(b"Sleep", b"Sleeping")})
    day2 = watch_index(paged_index("all"), day1.record, renamed, "2026-09-02")  # type: ignore[arg-type]
    assert [c.action for c in day2.changes] == ["renamed"]
    assert [s.id for s in tracked_sources(paged_index("all"), day2.record, [])] == ids


# -- a PDF bulletin of links ----------------------------------------------------------------------


def bulletin() -> bytes:
    """A one-page update bulletin as plans print them (fpdf2, our own text): a title
    line, a linked title, a number and title beside a linked address, an address
    printed without a link, a contact address that is no policy."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)

    def line(text: str, link: str = "", width: float = 0) -> None:
        pdf.cell(width, 8, text, link=link, new_x="LMARGIN" if not width else "RIGHT",
                 new_y="NEXT" if not width else "TOP")  # fmt: skip

    line("Acme Health - Medical Policy Update Bulletin, September 2026")
    line("Widget Therapy for Knee Pain", "https://plan.example.org/p/widget.pdf")
    line("MP-202 Gene Testing", width=60)
    line("https://plan.example.org/p/gene.pdf", "https://plan.example.org/p/gene.pdf")
    line("Sleep Devices: https://plan.example.org/p/sleep.pdf")
    line("Questions? Write to policy@example.org", "mailto:policy@example.org")
    return bytes(pdf.output())


def test_a_pdf_bulletin_lists_the_policies_it_links() -> None:
    page = read_page(bulletin(), BASE + "bulletin.pdf")
    assert [(e.link, e.title) for e in page.entries] == [
        ("https://plan.example.org/p/widget.pdf", "Widget Therapy for Knee Pain"),
        ("https://plan.example.org/p/gene.pdf", "MP-202 Gene Testing"),  # the rest of its line
        ("https://plan.example.org/p/sleep.pdf", "Sleep Devices"),  # printed, not linked
    ]
    assert page.next_url is None


def test_a_damaged_pdf_bulletin_is_a_clear_error() -> None:
    with pytest.raises(ExtractError, match="PDF is damaged and cannot be read"):
        read_page(b"%PDF-1.7\n" + b"\x00garbage" * 50, BASE + "bulletin.pdf")
