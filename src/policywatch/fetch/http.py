"""HTTP(S) fetching for :class:`policywatch.fetch.Fetcher`: httpx with an overall deadline
per attempt (enforced on every socket read and write), a size cap enforced while
streaming, tenacity's bounded retries with exponential backoff on transient trouble,
conditional requests, and redirects to http(s) only.

Imported when a run meets its first URL: a run over local files never loads httpx.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from policywatch import __version__
from policywatch.errors import FetchError
from policywatch.fetch import FetchOutcome, FetchSettings, Validators


class _Transient(Exception):
    """A response worth retrying (5xx, 429); carries the message for the last attempt."""


class HttpSession:
    """One HTTP client (connection pooling) for a whole run, and how it retries."""

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()  # fetch() runs in several threads

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = _keep_deadlines(
                    httpx.Client(
                        timeout=httpx.Timeout(self.settings.timeout),
                        follow_redirects=True,
                        headers={"User-Agent": f"policywatch/{__version__}"},
                        event_hooks={"request": [_refuse_non_http]},
                    )
                )
            return self._client

    def fetch(self, url: str, prior: Validators) -> FetchOutcome:
        """The document at ``url``; :class:`FetchError` with the reason it could not be had."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError(f"{url}: only http:// and https:// URLs are fetched")
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=wait_exponential(multiplier=self.settings.backoff, max=30),
            retry=retry_if_exception(_is_transient),
            reraise=True,
        )
        try:
            outcome = retrying(self._attempt, url, prior)
        except (httpx.HTTPError, httpx.InvalidURL, _Transient) as exc:
            message = _describe(exc, retrying.statistics, self.settings.timeout)
            raise FetchError(message) from None
        attempts = int(retrying.statistics.get("attempt_number", 1))
        return FetchOutcome(
            outcome.status,
            outcome.data,
            outcome.validators,
            attempts=attempts,
            final_url=outcome.final_url,
        )

    def _attempt(self, url: str, prior: Validators) -> FetchOutcome:
        with (
            _deadline(self.settings.timeout),
            self.client.stream("GET", url, headers=prior.headers()) as response,
        ):
            final_url = str(response.url)
            if response.status_code == 304:
                return FetchOutcome("not_modified", validators=prior, final_url=final_url)
            if response.status_code >= 500 or response.status_code == 429:
                raise _Transient(f"HTTP {response.status_code} {response.reason_phrase}")
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}")
            if response.status_code != 200:
                raise FetchError(f"unexpected HTTP {response.status_code} {response.reason_phrase}")
            data = self._read_capped(response)
            validators = Validators(
                response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
            return FetchOutcome("ok", data, validators, final_url=final_url)

    def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"response is {int(declared)} bytes, over the {cap}-byte limit")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:  # stop reading: never hold more than the cap
                raise FetchError(f"response is over the {cap}-byte limit")
            chunks.append(chunk)
        data = b"".join(chunks)
        if not data.strip():
            raise FetchError("empty response body")
        return data


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.UnsupportedProtocol):
        return False  # a redirect to another scheme: no retry makes it HTTP
    return isinstance(exc, _Transient | httpx.TransportError)


def _describe(exc: BaseException, statistics: dict[str, object], timeout: float) -> str:
    attempts = statistics.get("attempt_number", 1)
    suffix = f" (after {attempts} attempts)" if isinstance(attempts, int) and attempts > 1 else ""
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {exc}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"{exc}: only http:// and https:// URLs are fetched"
    if isinstance(exc, httpx.TimeoutException):
        return (
            f"timed out ({type(exc).__name__}){suffix}: "
            f"no complete response within the {timeout:g} s deadline"
        )
    if isinstance(exc, httpx.HTTPError):
        detail = str(exc) or type(exc).__name__
        return f"connection error: {detail}{suffix}"
    return f"{exc}{suffix}"


def _refuse_non_http(request: httpx.Request) -> None:
    """Before each request, redirects included: only http(s) is fetched."""
    if request.url.scheme not in ("http", "https"):
        raise FetchError(f"redirected to {request.url}: only http:// and https:// URLs are fetched")


# -- the deadline ---------------------------------------------------------------------
#
# httpx's timeouts bound each socket operation, not the whole response: a server
# sending one byte a second never trips a 30 s read timeout. The deadline of the
# attempt running in this thread clamps the timeout of every connect, read and
# write on the connection (httpx does the I/O in the calling thread), and one
# past the deadline fails at once.

_current = threading.local()


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    _current.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _current.deadline = None


def _clamp(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline: float | None = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _keep_deadlines(client: httpx.Client) -> httpx.Client:
    """Put the deadline under every connection pool of ``client`` (the direct one and
    any proxy's from the environment). httpx has no option for a network backend,
    so this reaches into its transports; a test with a trickling server fails should
    an httpx upgrade move them."""
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            if transport is client._transport:
                raise RuntimeError("httpx internals changed: cannot enforce the fetch deadline")
            continue
        if not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return client
