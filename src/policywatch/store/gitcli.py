"""The git boundary: every git command the store runs goes through :class:`GitRepo`.

We drive the git CLI directly (``fast-import`` and ``cat-file --batch`` need
raw pipes). Every call names the repository explicitly (``--git-dir`` and
``--work-tree``), drops ``GIT_*`` variables that could point git elsewhere and
disables hooks, so a store command can never act on another repository (such
as the project checkout that contains ``./snapshots``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from policywatch.errors import StoreError

ZERO_SHA = "0" * 40

# Variables that redirect git to another repository, index or object store.
_REDIRECTING_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_QUARANTINE_PATH",
)


def blob_id(data: bytes) -> str:
    """The git object id ``git hash-object`` gives these bytes (SHA-1 repositories)."""
    digest = hashlib.sha1(b"blob %d\0" % len(data))  # noqa: S324 - git's object id
    digest.update(data)
    return digest.hexdigest()


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.git_dir = root / ".git"
        self._env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING_ENV}
        self._env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"})

    def argv(self, *args: str) -> list[str]:
        return [
            "git",
            f"--git-dir={self.git_dir}",
            f"--work-tree={self.root}",
            "-c",
            "core.hooksPath=/dev/null",
            *args,
        ]

    def run(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        """Run one git command; its stdout, or :class:`StoreError` with git's message."""
        done = self.run_unchecked(*args, input=input)
        if check and done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            command = next((a for a in args if not a.startswith("-") and "=" not in a), "")
            raise StoreError(f"{self.root}: git {command} failed: {message}")
        return done.stdout

    def run_unchecked(
        self, *args: str, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                self.argv(*args), input=input, capture_output=True, env=self._env, check=False
            )
        except FileNotFoundError:
            raise StoreError("git is not installed (the store needs the git command)") from None

    def popen(
        self, *args: str, stdin: int | None, stdout: int | None, stderr: IO[bytes]
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv(*args), stdin=stdin, stdout=stdout, stderr=stderr, env=self._env
        )

    # -- reading -----------------------------------------------------------

    def head(self) -> str | None:
        out = self.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
        return out.decode().strip() or None

    def resolve_commit(self, rev: str) -> str | None:
        if not rev or rev.startswith("-"):
            return None
        out = self.run("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
        return out.decode().strip() or None

    def commit_time(self, rev: str) -> int:
        return int(self.run("show", "-s", "--format=%ct", rev).decode().strip())

    def ls_tree(self, commit: str) -> dict[str, str]:
        """Every file in ``commit``: path → blob id."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", commit)
        entries: dict[str, str] = {}
        for record in out.split(b"\0"):
            if record:
                info, path = record.split(b"\t", 1)  # "<mode> blob <id>", path
                entries[path.decode("utf-8", "surrogateescape")] = info[-40:].decode()
        return entries

    def read_blobs(self, names: Sequence[str]) -> list[bytes | None]:
        """Contents of many objects (ids or ``rev:path``) in one pipelined ``cat-file``.

        ``None`` for a name git does not know.
        """
        if not names:
            return []
        request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
        out = self.run("cat-file", "--batch", "--buffer", input=request)
        return _parse_batch(out, len(names))

    def read_blob(self, name: str) -> bytes | None:
        return self.read_blobs([name])[0]

    # -- writing -------------------------------------------------------------

    def fast_import(self) -> FastImport:
        return FastImport(self)


def _parse_batch(out: bytes, count: int) -> list[bytes | None]:
    results: list[bytes | None] = []
    pos = 0
    for _ in range(count):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) != 3 or header[1] not in (b"blob", b"tree", b"commit", b"tag"):
            results.append(None)
            continue
        size = int(header[2])
        results.append(out[pos : pos + size])
        pos += size + 1  # content, then a newline
    return results


class FastImport:
    """A streaming ``git fast-import``: blobs go in as they are produced, one commit at the end.

    Objects land in a pack (or loose objects, for small runs); no ref or
    worktree changes until :meth:`commit` returns, so killing the process
    mid-way leaves only unreachable objects behind.
    """

    def __init__(self, repo: GitRepo) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the import
        self._proc = repo.popen(
            "fast-import",
            "--quiet",
            "--force",
            "--done",
            "--date-format=raw",
            "--depth=1",  # short delta chains: reading one meta.json must stay cheap
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        assert self._proc.stdin is not None
        self._in = self._proc.stdin
        self._marks = 0

    def blob(self, data: bytes) -> str:
        self._marks += 1
        mark = f":{self._marks}"
        self._write(b"blob\nmark %s\ndata %d\n" % (mark.encode(), len(data)), data, b"\n")
        return mark

    def commit(
        self,
        ref: str,
        message: str,
        timestamp: int,
        parent: str | None,
        changes: Iterable[tuple[str, str | None]],
    ) -> None:
        """Queue the commit: ``changes`` are (path, mark) to write or (path, None) to delete."""
        who = b"policywatch <policywatch@localhost> %d +0000" % timestamp
        body = message.encode("utf-8")
        lines = [b"commit %s\n" % ref.encode(), b"author %s\n" % who, b"committer %s\n" % who]
        lines.append(b"data %d\n%s\n" % (len(body), body))
        if parent:
            lines.append(b"from %s\n" % parent.encode())
        for path, mark in changes:
            encoded = path.encode("utf-8")
            lines.append(
                b"D %s\n" % encoded
                if mark is None
                else b"M 100644 %s %s\n" % (mark.encode(), encoded)
            )
        lines.append(b"\n")
        self._write(*lines)

    def finish(self) -> None:
        self._write(b"done\n")
        self._in.close()
        if self._proc.wait() != 0:
            raise StoreError(f"git fast-import failed: {self._error()}")
        self._stderr.close()

    def abort(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        with contextlib.suppress(BrokenPipeError):  # unflushed input for a killed import
            self._in.close()
        self._stderr.close()

    def _write(self, *parts: bytes) -> None:
        try:
            for part in parts:
                self._in.write(part)
        except BrokenPipeError:
            self._proc.wait()
            raise StoreError(f"git fast-import stopped: {self._error()}") from None

    def _error(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip() or "no message"
