"""Issue 16 in the store: policy indexes served over HTTP on 127.0.0.1 in three layouts
(a plain list, a table with number and effective-date columns, a paginated listing),
watched across three back-dated runs: new, retired and renamed entries are recorded as
data and in the run log; ``track = "all"`` / ``"new"`` snapshot the listed policies in
the same run; an index that suddenly lists nothing is suspect (exit 3, nothing
recorded); a retired policy stays in ``show`` and ``log``."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.executors import Engine, make_executor
from policywatch.fetch import FetchSettings
from policywatch.index import IndexRecord
from policywatch.render.output import report_output
from policywatch.report import build_report, month_period
from policywatch.snapshot import run_snapshot
from policywatch.store import Run, Store
from tests.store_support import Reply, Route, assert_sound, git, http_server

FAST = FetchSettings(timeout=2.0, retries=0, backoff=0.0)


def day(n: int) -> datetime:
    return datetime(2026, 9, n, 6, 0, tzinfo=UTC)


def policy(number: str, title: str, status: str = "investigational") -> bytes:
    """A small policy in the corpus layout (our own text)."""
    return f"""# {title}

Acme Health Medical Policy

Policy Number: {number}
Effective Date: January 1, 2026

## Policy

{title} is considered {status} for the treatment of chronic knee pain in adults.

## Description

{title} applies low-frequency vibration to the knee joint. This policy states the
plan's coverage position and the evidence the medical policy committee reviewed.

## Summary of Evidence

For individuals with chronic knee pain, the evidence includes two randomized
controlled trials. The evidence is insufficient to determine the effects of the
technology on health outcomes.

## Coding

CPT 97139 Unlisted therapeutic procedure

## Policy History

01/01/2026 New policy. Coverage eligibility: {status}.
""".encode()


def plain(*items: tuple[str, str]) -> bytes:
    links = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in items)
    return f'<html><body><nav><a href="/">Home</a></nav><ul>{links}</ul></body></html>'.encode()


def table(*rows: tuple[str, str, str, str]) -> bytes:
    head = "<tr><th>Policy Number</th><th>Title</th><th>Effective Date</th></tr>"
    body = "".join(
        f'<tr><td>{n}</td><td><a href="{href}">{t}</a></td><td>{d}</td></tr>'
        for n, href, t, d in rows
    )
    return f"<html><body><table>{head}{body}</table></body></html>".encode()


def paged(items: list[tuple[str, str]], next_href: str | None) -> bytes:
    page = plain(*items).decode()
    if next_href:
        page = page.replace("</ul>", f'</ul><p><a href="{next_href}">Next &raquo;</a></p>')
    return page.encode()


# The three runs: what each index lists.
PLAIN_RUNS = [
    plain(("/p/knee", "Widget Therapy"), ("/p/gone", "Old Therapy")),
    plain(("/p/knee", "Widget Therapy"), ("/p/gone", "Old Therapy"), ("/p/fresh", "Fresh")),
    plain(("/p/knee", "Widget Therapy for Knee Pain"), ("/p/fresh", "Fresh")),
]
TABLE_RUNS = [
    table(("MP-201", "/t/201", "Sleep Devices", "01/15/2026")),
    table(
        ("MP-201", "/t/201", "Sleep Devices", "01/15/2026"),
        ("MP-202", "/t/202", "Gene Testing", "03/01/2026"),
    ),
    table(
        ("MP-201A", "/t/201", "Sleep Devices", "07/01/2026"),
        ("MP-202", "/t/202", "Gene Testing", "03/01/2026"),
    ),
]
PAGED_RUNS = [
    ([("/d/1", "One")], [("/d/2", "Two")]),
    ([("/d/1", "One")], [("/d/2", "Two"), ("/d/3", "Three")]),
    ([("/d/1", "One")], [("/d/3", "Three")]),
]


def routes_for() -> dict[str, Route]:
    routes = {
        "/plain": Route([Reply(body=b) for b in PLAIN_RUNS]),
        "/table": Route([Reply(body=b) for b in TABLE_RUNS]),
        "/paged": Route([Reply(body=paged(first, "/paged?page=2")) for first, _ in PAGED_RUNS]),
        "/paged?page=2": Route([Reply(body=paged(second, None)) for _, second in PAGED_RUNS]),
    }
    pages = {
        "/p/knee": policy("MP-101", "Widget Therapy"),
        "/p/gone": policy("MP-102", "Old Therapy"),
        "/p/fresh": policy("MP-103", "Fresh Therapy"),
        "/t/201": policy("MP-201", "Sleep Devices"),
        "/t/202": policy("MP-202", "Gene Testing"),
    }
    routes.update({path: Route([Reply(body=body)]) for path, body in pages.items()})
    return routes


def config_for(path: Path, base: str) -> Path:
    path.write_text(
        f"""[[index]]
id = "acme-plain"
payer = "Acme Health"
url = "{base}/plain"
track = "all"

[[index]]
id = "acme-table"
payer = "Acme Health"
plan = "Commercial"
url = "{base}/table"
track = "new"

[[index]]
id = "acme-paged"
payer = "Acme Health"
url = "{base}/paged"
""",
        encoding="utf-8",
    )
    return path


def record(store: Path, slug: str) -> IndexRecord:
    found = IndexRecord.from_bytes((store / "_index" / slug / "index.json").read_bytes())
    assert found is not None
    return found


def head_run(store: Path) -> Run:
    return Run.from_message(git(store, "log", "-1", "--format=%B"))


def library(run: Run) -> set[tuple[str, str, str]]:
    return {(line.index_id, line.action, line.title) for line in run.library}


@pytest.fixture
def watched(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    with http_server(routes_for()) as base:
        config = config_for(tmp_path / "sources.toml", base)
        yield store, config, base


def test_three_runs_record_new_retired_and_renamed(watched) -> None:  # type: ignore[no-untyped-def]
    store, config, base = watched

    first = run_snapshot(config, store, as_of=day(1), settings=FAST)
    assert first.exit_code == 0, first.to_dict()
    # track = "all": the listed policies are snapshotted in the same run
    assert {o.id: o.status for o in first.outcomes} == {
        "acme-plain-" + _hash(base + "/p/knee"): "added",
        "acme-plain-" + _hash(base + "/p/gone"): "added",
    }
    assert [(o.id, o.status, o.entries, o.pages) for o in first.indexes] == [
        ("acme-plain", "added", 2, 1),
        ("acme-table", "added", 1, 1),
        ("acme-paged", "added", 2, 2),
    ]
    assert head_run(store).library == ()  # a first listing is no change
    table_entries = record(store, "acme-table").entries
    assert [(e.number, e.dates, e.initial, e.source) for e in table_entries] == [
        ("MP-201", {"effective": "2026-01-15"}, True, None),  # track = "new": not before
    ]

    second = run_snapshot(config, store, as_of=day(2), settings=FAST)
    assert second.exit_code == 0, second.to_dict()
    assert library(head_run(store)) == {
        ("acme-plain", "new", "Fresh"),
        ("acme-table", "new", "Gene Testing"),
        ("acme-paged", "new", "Three"),
    }
    added = {o.id for o in second.outcomes if o.status == "added"}
    # the new table entry is tracked under its number; the new plain one by its link
    assert added == {"acme-table-mp-202", "acme-plain-" + _hash(base + "/p/fresh")}

    third = run_snapshot(config, store, as_of=day(3), settings=FAST)
    assert third.exit_code == 0, third.to_dict()
    run = head_run(store)
    assert library(run) == {
        ("acme-plain", "renamed", "Widget Therapy for Knee Pain"),
        ("acme-plain", "retired", "Old Therapy"),
        ("acme-table", "renamed", "Sleep Devices"),  # its number changed
        ("acme-paged", "retired", "Two"),
    }
    assert run.message().startswith("Snapshot 2026-09-03T06:00:00Z: 2 listed retired, 2 listed")
    gone = {e.title: e for e in record(store, "acme-plain").entries}["Old Therapy"]
    assert (gone.retired, gone.first_seen, gone.active) == ("2026-09-03", "2026-09-01", False)
    # the retired policy is no longer fetched, and nothing of it is deleted
    assert "acme-plain-" + _hash(base + "/p/gone") not in {o.id for o in third.outcomes}
    renamed = {e.link: e for e in record(store, "acme-table").entries}[base + "/t/201"]
    assert (renamed.number, renamed.dates) == ("MP-201A", {"effective": "2026-07-01"})
    assert_sound(store)

    runner = CliRunner()
    gone_id = "acme-plain-" + _hash(base + "/p/gone")
    shown = runner.invoke(main, ["show", gone_id, "--store", str(store)])
    assert shown.exit_code == 0, shown.output
    assert "Old Therapy" in shown.output
    logged = runner.invoke(main, ["log", gone_id, "--store", str(store), "--format", "json"])
    assert logged.exit_code == 0, logged.output
    assert [v["date"] for v in json.loads(logged.output)] == ["2026-09-01T06:00:00Z"]

    report = build_report(store, month_period("2026-09"))
    assert report.library_counts == {"new": 3, "retired": 2, "renamed": 2}
    (acme,) = report.library
    assert acme.payer == "Acme Health"
    retired = {i.title: i for i in acme.of("retired")}["Old Therapy"]
    assert (retired.severity, retired.source_id) == ("high", gone_id)
    assert retired.recorded_at == day(3)
    renamed = {i.index_id: i for i in acme.of("renamed")}["acme-table"]
    assert (renamed.number, renamed.plan) == ("MP-201A", "Commercial")

    data = json.loads(report_output(report, "json"))
    changes = {
        (c["index_id"], c["action"], c["title"]) for c in data["library_changes"][0]["changes"]
    }
    assert ("acme-plain", "retired", "Old Therapy") in changes and len(changes) == 7
    rows = [
        r for r in csv.DictReader(io.StringIO(str(report_output(report, "csv")).lstrip("\ufeff")))
    ]
    library_rows = [r for r in rows if r["kind"] == "library"]
    assert {(r["action"], r["after"]) for r in library_rows} >= {("retired", "Old Therapy")}
    assert {r["url"] for r in library_rows if r["action"] == "new"} == {
        base + "/p/fresh",
        base + "/t/202",
        base + "/d/3",
    }
    # status: the sources the indexes track, with their index; list: retired ones too
    status = runner.invoke(
        main, ["status", "--config", str(config), "--store", str(store), "--format", "json"]
    )
    by_id = {s["id"]: s for s in json.loads(status.output)["sources"]}
    assert by_id["acme-table-mp-202"]["index"] == "acme-table"
    assert by_id["acme-table-mp-202"]["plan"] == "Commercial"
    assert by_id["acme-plain-" + _hash(base + "/p/fresh")]["index"] == "acme-plain"
    assert gone_id not in by_id  # retired: no longer fetched
    text = runner.invoke(main, ["status", "--config", str(config), "--store", str(store)])
    assert "from index acme-table" in text.output
    listed = runner.invoke(main, ["list", "--store", str(store), "--format", "json"])
    rows = {r["source_id"]: r for r in json.loads(listed.output)["policies"]}
    assert (rows[gone_id]["index"], rows[gone_id]["retired"]) == ("acme-plain", "2026-09-03")
    assert (rows["acme-table-mp-202"]["index"], rows["acme-table-mp-202"]["retired"]) == (
        "acme-table",
        None,
    )
    listed = runner.invoke(main, ["list", "--store", str(store)], terminal_width=200)
    assert "RETIRED from" in listed.output, listed.output

    assert report_output(report, "xlsx")  # the changes sheet takes the library rows too
    page = str(report_output(report, "html"))
    assert "Policy library changes" in page and "<h3>Acme Health</h3>" in page
    assert page.count('class="library-retired"') == 2


def test_an_index_that_lists_nothing_is_suspect(tmp_path: Path) -> None:
    routes = {
        "/plain": Route(
            [Reply(body=b) for b in (PLAIN_RUNS[0], plain(), plain(), b"<html><ul></ul></html>")]
        ),
        "/p/knee": Route([Reply(body=policy("MP-101", "Widget Therapy"))]),
        "/p/gone": Route([Reply(body=policy("MP-102", "Old Therapy"))]),
    }
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = config_for(tmp_path / "sources.toml", base)
        config.write_text(config.read_text().split("\n\n")[0] + "\n", encoding="utf-8")
        run_snapshot(config, store, as_of=day(1), settings=FAST)

        summary = run_snapshot(config, store, as_of=day(2), settings=FAST)
        # the CLI says so with exit 3; --accept records the empty listing on purpose
        args = ["snapshot", "--config", str(config), "--store", str(store)]
        cli = CliRunner().invoke(main, [*args, "--as-of", "2026-09-03T06:00:00Z"])
        accepted = CliRunner().invoke(
            main, [*args, "--as-of", "2026-09-04T06:00:00Z", "--accept", "acme-plain"]
        )

    assert summary.exit_code == 3
    (outcome,) = summary.indexes
    assert (outcome.status, outcome.stage, outcome.error) == (
        "failed",
        "suspect",
        "the index lists none of its 2 policies",  # the site's "Home" link is no policy
    )
    assert {o.status for o in summary.outcomes} == {"unchanged"}  # still tracked
    run = Run.from_message(git(store, "log", "-1", "--format=%B", "HEAD~2"))
    assert run.library == ()
    assert git(store, "diff", "--stat", "HEAD~3", "HEAD~1") == ""  # recorded nothing
    assert [(f.source_id, f.stage) for f in run.index_failed] == [("acme-plain", "suspect")]
    assert "1 index failed" in run.message().splitlines()[0]
    assert cli.exit_code == 3, cli.output
    assert "1 index: 0 library changes, 1 failed" in cli.output
    assert accepted.exit_code == 0, accepted.output
    assert {line.action for line in head_run(store).library} == {"retired"}
    assert_sound(store)
    assert not record(store, "acme-plain").active


def test_a_304_keeps_the_listing(tmp_path: Path) -> None:
    routes = {"/plain": Route([Reply(body=PLAIN_RUNS[0])], etag='"v1"')}
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = tmp_path / "sources.toml"
        config.write_text(f'[[index]]\nid = "lib"\npayer = "Acme"\nurl = "{base}/plain"\n')
        run_snapshot(config, store, as_of=day(1), settings=FAST)
        summary = run_snapshot(config, store, as_of=day(2), settings=FAST)
    assert routes["/plain"].requests[-1].get("if-none-match") == '"v1"'
    assert [(o.status, o.entries) for o in summary.indexes] == [("unchanged", 2)]
    assert summary.exit_code == 0
    opened = Store.open(store)
    try:
        assert list(opened.tree()) == ["_index/lib/index.json"]  # track = "none"
    finally:
        opened.close()


def _hash(link: str) -> str:
    import hashlib

    return hashlib.sha256(link.encode()).hexdigest()[:10]


def test_a_big_tracked_index_gets_the_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A run of few configured sources stays in this process (workers=1); an index whose
    # stored listing tracks many policies counts them too (here "many" is 3), and the
    # run asks for the default worker processes (workers=None). The engine asked for
    # is recorded and run in this process: the pool itself is tested elsewhere.
    import policywatch.snapshot.run as run_module

    asked: list[int | None] = []

    def engine(kind: str, workers: int | None, *rest: object) -> Engine:
        asked.append(workers)
        return make_executor(kind, 1)

    monkeypatch.setattr(run_module, "AUTO_MIN_SOURCES", 3)
    monkeypatch.setattr(run_module, "make_executor", engine)
    listed = [(f"/p/{n}", f"Widget Therapy {n}") for n in range(4)]
    routes = {"/plain": Route([Reply(body=plain(*listed))])}
    for n, (href, title) in enumerate(listed):
        routes[href] = Route([Reply(body=policy(f"MP-{n}", title))])
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = config_for(tmp_path / "sources.toml", base)
        config.write_text(config.read_text().split("\n\n")[0] + "\n", encoding="utf-8")
        first = run_snapshot(config, store, as_of=day(1), settings=FAST)
        second = run_snapshot(config, store, as_of=day(2), settings=FAST)
    assert [o.status for o in first.outcomes] == ["added"] * 4
    assert [o.status for o in second.outcomes] == ["unchanged"] * 4
    assert asked == [1, None]  # nothing listed yet; then four tracked policies


def test_a_saved_listing_follows_its_next_pages_in_its_own_folder(tmp_path: Path) -> None:
    listing = tmp_path / "listing"
    listing.mkdir()
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_bytes(paged([("https://acme.example/p/9", "Nine")], None))
    (listing / "index.html").write_bytes(
        paged([("https://acme.example/p/1", "One")], "page%202.html")
    )
    (listing / "page 2.html").write_bytes(
        paged([("https://acme.example/p/2", "Two")], "../elsewhere.html")
    )
    config = tmp_path / "sources.toml"
    config.write_text(
        '[[index]]\nid = "acme"\npayer = "Acme Health"\npath = "listing/index.html"\n',
        encoding="utf-8",
    )
    summary = run_snapshot(config, tmp_path / "store", as_of=day(1), settings=FAST)
    (outcome,) = summary.indexes
    assert (outcome.status, outcome.pages, outcome.entries) == ("added", 2, 2), outcome
    titles = {e.title for e in record(tmp_path / "store", "acme").entries}
    assert titles == {"One", "Two"}  # the page outside the listing's folder is not read


def test_a_web_index_never_makes_us_read_a_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_bytes(plain(("https://evil.example/x", "SECRET-TOKEN")))
    page = plain(("/p/knee", "Widget Therapy")).replace(
        b"</ul>", f'</ul><a rel="next" href="{secret.as_uri()}">Next</a>'.encode()
    )
    routes = {"/plain": Route([Reply(body=page)])}
    routes["/p/knee"] = Route([Reply(body=policy("MP-101", "Widget Therapy"))])
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = config_for(tmp_path / "sources.toml", base)
        config.write_text(config.read_text().split("\n\n")[0] + "\n", encoding="utf-8")
        summary = run_snapshot(config, store, as_of=day(1), settings=FAST)
    (outcome,) = summary.indexes
    assert (outcome.status, outcome.pages) == ("added", 1)
    assert {e.title for e in record(store, "acme-plain").entries} == {"Widget Therapy"}
