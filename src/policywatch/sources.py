"""What to track: ``sources.toml``, a list of ``[[source]]`` tables.

```toml
[[source]]
id = "bcbsla-00220"                       # unique; becomes the store folder name
payer = "Blue Cross and Blue Shield of Louisiana"
url = "https://example.org/policies/00220.pdf"   # or: path = "docs/00220.txt"
title = "Cryosurgical Ablation of Liver Tumors"  # optional
plan = "Commercial"                              # optional
notes = "Reviewed yearly in June"                # optional
```

``path`` is relative to the config file. Errors name the file and line.

Ids become path slugs (``[a-z0-9-]`` only), so no id can name a place
outside the store; ids whose slugs collide are rejected. An id with letters
or digits outside ASCII ("café", a Cyrillic "о" that looks like "o") keeps
them in a hash suffix, so lookalike ids get distinct, stable folders; an
ASCII id's folder is what it always was.

An optional ``[notify]`` table says where a run's notification goes
(:class:`NotifySettings`, read with :func:`load_notify`)::

    [notify]
    urls = ["env:POLICYWATCH_NOTIFY_URL",                       # the URL is that variable's value
            "mailtos://alerts:${SMTP_PASSWORD}@smtp.example.org?to=compliance@example.org"]
    min_severity = "high"      # changes at or above it are sent (high, medium, low)
    failing_runs = 3           # a source failing this many runs in a row is sent (and every 3 more)

``urls`` are apprise URLs. Secrets stay in the environment: ``env:NAME`` is the
URL held by variable ``NAME`` (one or more, separated by spaces), and ``${NAME}``
inside a URL is that variable's value. Both are expanded only when a message is
sent, never written anywhere.

``[[index]]`` tables name a payer's policy index: a page listing its policies
(:class:`IndexSource`, read with :func:`load_indexes`)::

    [[index]]
    id = "acme-library"                      # unique among indexes and sources
    payer = "Acme Health"
    url = "https://example.org/policies/"    # or: path = "docs/index.html"
    include = ["/policies/"]                 # optional: regexes a link must match (one)
    exclude = ["/archive/"]                  # optional: regexes no link may match
    plan = "Commercial"                      # optional
    track = "new"                            # "all" | "new" | "none" (the default)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import stat
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from policywatch.errors import ConfigError
from policywatch.model import Severity

KNOWN_KEYS = ("id", "payer", "url", "path", "title", "plan", "notes")
INDEX_KEYS = ("id", "payer", "url", "path", "include", "exclude", "plan", "track")
TRACK_MODES = ("all", "new", "none")
NOTIFY_KEYS = ("urls", "min_severity", "failing_runs")
SEVERITY_NAMES = tuple(s.value for s in Severity)  # most serious first
REQUIRED_KEYS = ("id", "payer")
MAX_ID_LENGTH = 200
MAX_SLUG_LENGTH = 64

_SOURCE_HEADER = re.compile(r"^\s*\[\[\s*source\s*\]\]")
_ANY_HEADER = re.compile(r"^\s*\[")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_INDEX_HEADER = re.compile(r"^\s*\[\[\s*index\s*\]\]")
_NOTIFY_HEADER = re.compile(r"^\s*\[\s*notify\s*\]")
ENV_PREFIX = "env:"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENV_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Source:
    """One tracked policy document."""

    id: str
    payer: str
    url: str | None = None
    path: str | None = None  # absolute, resolved against the config file
    title: str | None = None
    plan: str | None = None
    notes: str | None = None
    line: int = 0  # where the table starts in the config, for messages

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)

    @property
    def store_dir(self) -> str:
        """``<payer-slug>/<policy-slug>``: where this source lives in the store."""
        # Kept in the instance dict by hand: on Python 3.11 functools.cached_property
        # takes a lock per access, which shows on runs over thousands of sources.
        cached: str | None = self.__dict__.get("_store_dir")
        if cached is None:
            folder = f"{payer_slug(self.payer)}/{slugify(self.id)}"
            cached = self.__dict__["_store_dir"] = folder
        return cached


@functools.lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """A source id's safe, stable folder name: lowercase ASCII letters, digits and
    single dashes.

    Never empty, never ``.``/``..``, at most 64 characters. Text that would lose
    information gets a short hash suffix so distinct ids stay distinct: text
    truncated, with nothing ASCII left, or with letters or digits outside ASCII
    ("é" is not "e", a Cyrillic "о" is not "o" nor nothing). The hash is of the
    NFC form: ids that differ only in how an accent is encoded are the same id
    (and rejected as a clash). An ASCII id's folder never changes.
    """
    slug = _ascii_slug(text)
    if slug and len(slug) <= MAX_SLUG_LENGTH and not _has_non_ascii_letters(text):
        return slug
    return _hashed(slug, unicodedata.normalize("NFC", text))


@functools.lru_cache(maxsize=4096)
def payer_slug(text: str) -> str:
    """A payer's folder name: like :func:`slugify`, but accents simply fold to ASCII
    ("Mutuelle Générale" → ``mutuelle-generale``), as they always have. Payers
    share folders harmlessly: the source id's slug below is unique on its own."""
    slug = _ascii_slug(text)
    if slug and len(slug) <= MAX_SLUG_LENGTH:
        return slug
    return _hashed(slug, text)


def _ascii_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _has_non_ascii_letters(text: str) -> bool:
    """Letters, digits or combining marks (an accent spelt apart) outside ASCII:
    what the ASCII slug would drop or fold into a lookalike."""
    return not text.isascii() and any(
        not char.isascii() and unicodedata.category(char)[0] in "LNM" for char in text
    )


def _hashed(slug: str, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    stem = slug[: MAX_SLUG_LENGTH - len(digest) - 1].rstrip("-") or "id"
    return f"{stem}-{digest}"


def load_sources(config: str | Path, cache_dir: Path | None = None) -> list[Source]:
    """Read and validate a sources file (raises :class:`ConfigError`).

    With ``cache_dir``, the validated result is kept there keyed by the file's
    exact bytes and location: tomllib is pure Python, and for thousands of
    sources parsing the config costs more than checking the documents.
    """
    loaded = read_sources(config, cache_dir)
    if cache_dir and not loaded.from_cache:
        loaded.remember(cache_dir)
    return loaded.sources


@dataclass(frozen=True)
class LoadedSources:
    """A validated sources file and the cache key of the exact bytes it came from."""

    sources: list[Source]
    key: str
    from_cache: bool = False

    def remember(self, cache_dir: Path) -> None:
        """Keep these sources in ``cache_dir`` for the next read of the same bytes."""
        _write_cache(cache_dir, self.key, self.sources)


def read_sources(config: str | Path, cache_dir: Path | None = None) -> LoadedSources:
    """Like :func:`load_sources`, but writes no cache (see :meth:`LoadedSources.remember`):
    for a caller whose cache folder does not exist yet."""
    path = Path(config)
    data, text = _read_config(path, config)
    base_dir = path.resolve().parent
    key = hashlib.sha256(b"%s\0%s\0" % (_CACHE_VERSION, bytes(base_dir)) + data).hexdigest()
    cached = _read_cache(cache_dir, key) if cache_dir else None
    if cached is not None:
        return LoadedSources(cached, key, from_cache=True)
    return LoadedSources(parse_sources(text, base_dir=base_dir, name=str(config)), key)


_CACHE_VERSION = b"sources-cache-1"  # bump when validation or Source changes
_CACHE_FILE = "sources-cache.json"


def _read_cache(cache_dir: Path, key: str) -> list[Source] | None:
    try:
        cached = json.loads((cache_dir / _CACHE_FILE).read_bytes())
        if cached.get("key") != key:
            return None
        return [Source(**fields) for fields in cached["sources"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no cache, or not ours: parse the file


def _write_cache(cache_dir: Path, key: str, sources: list[Source]) -> None:
    fields = [dataclasses.asdict(s) for s in sources]
    tmp = cache_dir / f".{_CACHE_FILE}.{os.getpid()}.tmp"
    with contextlib.suppress(OSError):  # a cache that cannot be written is no error
        tmp.write_text(json.dumps({"key": key, "sources": fields}), encoding="utf-8")
        os.replace(tmp, cache_dir / _CACHE_FILE)


def parse_sources(text: str, base_dir: Path, name: str = "sources.toml") -> list[Source]:
    """Validate the text of a sources file; ``path`` entries resolve against ``base_dir``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_message(name, exc)) from None
    locator = _Locator(text.splitlines(), name)
    unknown = sorted(set(data) - {"source", "notify", "index"})
    if unknown:
        raise locator.error(None, unknown[0], f"unknown top-level key '{unknown[0]}'")
    if "notify" in data:
        _build_notify(data["notify"], locator)
    indexes = _build_indexes(data, text, name, base_dir) if "index" in data else []
    tables = data.get("source")
    if tables is None and indexes:
        return []  # a config of indexes only: their policies are the sources
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{name}: no [[source]] tables: nothing to track")
    sources = [_build_source(table, i, locator, base_dir) for i, table in enumerate(tables)]
    _reject_duplicates(sources, locator)
    _reject_index_clashes(indexes, sources, locator)
    return sources


def _toml_message(name: str, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = _TOML_LINE.search(message)
    if match is None:
        return f"{name}: invalid TOML: {message}"
    detail = message[: match.start()].strip()
    return f"{name}:{match.group(1)}: invalid TOML: {detail}"


class _Locator:
    """Finds the line of the i-th ``[[source]]`` table or of a key inside it.

    tomllib keeps no positions, so we scan the text: good enough for the
    plain layout sources files use, and it falls back to the table line.
    """

    def __init__(self, lines: list[str], name: str) -> None:
        self.lines = lines
        self.name = name
        self.starts = [n for n, line in enumerate(lines, 1) if _SOURCE_HEADER.match(line)]

    def line_of(self, index: int | None, key: str | None) -> int | None:
        if index is None:
            return self._find_key(key, 1, len(self.lines)) if key else None
        if index >= len(self.starts):
            return None  # an inline-table form; no per-table line
        start = self.starts[index]
        found = self._find_key(key, start, self._table_end(start)) if key else None
        return found or start

    def error(self, index: int | None, key: str | None, message: str) -> ConfigError:
        line = self.line_of(index, key)
        where = f"{self.name}:{line}" if line else self.name
        return ConfigError(f"{where}: {message}")

    def _table_end(self, start: int) -> int:
        for n in range(start + 1, len(self.lines) + 1):
            if _ANY_HEADER.match(self.lines[n - 1]):
                return n - 1
        return len(self.lines)

    def _find_key(self, key: str, first: int, last: int) -> int | None:
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for n in range(first, last + 1):
            if pattern.match(self.lines[n - 1]):
                return n
        return None


def _check_table(table: Any, index: int, loc: _Locator, kind: str, known: tuple[str, ...]) -> str:
    """A ``[[source]]`` / ``[[index]]`` entry is a table of known keys with the required
    ones; its label ("source #3") for messages."""
    if not isinstance(table, dict):
        raise loc.error(index, None, f"each {kind} must be a table")
    label = f"{kind} #{index + 1}"
    unknown = sorted(set(table) - set(known))
    if unknown:
        expected = ", ".join(known)
        raise loc.error(index, unknown[0], f"{label}: unknown key '{unknown[0]}' ({expected})")
    for key in REQUIRED_KEYS:
        if key not in table:
            raise loc.error(index, None, f"{label}: missing required key '{key}'")
    return label


def _build_source(table: Any, index: int, loc: _Locator, base_dir: Path) -> Source:
    label = _check_table(table, index, loc, "source", KNOWN_KEYS)
    strings = {key: _string(table, key, index, loc, label) for key in table}
    source_id = strings["id"]
    _check_id(source_id, index, loc)
    label = f"source '{source_id}'"
    if not strings["payer"].strip():
        raise loc.error(index, "payer", f"{label}: payer is empty")
    url, path = _location(strings, index, loc, label, base_dir)
    return Source(
        id=source_id,
        payer=strings["payer"].strip(),
        url=url,
        path=path,
        title=strings.get("title"),
        plan=strings.get("plan"),
        notes=strings.get("notes"),
        line=loc.line_of(index, None) or 0,
    )


def _string(table: dict[str, Any], key: str, index: int, loc: _Locator, label: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        kind = type(value).__name__
        raise loc.error(index, key, f"{label}: '{key}' must be a string, not {kind}")
    return value


def _check_id(source_id: str, index: int, loc: _Locator) -> None:
    if not source_id.strip():
        raise loc.error(index, "id", "source id is empty")
    if _CONTROL.search(source_id):
        raise loc.error(index, "id", f"source id {source_id!r} contains control characters")
    if len(source_id) > MAX_ID_LENGTH:
        raise loc.error(
            index, "id", f"source id is {len(source_id)} characters (at most {MAX_ID_LENGTH})"
        )


def _location(
    strings: dict[str, str], index: int, loc: _Locator, label: str, base_dir: Path
) -> tuple[str | None, str | None]:
    url, path = strings.get("url"), strings.get("path")
    if (url is None) == (path is None):
        raise loc.error(index, None, f"{label}: give exactly one of 'url' or 'path'")
    if url is not None:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise loc.error(index, "url", f"{label}: url must be http:// or https:// (got {url!r})")
        return url.strip(), None
    assert path is not None
    if not path.strip() or "\x00" in path:
        raise loc.error(index, "path", f"{label}: path is empty")
    # Lexical normalization (no symlink lookups): cheap for thousands of sources.
    return None, os.path.abspath(os.path.join(base_dir, path))


def _reject_duplicates(sources: list[Source], loc: _Locator) -> None:
    seen_ids: dict[str, Source] = {}
    seen_slugs: dict[str, Source] = {}
    for index, source in enumerate(sources):
        first = seen_ids.get(source.id)
        if first is not None:
            message = f"duplicate source id '{source.id}' (first defined on line {first.line})"
            raise loc.error(index, "id", message)
        # Different ids may not share a folder: the store would mix their versions.
        clash = seen_slugs.get(slugify(source.id))
        if clash is not None:
            message = (
                f"source id '{source.id}' and '{clash.id}' (line {clash.line}) "
                f"map to the same store folder '{slugify(source.id)}'"
            )
            raise loc.error(index, "id", message)
        seen_ids[source.id] = source
        seen_slugs[slugify(source.id)] = source


# -- [notify] ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifySettings:
    """The ``[notify]`` table: where a run's notification goes and what it holds.

    ``urls`` as written (``env:NAME`` and ``${NAME}`` unexpanded: the values are read
    from the environment only when a message is sent); ``min_severity``: changes at or
    above it are sent; ``failing_runs``: a source failing this many snapshot runs in a
    row is sent, and again every ``failing_runs`` runs while it keeps failing.
    """

    urls: tuple[str, ...] = ()
    min_severity: str = "high"
    failing_runs: int = 3

    @property
    def configured(self) -> bool:
        return bool(self.urls)


def load_notify(config: str | Path) -> NotifySettings:
    """The ``[notify]`` table of a sources file (defaults, with no URL, when it has none).

    Raises :class:`ConfigError` as :func:`load_sources` does. A file that never says
    "notify" is not parsed again (the sources cache spares a big file its TOML parse).
    """
    data, text = _read_config(Path(config), config)
    if b"notify" not in data:
        return NotifySettings()
    name = str(config)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_message(name, exc)) from None
    if "notify" not in parsed:
        return NotifySettings()
    return _build_notify(parsed["notify"], _Locator(text.splitlines(), name))


def _read_config(path: Path, config: str | Path) -> tuple[bytes, str]:
    """A sources file's bytes and text (a FIFO or device is refused before it is opened)."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # its read could block forever
            raise ConfigError(f"{config}: is a FIFO, socket or device, not a sources file")
        data = path.read_bytes()
        return data, data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{config}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{config}: is a directory, not a sources file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{config}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"{config}: cannot read: {exc.strerror}") from None


def _build_notify(table: Any, loc: _Locator) -> NotifySettings:
    if not isinstance(table, dict):
        raise _notify_error(loc, None, "[notify] must be a table")
    unknown = sorted(set(table) - set(NOTIFY_KEYS))
    if unknown:
        expected = ", ".join(NOTIFY_KEYS)
        raise _notify_error(loc, unknown[0], f"[notify]: unknown key '{unknown[0]}' ({expected})")
    urls = _notify_urls(table.get("urls", []), loc)
    severity = table.get("min_severity", "high")
    if not isinstance(severity, str) or severity.strip().lower() not in SEVERITY_NAMES:
        names = ", ".join(SEVERITY_NAMES)
        raise _notify_error(loc, "min_severity", f"[notify]: min_severity must be one of {names}")
    runs = table.get("failing_runs", 3)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        message = "[notify]: failing_runs must be a whole number, 1 or more"
        raise _notify_error(loc, "failing_runs", message)
    return NotifySettings(tuple(urls), severity.strip().lower(), runs)


def _notify_urls(value: Any, loc: _Locator) -> list[str]:
    if not isinstance(value, list):
        raise _notify_error(loc, "urls", "[notify]: urls must be a list of strings")
    urls = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _notify_error(loc, "urls", "[notify]: urls must be a list of non-empty strings")
        url = item.strip()
        if url.startswith(ENV_PREFIX):
            if not ENV_NAME.match(url[len(ENV_PREFIX) :]):
                raise _notify_error(
                    loc, "urls", f"[notify]: {url!r}: env: must name an environment variable"
                )
        else:
            for name in ENV_PLACEHOLDER.findall(url):
                if not ENV_NAME.match(name):
                    raise _notify_error(
                        loc, "urls", f"[notify]: ${{{name}}} does not name an environment variable"
                    )
            if "://" not in url:
                raise _notify_error(
                    loc, "urls", "[notify]: each url is an apprise URL (scheme://…) or env:NAME"
                )
        urls.append(url)
    return urls


def _notify_error(loc: _Locator, key: str | None, message: str) -> ConfigError:
    line = _notify_line(loc, key)
    where = f"{loc.name}:{line}" if line else loc.name
    return ConfigError(f"{where}: {message}")


def _notify_line(loc: _Locator, key: str | None) -> int | None:
    """The line of the ``[notify]`` header, or of ``key`` inside that table."""
    start = next((n for n, line in enumerate(loc.lines, 1) if _NOTIFY_HEADER.match(line)), None)
    if start is None:
        return loc.line_of(None, "notify")  # an inline table: notify = {...}
    found = loc._find_key(key, start, loc._table_end(start)) if key else None
    return found or start


# -- [[index]] -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexSource:
    """One payer's policy index: a page (or pages) listing its policies."""

    id: str
    payer: str
    url: str | None = None
    path: str | None = None  # absolute, resolved against the config file
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    plan: str | None = None
    track: str = "none"  # "all" | "new" | "none"
    line: int = 0

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)

    @property
    def slug(self) -> str:
        """The index's folder name in the store (``_index/<slug>/``)."""
        return slugify(self.id)

    def as_source(self) -> Source:
        """The index page as a source, for the fetcher."""
        return Source(self.id, self.payer, self.url, self.path, plan=self.plan, line=self.line)


def load_indexes(config: str | Path) -> list[IndexSource]:
    """The ``[[index]]`` tables of a sources file (none when it has none); raises
    :class:`ConfigError` as :func:`load_sources` does. A file that never says
    "index" is not parsed again."""
    data, text = _read_config(Path(config), config)
    if b"index" not in data:
        return []
    name = str(config)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_message(name, exc)) from None
    if "index" not in parsed:
        return []
    return _build_indexes(parsed, text, name, Path(config).resolve().parent)


def _build_indexes(data: dict[str, Any], text: str, name: str, base_dir: Path) -> list[IndexSource]:
    loc = _Locator(text.splitlines(), name)
    loc.starts = [n for n, line in enumerate(loc.lines, 1) if _INDEX_HEADER.match(line)]
    tables = data["index"]
    if not isinstance(tables, list):
        raise loc.error(None, "index", "index must be a list of [[index]] tables")
    indexes = [_build_index(table, i, loc, base_dir) for i, table in enumerate(tables)]
    seen: dict[str, IndexSource] = {}
    for i, index in enumerate(indexes):
        first = seen.get(index.slug)
        if first is not None:
            message = f"duplicate index id '{index.id}' (first defined on line {first.line})"
            raise loc.error(i, "id", message)
        seen[index.slug] = index
    return indexes


def _build_index(table: Any, index: int, loc: _Locator, base_dir: Path) -> IndexSource:
    label = _check_table(table, index, loc, "index", INDEX_KEYS)
    lists = ("include", "exclude")
    strings = {key: _string(table, key, index, loc, label) for key in table if key not in lists}
    index_id = strings["id"]
    _check_id(index_id, index, loc)
    label = f"index '{index_id}'"
    patterns = {key: _patterns(table, key, index, loc, label) for key in lists}
    if not strings["payer"].strip():
        raise loc.error(index, "payer", f"{label}: payer is empty")
    track = strings.get("track", "none").strip().lower()
    if track not in TRACK_MODES:
        names = ", ".join(f'"{m}"' for m in TRACK_MODES)
        raise loc.error(index, "track", f"{label}: track must be one of {names}")
    url, path = _location(strings, index, loc, label, base_dir)
    return IndexSource(
        id=index_id,
        payer=strings["payer"].strip(),
        url=url,
        path=path,
        include=patterns["include"],
        exclude=patterns["exclude"],
        plan=strings.get("plan"),
        track=track,
        line=loc.line_of(index, None) or 0,
    )


def _patterns(
    table: dict[str, Any], key: str, index: int, loc: _Locator, label: str
) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise loc.error(index, key, f"{label}: '{key}' must be a list of patterns (strings)")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise loc.error(
                index, key, f"{label}: '{key}' pattern {pattern!r} is not a regex ({exc})"
            ) from None
    return tuple(value)


def _reject_index_clashes(indexes: list[IndexSource], sources: list[Source], loc: _Locator) -> None:
    ids = {s.id: s for s in sources}
    for index in indexes:
        clash = ids.get(index.id)
        if clash is not None:
            message = f"index id '{index.id}' is also a source id (line {clash.line})"
            raise ConfigError(f"{loc.name}:{index.line}: {message}")
