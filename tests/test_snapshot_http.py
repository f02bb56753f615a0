"""Fetching over HTTP from a real server on 127.0.0.1: each kind of trouble gets the
right outcome, and nothing stored is ever removed or blanked."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.fetch import Fetcher, FetchSettings, Validators
from policywatch.snapshot import run_snapshot
from policywatch.sources import Source
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

FAST = FetchSettings(timeout=0.5, retries=2, backoff=0.0, max_bytes=200_000)


def url_sources(config: Path, base: str, paths: list[str]) -> Path:
    entries = [{"id": p.strip("/"), "payer": "Web Payer", "url": base + p} for p in paths]
    return write_sources(config, entries)


def statuses(summary) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {o.id: o.status for o in summary.outcomes}


def test_each_http_outcome_and_nothing_removed(tmp_path: Path) -> None:
    doc = corpus_bytes("001")
    routes = {
        "/ok": Route([Reply(body=corpus_bytes("004"))]),
        "/etag": Route([Reply(body=corpus_bytes("003"))], etag='"v1"'),
        "/gone": Route([Reply(body=corpus_bytes("002")), Reply(404, b"not here")]),
        "/flaky": Route([Reply(body=doc), Reply(500, b"oops"), Reply(body=doc + b"\nRevised.\n")]),
        "/slow": Route([Reply(body=corpus_bytes("000")), Reply(body=b"late", delay=2.0)]),
        "/reset": Route([Reply(body=corpus_bytes("004") + b"\nx\n"), Reply(reset=True)]),
        "/huge": Route([Reply(body=corpus_bytes("002") + b"\n"), Reply(body=b"x" * 300_000)]),
    }
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = url_sources(tmp_path / "sources.toml", base, list(routes))
        first = run_snapshot(config, store, settings=FAST)
        assert set(statuses(first).values()) == {"added"}, first.to_dict()
        before = {p: (store / p).read_bytes() for p in git(store, "ls-files").split()}

        second = run_snapshot(config, store, settings=FAST)

    got = statuses(second)
    assert got == {
        "ok": "unchanged",
        "etag": "unchanged",
        "gone": "failed",
        "flaky": "changed",
        "slow": "failed",
        "reset": "failed",
        "huge": "failed",
    }
    errors = {o.id: o.error for o in second.failed}
    assert errors["gone"] == "HTTP 404 Not Found"
    assert errors["slow"].startswith("timed out (ReadTimeout) (after 3 attempts)")
    assert (
        errors["reset"].startswith("connection error: ") and "after 3 attempts" in errors["reset"]
    )
    assert errors["huge"] == "response is 300000 bytes, over the 200000-byte limit"
    assert second.exit_code == 3
    # conditional request: the stored ETag was sent and 304 honoured
    assert routes["/etag"].requests[-1].get("if-none-match") == '"v1"'
    # 500 then 200: retried within the run
    assert len(routes["/flaky"].requests) == 3

    # One commit for the run; every failed policy still has its last version.
    assert commit_count(store) == 2
    after = {p: (store / p).read_bytes() for p in git(store, "ls-files").split()}
    assert set(after) == set(before)
    for path, data in before.items():
        if not path.startswith("web-payer/flaky/"):
            assert after[path] == data, path
    message = git(store, "log", "-1", "--format=%B")
    assert "Changed:\n- flaky (web-payer/flaky)" in message
    assert "- gone (web-payer/gone): fetch: HTTP 404 Not Found" in message
    assert "Policywatch-Failed: huge" in message
    assert_sound(store)


def test_cap_without_content_length_stops_streaming() -> None:
    routes = {"/stream": Route([Reply(body=b"y" * 500_000, declare_length=False)])}
    with http_server(routes) as base, Fetcher(FAST) as fetcher:
        source = Source(id="s", payer="p", url=base + "/stream")
        outcome = fetcher.fetch(source)
    assert (outcome.status, outcome.error) == ("failed", "response is over the 200000-byte limit")


def test_last_modified_is_sent_back() -> None:
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    routes = {"/lm": Route([Reply(body=b"policy text", headers={"Last-Modified": stamp})])}
    with http_server(routes) as base, Fetcher(FAST) as fetcher:
        source = Source(id="s", payer="p", url=base + "/lm")
        first = fetcher.fetch(source)
        assert first.validators == Validators(None, stamp)
        fetcher.fetch(source, first.validators)
    assert routes["/lm"].requests[-1].get("if-modified-since") == stamp


def test_connection_refused_and_empty_body() -> None:
    routes = {"/empty": Route([Reply(body=b"")])}
    with http_server(routes) as base, Fetcher(FetchSettings(timeout=0.4, retries=0)) as fetcher:
        empty = fetcher.fetch(Source(id="e", payer="p", url=base + "/empty"))
    assert (empty.status, empty.error) == ("failed", "empty response body")
    with Fetcher(FetchSettings(timeout=0.4, retries=1, backoff=0)) as fetcher:
        refused = fetcher.fetch(Source(id="r", payer="p", url=base + "/empty"))
    assert refused.status == "failed" and refused.error
    assert refused.error.startswith("connection error") and "after 2 attempts" in refused.error


def test_cli_exit_3_when_a_source_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routes = {"/ok": Route([Reply(body=corpus_bytes("004"))]), "/missing": Route([Reply(404)])}
    store = tmp_path / "store"
    with http_server(routes) as base:
        config = url_sources(tmp_path / "sources.toml", base, list(routes))
        env = {"POLICYWATCH_FETCH_TIMEOUT": "0.5", "POLICYWATCH_FETCH_BACKOFF": "0"}
        result = CliRunner().invoke(
            main, ["snapshot", "--config", str(config), "--store", str(store)], env=env
        )
    assert result.exit_code == 3
    assert "1 added, 0 changed, 0 unchanged, 1 failed" in result.output
    assert "failed: missing: fetch: HTTP 404 Not Found" in result.output


def test_bad_config_is_exit_2_with_the_line(tmp_path: Path) -> None:
    config = tmp_path / "sources.toml"
    config.write_text('[[source]]\nid = "a"\npayer = "p"\nurl = "gopher://x"\n')
    result = CliRunner().invoke(
        main, ["snapshot", "--config", str(config), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {config}:4: source 'a': url must be http")
    assert not (tmp_path / "s").exists()  # nothing created for a bad config
