"""Issue 12, item 1 in the store: a policy URL that answers 200 with a login page, a bot
check, a soft 404 or an archived notice records no version. Each is a *suspect* (or
*retired*) failure: exit 3, named in the summary and the run log, raw bytes under
failed/, the last good version current, listed in the report's failed sources; and
``--accept`` records one on purpose. Also: the run is dated once the store lock is
held, a future --as-of is refused, and a redirect's final URL is kept."""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

from policywatch.cli import main
from policywatch.fetch import Fetcher, FetchOutcome, FetchSettings
from policywatch.model import Policy
from policywatch.report import build_report, range_period
from policywatch.snapshot import run_snapshot
from policywatch.sources import Source
from policywatch.store import Store
from policywatch.timeline import versions
from tests.conftest import FIXTURES
from tests.store_support import (
    Reply,
    Route,
    assert_sound,
    commit_count,
    corpus_bytes,
    git,
    http_server,
    write_sources,
)

FAST = FetchSettings(timeout=2.0, retries=0, backoff=0.0)
JUNK = FIXTURES / "junk"
POLICY = corpus_bytes("001")
STEADY = corpus_bytes("004")
FOLDER = "web-payer/policy"


def junk(name: str) -> bytes:
    return (JUNK / name).read_bytes()


def sources(config: Path, base: str) -> Path:
    entries = [
        {"id": "policy", "payer": "Web Payer", "url": base + "/policy"},
        {"id": "steady", "payer": "Web Payer", "url": base + "/steady"},
    ]
    return write_sources(config, entries)


def day(n: int) -> datetime:
    return datetime(2026, 9, n, 6, 0, tzinfo=UTC)


def stored(store: Path) -> bytes:
    return (store / FOLDER / "policy.json").read_bytes()


SEQUENCE = [  # (what the URL serves, the outcome, the stage, how the reason starts)
    (POLICY, "added", None, None),
    (junk("login.html"), "failed", "suspect", "looks like a login page: “Sign in to Provider"),
    (junk("bot_check.html"), "failed", "suspect", "looks like a bot check: “Verifying you are"),
    (junk("soft_404.html"), "failed", "suspect", "looks like a page-not-found page: “We can't"),
    (junk("archived.html"), "failed", "retired", "the page says the policy was retired or"),
    (POLICY, "unchanged", None, None),
]


def test_junk_pages_record_no_version_until_the_policy_returns(tmp_path: Path) -> None:
    routes = {
        "/policy": Route([Reply(body=body) for body, *_ in SEQUENCE]),
        "/steady": Route([Reply(body=STEADY)]),
    }
    store = tmp_path / "store"
    summaries = []
    good = b""
    with http_server(routes) as base:
        config = sources(tmp_path / "sources.toml", base)
        for n, (body, status, stage, reason) in enumerate(SEQUENCE, start=1):
            summary = run_snapshot(config, store, as_of=day(n), settings=FAST)
            summaries.append(summary)
            outcome = {o.id: o for o in summary.outcomes}["policy"]
            assert (outcome.status, outcome.stage) == (status, stage), (n, outcome)
            assert {o.id: o.status for o in summary.outcomes}["steady"] in ("added", "unchanged")
            if n == 1:
                good = stored(store)
            if reason is None:
                continue
            assert outcome.error and outcome.error.startswith(reason), outcome.error
            assert summary.exit_code == 3
            assert f"1 failed (1 {stage})" in summary.line()
            # the run log names it, in the form the report reads
            message = git(store, "log", "-1", "--format=%B")
            assert f"- policy ({FOLDER}): {stage}: {reason}" in message
            assert "Policywatch-Failed: policy" in message
            # its bytes are kept under failed/ with the reason; the last good version stays
            assert (store / FOLDER / "failed" / "source.html").read_bytes() == body
            error = json.loads((store / FOLDER / "failed" / "error.json").read_text())
            assert (error["stage"], error["error"]) == (stage, outcome.error)
            assert (store / FOLDER / "source.txt").read_bytes() == POLICY
            assert stored(store) == good

    # the policy came back unchanged: no version, and the failed/ area is cleared
    last = {o.id: o for o in summaries[-1].outcomes}["policy"]
    assert last.notes == ["cleared an earlier retirement notice (the policy is back, unchanged)"]
    assert not (store / FOLDER / "failed").exists()
    assert summaries[-1].exit_code == 0
    assert commit_count(store) == len(SEQUENCE)
    found = versions(Store.open(store), FOLDER)
    assert len(found) == 1 and found[0].summary.startswith("first recorded: ")
    assert Policy.from_json(stored(store).decode()).coverage[0].status == "investigational"
    assert_sound(store)

    # the report: no change in the period, the suspect source listed as failed
    report = build_report(store, range_period("2026-09-01", "2026-09-30"))
    assert report.changed == []
    [failed] = report.failed
    assert (failed.source_id, failed.stage, failed.failures) == ("policy", "retired", 4)
    assert failed.error.startswith("the page says the policy was retired or archived: “This")
    assert failed.first_failed_at == day(2) and failed.has_version
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        ["report", "--store", str(store), "--since", "2026-09-01", "--until", "2026-09-30"]
        + ["--format", "json", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert exported["summary"]["changed"] == 0
    [entry] = exported["failed_sources"]
    assert (entry["source_id"], entry["stage"], entry["failures"]) == ("policy", "retired", 4)


def test_accept_records_a_suspect_document_on_purpose(tmp_path: Path) -> None:
    login = junk("login.html")
    routes = {
        "/policy": Route([Reply(body=POLICY), Reply(body=login)]),
        "/steady": Route([Reply(body=STEADY)]),
    }
    store = tmp_path / "store"
    runner = CliRunner()
    with http_server(routes) as base:
        config = sources(tmp_path / "sources.toml", base)
        args = ["snapshot", "--config", str(config), "--store", str(store)]
        env = {"POLICYWATCH_FETCH_RETRIES": "0", "POLICYWATCH_FETCH_BACKOFF": "0"}
        assert runner.invoke(main, [*args, "--as-of", "2026-09-01"], env=env).exit_code == 0
        held = runner.invoke(main, [*args, "--as-of", "2026-09-02"], env=env)
        assert held.exit_code == 3
        assert "0 added, 0 changed, 1 unchanged, 1 failed (1 suspect)" in held.stdout
        assert held.stderr == (
            "failed: policy: suspect: looks like a login page: “Sign in to Provider Portal”\n"
            "  the last version stays current; if this document is right, record it with: "
            "policywatch snapshot --accept policy\n"
        )
        unknown = runner.invoke(main, [*args, "--accept", "nope"], env=env)
        assert unknown.exit_code == 2
        assert unknown.output == f"Error: --accept nope: no source with that id in {config}\n"

        accepted = runner.invoke(
            main, [*args, "--as-of", "2026-09-03", "--accept", "policy"], env=env
        )
    assert accepted.exit_code == 0, accepted.output
    assert "0 added, 1 changed, 1 unchanged, 0 failed" in accepted.stdout
    assert Policy.from_json(stored(store).decode()).title == "Sign in to Provider Portal"
    assert (store / FOLDER / "source.html").read_bytes() == login
    assert not (store / FOLDER / "failed").exists()
    message = git(store, "log", "-1", "--format=%B")
    assert (
        "- policy: recorded on purpose (accepted), though suspect: looks like a login page"
        in message
    )
    assert len(versions(Store.open(store), FOLDER)) == 2
    assert_sound(store)


def test_a_first_snapshot_that_is_no_policy_is_suspect(tmp_path: Path) -> None:
    routes = {
        "/policy": Route([Reply(body=junk("soft_404.html"))]),
        "/steady": Route([Reply(body=STEADY)]),
    }
    store = tmp_path / "store"
    with http_server(routes) as base:
        summary = run_snapshot(sources(tmp_path / "sources.toml", base), store, settings=FAST)
    assert [(o.status, o.stage) for o in summary.outcomes] == [
        ("failed", "suspect"),
        ("added", None),
    ]
    assert summary.exit_code == 3
    files = set(git(store, "ls-files").split())
    assert f"{FOLDER}/failed/source.html" in files
    assert f"{FOLDER}/policy.json" not in files


def test_a_collapsed_policy_is_suspect_and_a_revision_is_not(tmp_path: Path) -> None:
    text = POLICY.decode()
    stub = text.split("## **Services Are Considered Investigational**")[0] + (
        "Policy content is being updated. Please check back later.\n"
    )
    revised = text.replace("07/08/2024", "07/08/2025")
    routes = {
        "/policy": Route(
            [Reply(body=POLICY), Reply(body=stub.encode()), Reply(body=revised.encode())]
        ),
        "/steady": Route([Reply(body=STEADY)]),
    }
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = sources(tmp_path / "sources.toml", base)
        run_snapshot(config, store, as_of=day(1), settings=FAST)
        collapsed = run_snapshot(config, store, as_of=day(2), settings=FAST)
        back = run_snapshot(config, store, as_of=day(3), settings=FAST)
    outcome = collapsed.outcomes[0]
    assert (outcome.status, outcome.stage) == ("failed", "suspect")
    assert outcome.error and outcome.error.startswith(
        "reads as a collapse of the previous version: 1 of 1 coverage statements gone; "
        "4 of 4 billing codes gone"
    )
    assert (back.outcomes[0].status, back.exit_code) == ("changed", 0)
    found = versions(Store.open(store), FOLDER)
    assert len(found) == 2
    assert "coverage" not in found[-1].summary.lower()  # only the dates moved


def test_a_future_as_of_is_refused(tmp_path: Path) -> None:
    config = write_sources(tmp_path / "sources.toml", [{"id": "a", "payer": "p", "path": "x"}])
    store = tmp_path / "store"
    result = CliRunner().invoke(
        main, ["snapshot", "--config", str(config), "--store", str(store), "--as-of", "2999-01-01"]
    )
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: --as-of 2999-01-01T00:00:00Z is in the future (it is now "
    )
    assert result.output.endswith("): a run cannot be recorded before it happens\n")
    assert not store.exists()


def test_the_run_is_dated_when_the_lock_is_held(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_bytes(POLICY)
    config = write_sources(
        tmp_path / "sources.toml", [{"id": "a", "payer": "p", "path": "doc.txt"}]
    )
    store = tmp_path / "store"
    run_snapshot(config, store, as_of=day(1))  # the store exists, with its lock file
    doc.write_bytes(POLICY + b"\nRevised.\n")
    held = threading.Event()
    released: list[float] = []

    def hold() -> None:  # another run holding the lock past a second boundary the run
        lock = FileLock(str(store / ".git" / "policywatch" / "lock"))  # starts before
        with lock:
            held.set()
            time.sleep(math.ceil(time.time() + 0.5) - time.time() + 0.1)
            released.append(time.time())

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    summary = run_snapshot(config, store, lock_timeout=30)
    holder.join()
    assert summary.when.timestamp() >= int(released[0])
    assert int(git(store, "log", "-1", "--format=%ct").strip()) >= int(released[0])


def test_the_final_url_after_redirects_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @dataclass(frozen=True)
    class Redirected(FetchOutcome):
        final_url: str | None = None

    real_fetch = Fetcher.fetch

    def fetch(self: Fetcher, source: Source, prior=None) -> FetchOutcome:  # type: ignore[no-untyped-def]
        outcome = real_fetch(self, source, prior)
        values = {f.name: getattr(outcome, f.name) for f in fields(FetchOutcome)}
        values["final_url"] = (source.url or "") + "/moved"
        return Redirected(**values)

    monkeypatch.setattr(Fetcher, "fetch", fetch)
    routes = {
        "/policy": Route([Reply(body=POLICY), Reply(body=junk("login.html"))]),
        "/steady": Route([Reply(body=STEADY)]),
    }
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = sources(tmp_path / "sources.toml", base)
        run_snapshot(config, store, as_of=day(1), settings=FAST)
        meta = json.loads((store / FOLDER / "meta.json").read_text())
        assert meta["final_url"] == base + "/policy/moved"
        run_snapshot(config, store, as_of=day(2), settings=FAST)
    error = json.loads((store / FOLDER / "failed" / "error.json").read_text())
    assert error["final_url"] == base + "/policy/moved"


def test_a_retirement_notice_is_one_high_severity_retired_entry_in_the_report(
    tmp_path: Path,
) -> None:
    routes = {
        "/policy": Route([Reply(body=POLICY), Reply(body=junk("archived.html"))]),
        "/steady": Route([Reply(body=STEADY)]),
    }
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = sources(tmp_path / "sources.toml", base)
        assert run_snapshot(config, store, as_of=day(1), settings=FAST).exit_code == 0
        assert run_snapshot(config, store, as_of=day(2), settings=FAST).exit_code == 3
    report = build_report(store, range_period("2026-09-02", "2026-09-30"))
    assert report.changed == []  # no coverage statement "removed", no version recorded
    last = Policy.from_json(stored(store).decode())  # still the current version
    [library] = report.library
    [item] = library.items
    assert (library.payer, item.action, item.severity) == (last.payer, "retired", "high")
    assert (item.source_id, item.index_id, item.title) == ("policy", "", last.title)
    [failed] = report.failed
    assert failed.stage == "retired" and failed.has_version
    for fmt, shown in (("html", "its own page"), ("csv", "retirement notice")):
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(
            main,
            ["report", "--store", str(store), "--since", "2026-09-02", "--until", "2026-09-30"]
            + ["--format", fmt, "-o", str(out)],
        )
        assert result.exit_code == 0, result.output
        assert shown in out.read_text(encoding="utf-8")
