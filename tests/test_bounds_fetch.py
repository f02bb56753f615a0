"""Bounded fetching (issue 12): an overall deadline per attempt however slowly a server
sends, redirects to other schemes fail at once, the final URL after redirects is
known, and a ``path`` source that is a FIFO or a device never hangs a run.

Servers run on 127.0.0.1 in threads and stop when the test ends; anything that
could hang on a regression runs with a deadline of its own, so a regression fails
the test instead of hanging the suite."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from policywatch.fetch import Fetcher, FetchSettings, Validators
from policywatch.snapshot import run_snapshot
from policywatch.sources import Source
from tests.store_support import Reply, Route, corpus_bytes, http_server, within, write_sources

ROOT = Path(__file__).resolve().parent.parent
POLICY = corpus_bytes("003")
NO_RETRY = FetchSettings(timeout=3.0, retries=0, backoff=0.0)


# -- a server that sends one byte a second ----------------------------------------------


class _Trickle(BaseHTTPRequestHandler):
    stop: threading.Event
    headers_too = False  # trickle the status line and headers as well as the body
    interval = 1.0

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(POLICY)}\r\n\r\n".encode()
        with contextlib.suppress(OSError):  # the client gives up: expected
            if not self.headers_too:
                self.wfile.write(head)
                self.wfile.flush()
                head = b""
            for index in range(len(head) + len(POLICY)):
                if self.stop.wait(self.interval):
                    return
                self.wfile.write((head + POLICY)[index : index + 1])
                self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def trickle_server(headers_too: bool = False, interval: float = 1.0) -> Iterator[str]:
    """A server sending one byte every ``interval`` seconds."""
    stop = threading.Event()
    handler = type(
        "Handler", (_Trickle,), {"stop": stop, "headers_too": headers_too, "interval": interval}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()  # the handler stops trickling, the client sees the end
        server.shutdown()
        server.server_close()


def test_a_trickling_server_is_cut_off_at_the_deadline(tmp_path: Path) -> None:
    # Before: the timeout was per read, so the run (holding the store lock) waited as
    # long as every byte came within it: at one byte a second, over three hours for
    # this 12 kB policy. Here a byte comes every quarter of the 1 s deadline.
    settings = FetchSettings(timeout=1.0, retries=0, backoff=0.0)
    with trickle_server(interval=0.25) as base:
        config = write_sources(
            tmp_path / "sources.toml", [{"id": "slow", "payer": "P", "url": base + "/p"}]
        )
        start = time.monotonic()
        summary = within(12, lambda: run_snapshot(config, tmp_path / "store", settings=settings))
        elapsed = time.monotonic() - start
    assert elapsed < 4.0  # the 1 s deadline and the run's own work
    (outcome,) = summary.outcomes
    assert outcome.status == "failed"
    assert outcome.error == "timed out (ReadTimeout): no complete response within the 1 s deadline"


def test_trickled_headers_are_cut_off_too() -> None:
    settings = FetchSettings(timeout=0.8, retries=0, backoff=0.0)
    with trickle_server(headers_too=True, interval=0.2) as base, Fetcher(settings) as fetcher:
        source = Source(id="slow", payer="P", url=base + "/p")
        start = time.monotonic()
        outcome = within(8, lambda: fetcher.fetch(source))
        elapsed = time.monotonic() - start
    assert 0.7 < elapsed < 2.5
    assert outcome.status == "failed"
    assert outcome.error == (
        "timed out (ReadTimeout): no complete response within the 0.8 s deadline"
    )


def test_each_retry_gets_a_deadline_of_its_own() -> None:
    settings = FetchSettings(timeout=0.4, retries=2, backoff=0.0)
    with trickle_server(interval=0.1) as base, Fetcher(settings) as fetcher:
        start = time.monotonic()
        outcome = within(8, lambda: fetcher.fetch(Source(id="s", payer="P", url=base + "/p")))
        elapsed = time.monotonic() - start
    assert 1.1 < elapsed < 3.0  # three attempts of 0.4 s
    assert outcome.error == (
        "timed out (ReadTimeout) (after 3 attempts): no complete response within the 0.4 s deadline"
    )


# -- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("file:///etc/passwd", "file://127.0.0.1/etc/passwd"),
        ("ftp://example.org/policy.pdf", "ftp://example.org/policy.pdf"),
    ],
)
def test_redirect_to_another_scheme_fails_at_once(location: str, shown: str) -> None:
    # Before: httpx's UnsupportedProtocol counted as transient and was retried.
    route = Route([Reply(302, headers={"Location": location})])
    settings = FetchSettings(timeout=3.0, retries=3, backoff=0.0)
    with http_server({"/p": route}) as base, Fetcher(settings) as fetcher:
        outcome = within(8, lambda: fetcher.fetch(Source(id="p", payer="P", url=base + "/p")))
    assert outcome.status == "failed"
    assert outcome.error == f"redirected to {shown}: only http:// and https:// URLs are fetched"
    assert len(route.requests) == 1  # no retries


def test_final_url_after_redirects() -> None:
    routes = {
        "/old": Route([Reply(301, headers={"Location": "/moved"})]),
        "/moved": Route([Reply(302, headers={"Location": "/policies/new"})]),
        "/policies/new": Route([Reply(body=POLICY)], etag='"v1"'),
    }
    with http_server(routes) as base, Fetcher(NO_RETRY) as fetcher:
        redirected = fetcher.fetch(Source(id="p", payer="P", url=base + "/old"))
        direct = fetcher.fetch(Source(id="q", payer="P", url=base + "/policies/new"))
        again = fetcher.fetch(Source(id="p", payer="P", url=base + "/old"), Validators('"v1"'))
    assert redirected.status == "ok" and redirected.data == POLICY
    assert redirected.final_url == base + "/policies/new"
    assert direct.final_url == base + "/policies/new"
    assert again.status == "not_modified" and again.final_url == base + "/policies/new"


def test_final_url_is_recorded_by_a_snapshot(tmp_path: Path) -> None:
    routes = {
        "/old": Route([Reply(301, headers={"Location": "/new"})]),
        "/new": Route([Reply(body=POLICY)]),
    }
    with http_server(routes) as base:
        config = write_sources(
            tmp_path / "sources.toml", [{"id": "p", "payer": "P", "url": base + "/old"}]
        )
        summary = run_snapshot(config, tmp_path / "store", settings=NO_RETRY)
    assert [o.status for o in summary.outcomes] == ["added"]
    (meta,) = (tmp_path / "store").glob("*/*/meta.json")
    assert f'"final_url": "{base}/new"' in meta.read_text()


# -- path sources that are not regular files ------------------------------------------


def test_fifo_source_fails_at_once_and_the_run_goes_on(tmp_path: Path) -> None:
    fifo = tmp_path / "docs" / "policy.txt"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    good = tmp_path / "docs" / "good.txt"
    good.write_bytes(POLICY)
    config = write_sources(
        tmp_path / "sources.toml",
        [
            {"id": "fifo", "payer": "P", "path": "docs/policy.txt"},
            {"id": "good", "payer": "P", "path": "docs/good.txt"},
        ],
    )
    try:
        summary = within(10, lambda: run_snapshot(config, tmp_path / "store", lock_timeout=1))
    finally:  # should a reader be stuck in open(), a writer's open and close frees it
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    got = {o.id: (o.status, o.error) for o in summary.outcomes}
    assert got == {
        "fifo": ("failed", f"{fifo}: is a named pipe (FIFO), not a regular file"),
        "good": ("added", None),
    }
    assert summary.exit_code == 3


def test_dev_zero_source_fails_at_once_without_reading(tmp_path: Path) -> None:
    # Before: /dev/zero was read until memory ran out. The child process has a
    # memory limit and a deadline, so a regression fails here and harms nothing.
    config = write_sources(
        tmp_path / "sources.toml", [{"id": "zero", "payer": "P", "path": "/dev/zero"}]
    )
    code = f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        from policywatch.snapshot import run_snapshot
        summary = run_snapshot({str(config)!r}, {str(tmp_path / "store")!r}, lock_timeout=1)
        print([(o.status, o.error) for o in summary.outcomes])
    """
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the run did not finish within 20 s")
    assert done.returncode == 0, done.stderr[-2000:]
    expected = [("failed", "/dev/zero: is a character device, not a regular file")]
    assert done.stdout.strip() == repr(expected)
