"""The store's folder layout: what one policy folder holds, and the paths it may use.

```
<payer-slug>/<policy-slug>/source.<ext>         raw bytes of the current version
<payer-slug>/<policy-slug>/policy.json          normalized Policy (canonical JSON)
<payer-slug>/<policy-slug>/meta.json            source info + HTTP validators of that version
<payer-slug>/<policy-slug>/failed/source.<ext>  latest bytes that fetched but were not recorded
<payer-slug>/<policy-slug>/failed/error.json    why they were not
_index/<index-slug>/index.json                  a policy index's entries (see policywatch.index)
```

``policy.json`` is what :mod:`policywatch.normalize` derives from ``source.<ext>``
and ``meta.json``'s payer (``verify`` checks it, ``reparse`` re-applies it);
``meta.json`` and ``error.json`` are :mod:`.metadata`. ``failed/`` never replaces
the current version; the next successful parse removes it. The store only keeps
these files: it never parses a document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from policywatch.errors import StoreError
from policywatch.model import Policy, canonical_json

POLICY_FILE = "policy.json"
META_FILE = "meta.json"
FAILED_DIR = "failed"
ERROR_FILE = "error.json"
RAW_STEM = "source."
# A document's format (policywatch.extract.detect_format) → its raw file's extension.
EXTENSIONS = {"pdf": "pdf", "html": "html", "text": "txt"}

INDEX_DIR = "_index"  # no slug starts with "_": never a payer folder
INDEX_FILE = "index.json"
_INDEX_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")

# Folder names are slugs (see policywatch.sources.slugify); anything else is refused.
_POLICY_DIR = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}/[a-z0-9][a-z0-9-]{0,99}$")
_FILE_NAME = re.compile(r"^(failed/)?[a-z0-9][a-z0-9._-]{0,40}$")


def raw_name(fmt: str) -> str:
    """``source.pdf`` / ``source.html`` / ``source.txt`` for a document format."""
    return RAW_STEM + EXTENSIONS[fmt]


def store_path(policy_dir: str, name: str) -> str:
    """The repository path of a file in a policy folder; refuses anything not slug-shaped.

    This is the last guard against a hostile id naming a place outside the store.
    """
    if not _POLICY_DIR.match(policy_dir) or not _FILE_NAME.match(name) or ".." in name:
        raise StoreError(f"refusing unsafe store path {policy_dir!r}/{name!r}")
    return f"{policy_dir}/{name}"


def index_path(slug: str) -> str:
    """The repository path of an index's ``index.json``; refuses a non-slug."""
    if not _INDEX_SLUG.match(slug):
        raise StoreError(f"refusing unsafe index path {slug!r}")
    return f"{INDEX_DIR}/{slug}/{INDEX_FILE}"


def index_paths(entries: dict[str, str]) -> dict[str, str]:
    """Tree listing (path → blob id) → index slug → its index.json blob."""
    prefix, suffix = INDEX_DIR + "/", "/" + INDEX_FILE
    return {
        path[len(prefix) : -len(suffix)]: sha
        for path, sha in entries.items()
        if path.startswith(prefix) and path.endswith(suffix) and path.count("/") == 2
    }


def dump(data: dict[str, Any]) -> bytes:
    """Canonical JSON bytes. Flat dicts of strings, ints, booleans and nulls
    (meta.json, error.json) take a fast path with the same output: json's
    indenting encoder is pure Python, and reruns compare thousands of these."""
    try:
        items = [f"  {encode_basestring(k)}: {_scalar(data[k])}" for k in sorted(data)]
    except TypeError:
        return canonical_json(data).encode("utf-8")
    return ("{\n" + ",\n".join(items) + "\n}\n" if items else "{}\n").encode("utf-8")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(encode_basestring(value))
    if isinstance(value, int):
        return str(value)
    raise TypeError("not a flat JSON scalar")


def load_json(data: bytes | None) -> dict[str, Any] | None:
    """A stored JSON object, or None when absent or not a JSON object."""
    if data is None:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def load_policy(data: bytes | None) -> Policy | None:
    """A stored policy.json, or None when absent or not a valid policy."""
    loaded = load_json(data)
    if loaded is None:
        return None
    try:
        return Policy.from_dict(loaded)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class PolicyFolder:
    """One policy folder as a commit holds it: file name → blob id (no contents)."""

    dir: str
    files: dict[str, str] = field(default_factory=dict)

    @property
    def raw_name(self) -> str | None:
        return _raw_in(self.files, "")

    @property
    def failed_raw_name(self) -> str | None:
        return _raw_in(self.files, FAILED_DIR + "/")

    @property
    def raw_blob(self) -> str | None:
        name = self.raw_name
        return self.files[name] if name else None

    @property
    def json_blob(self) -> str | None:
        return self.files.get(POLICY_FILE)

    @property
    def meta_blob(self) -> str | None:
        return self.files.get(META_FILE)

    @property
    def error_blob(self) -> str | None:
        return self.files.get(f"{FAILED_DIR}/{ERROR_FILE}")

    @property
    def has_policy(self) -> bool:
        return POLICY_FILE in self.files

    @property
    def has_failed(self) -> bool:
        """Anything under ``failed/`` (a folder with only the three current files has not)."""
        return len(self.files) > 3 and any(n.startswith(FAILED_DIR + "/") for n in self.files)

    def raw_names(self, failed: bool = False) -> list[str]:
        """Every ``source.*`` file of the current version (or of ``failed/``)."""
        prefix = FAILED_DIR + "/" if failed else ""
        return [
            name
            for name in self.files
            if name.startswith(prefix + RAW_STEM) and "/" not in name[len(prefix) :]
        ]

    def failed_names(self) -> list[str]:
        return [name for name in self.files if name.startswith(FAILED_DIR + "/")]

    def path(self, name: str) -> str:
        return f"{self.dir}/{name}"


_RAW_NAMES = tuple(RAW_STEM + ext for ext in EXTENSIONS.values())


def _raw_in(files: dict[str, str], prefix: str) -> str | None:
    for known in _RAW_NAMES:  # the names raw_name() gives: three lookups, no scan
        if prefix + known in files:
            return prefix + known
    for name in files:
        rest = name[len(prefix) :] if name.startswith(prefix) else None
        if rest and rest.startswith(RAW_STEM) and "/" not in rest:
            return name
    return None


def group_folders(entries: dict[str, str]) -> dict[str, PolicyFolder]:
    """Tree listing (path → blob id) → policy folders; files outside
    ``payer/policy/…`` are ignored."""
    folders: dict[str, PolicyFolder] = {}
    for path, sha in entries.items():
        parts = path.split("/", 2)
        if len(parts) != 3 or parts[0] == INDEX_DIR:  # indexes are no policy folders
            continue
        policy_dir = f"{parts[0]}/{parts[1]}"
        folder = folders.get(policy_dir)
        if folder is None:
            folder = folders[policy_dir] = PolicyFolder(policy_dir)
        folder.files[parts[2]] = sha
    return folders
