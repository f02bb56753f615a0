"""Fetch stage: a source → its document bytes, or a reason it could not be had.

HTTP(S) only, with timeouts, a size cap enforced while streaming, bounded
retries with exponential backoff on transient trouble (connection errors,
timeouts, 5xx, 429), and conditional requests (ETag / Last-Modified from the
last stored version). Local ``path`` sources are read with
:func:`policywatch.extract.read_document`.

Nothing here raises for a bad source: :func:`Fetcher.fetch` returns a
:class:`FetchOutcome` whose ``status`` says what happened, so one bad source
never stops a run.
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from policywatch import __version__
from policywatch.errors import FetchError, PolicywatchError
from policywatch.extract import MAX_DOCUMENT_BYTES, read_document
from policywatch.sources import Source

FetchStatus = Literal["ok", "not_modified", "failed"]


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a version, for the next conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 30.0  # seconds, per connect / read / write / pool wait
    retries: int = 3  # extra attempts after the first, on transient errors only
    backoff: float = 1.0  # first wait; doubles each retry, capped at 30 s
    max_bytes: int = MAX_DOCUMENT_BYTES

    @classmethod
    def from_env(cls, **overrides: float | int | None) -> FetchSettings:
        """Defaults, then ``POLICYWATCH_FETCH_{TIMEOUT,RETRIES,BACKOFF}`` and
        ``POLICYWATCH_MAX_BYTES``, then explicit non-None overrides."""
        values: dict[str, float | int] = {}
        for name, cast in (("timeout", float), ("retries", int), ("backoff", float)):
            raw = os.environ.get(f"POLICYWATCH_FETCH_{name.upper()}")
            if raw:
                values[name] = _env_number(f"POLICYWATCH_FETCH_{name.upper()}", raw, cast)
        raw_max = os.environ.get("POLICYWATCH_MAX_BYTES")
        if raw_max:
            values["max_bytes"] = _env_number("POLICYWATCH_MAX_BYTES", raw_max, int)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _env_number(name: str, raw: str, cast: type[float] | type[int]) -> float | int:
    try:
        value = cast(raw)
    except ValueError:
        raise PolicywatchError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise PolicywatchError(f"{name}={raw!r} must not be negative")
    return value


@dataclass(frozen=True)
class FetchOutcome:
    status: FetchStatus
    data: bytes | None = None
    validators: Validators = field(default_factory=Validators)
    error: str | None = None
    attempts: int = 1


class _Transient(Exception):
    """A response worth retrying (5xx, 429); carries the message for the last attempt."""


class Fetcher:
    """One HTTP client (connection pooling) for a whole run. Use as a context manager."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()  # fetch() runs in several threads

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def fetch(self, source: Source, prior: Validators | None = None) -> FetchOutcome:
        """Never raises for a source's own trouble; see :class:`FetchOutcome`."""
        if source.url is None:
            return _read_local(source)
        try:
            return self._fetch_url(source.url, prior or Validators())
        except FetchError as exc:
            return FetchOutcome("failed", error=str(exc))

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=httpx.Timeout(self.settings.timeout),
                    follow_redirects=True,
                    headers={"User-Agent": f"policywatch/{__version__}"},
                )
            return self._client

    def _fetch_url(self, url: str, prior: Validators) -> FetchOutcome:
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
            raise FetchError(_describe(exc, retrying.statistics)) from None
        attempts = int(retrying.statistics.get("attempt_number", 1))
        return FetchOutcome(outcome.status, outcome.data, outcome.validators, attempts=attempts)

    def _attempt(self, url: str, prior: Validators) -> FetchOutcome:
        with self.client.stream("GET", url, headers=prior.headers()) as response:
            if response.status_code == 304:
                return FetchOutcome("not_modified", validators=prior)
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
            return FetchOutcome("ok", data, validators)

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


def read_plain_file(path: str) -> bytes | None:
    """One open + fstat + read for the common case (a regular file under the size
    limit); None for anything else. Reruns over thousands of files spend most of
    their time here."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DOCUMENT_BYTES:
                return None
            return handle.read()
    except OSError:
        return None


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, _Transient | httpx.TransportError)


def _describe(exc: BaseException, statistics: dict[str, object]) -> str:
    attempts = statistics.get("attempt_number", 1)
    suffix = f" (after {attempts} attempts)" if isinstance(attempts, int) and attempts > 1 else ""
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__}){suffix}"
    if isinstance(exc, httpx.HTTPError):
        detail = str(exc) or type(exc).__name__
        return f"connection error: {detail}{suffix}"
    return f"{exc}{suffix}"


def _read_local(source: Source) -> FetchOutcome:
    data = read_plain_file(source.location)
    if data is None:  # the unusual cases: read_document says what is wrong
        try:
            data = read_document(source.location)
        except PolicywatchError as exc:
            return FetchOutcome("failed", error=str(exc))
    if not data.strip():
        return FetchOutcome("failed", error=f"{source.location}: empty file")
    return FetchOutcome("ok", data)
