"""Generated test inputs, built once: in memory per process, on disk across processes.

Drawing a PDF with fpdf2 takes a fifth of a second to most of one, and the
suite asks for the same editions many times, from several pytest-xdist workers
(separate processes) and in run after run. ``@cached`` keeps each result

- in memory, for the rest of the process;
- on disk, in a folder under the system's temporary folder, in a file named
  by the hash of everything that makes it: the source of the generator modules
  (``editions.py``, ``pdf_layouts.py``, ``pdf_wrap.py`` and this one), fpdf2's version, the
  fonts, the function's name and its arguments. Change any of them and the file
  is built anew. A file lock per entry lets one process build while the others
  wait, then read; entries are written whole (a temporary file renamed).

``POLICYWATCH_TEST_CACHE`` names another folder, or ``off`` for no disk cache.
Every caller gets its own copy of the result (unpickled from the stored bytes),
so a test that changes what it got changes it for nobody else.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import inspect
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from filelock import FileLock, Timeout

P = ParamSpec("P")
R = TypeVar("R")

HERE = Path(__file__).resolve().parent
GENERATORS = tuple(
    HERE / name for name in ("editions.py", "pdf_layouts.py", "pdf_wrap.py", "build_cache.py")
)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian: fonts-dejavu-core
KEEP_DAYS = 14  # entries unused this long are removed when a new one is written
LOCK_SECONDS = 300  # past this, build without the cache rather than wait on


def folder() -> Path | None:
    """Where entries live, or None when the disk cache is off."""
    setting = os.environ.get("POLICYWATCH_TEST_CACHE", "")
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    return Path(tempfile.gettempdir()) / "policywatch-test-cache"


@functools.cache
def _environment() -> bytes:
    """What every entry depends on besides its function and arguments."""
    digest = hashlib.sha256()
    for path in GENERATORS:
        digest.update(path.read_bytes())
    digest.update(f"fpdf2 {importlib.metadata.version('fpdf2')}".encode())
    for font in sorted(FONT_DIR.glob("*.ttf")):
        info = font.stat()
        digest.update(f"{font.name} {info.st_size} {info.st_mtime_ns}".encode())
    return digest.digest()


def entry_key(function: Callable[..., object], arguments: tuple[object, ...]) -> str:
    digest = hashlib.sha256(_environment())
    digest.update(f"{function.__module__}.{function.__qualname__}".encode())
    digest.update(repr(arguments).encode())
    return digest.hexdigest()[:40]


def cached(function: Callable[P, R]) -> Callable[P, R]:
    """Build ``function(*args)`` once per distinct arguments (hashable, with a stable repr)."""
    signature = inspect.signature(function)
    memo: dict[tuple[object, ...], bytes] = {}

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = tuple(bound.arguments.items())
        if arguments not in memo:
            memo[arguments] = _stored(function, arguments, lambda: function(*args, **kwargs))
        result: R = pickle.loads(memo[arguments])
        return result

    return wrapper


def _stored(
    function: Callable[..., object], arguments: tuple[object, ...], build: Callable[[], object]
) -> bytes:
    """The pickled result: read from disk, or built (under the entry's lock) and written.
    A folder that cannot be used, or a lock held too long, only costs the build."""
    where = folder()
    if where is None:
        return pickle.dumps(build())
    key = entry_key(function, arguments)
    path = where / f"{key}.pickle"
    lock = FileLock(str(where / f"{key}.lock"))
    try:
        where.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=LOCK_SECONDS)
    except (OSError, Timeout):
        return pickle.dumps(build())
    try:
        blob = _read(path)
        if blob is None:
            blob = pickle.dumps(build())
            with contextlib.suppress(OSError):
                _write(path, blob)
                _prune(where)
        return blob
    finally:
        lock.release()


def _read(path: Path) -> bytes | None:
    try:
        blob = path.read_bytes()
        pickle.loads(blob)  # a damaged entry is built again
    except Exception:  # noqa: BLE001 - missing, unreadable or damaged: build it
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used: kept by _prune
    return blob


def _write(path: Path, blob: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(blob)
    os.replace(temporary, path)


def _prune(where: Path) -> None:
    cutoff = time.time() - KEEP_DAYS * 86400
    for entry in where.glob("*.pickle"):
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
                entry.with_suffix(".lock").unlink(missing_ok=True)
