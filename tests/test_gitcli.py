"""store.gitcli: GitPython as the one door to git — reads agree with git, the environment
and hooks cannot redirect or intercept it, errors are one-line store errors, and every
process it starts ends (no zombies) when closed, dropped or failed."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from policywatch.errors import StoreError
from policywatch.store.gitcli import NO_GIT, ZERO_SHA, GitRepo, StoreDamaged, blob_id

WHEN = 1_790_834_400


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={root / '.git'}", *args], capture_output=True, check=True
    )
    return done.stdout.decode()


def children() -> set[int]:
    """This process's child processes, zombies included."""
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me:
            found.add(int(entry.name))
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def new_repo(root: Path) -> GitRepo:
    root.mkdir(parents=True)
    repo = GitRepo(root)
    repo.run("init", "-q", "-b", "main")
    return repo


def commit(repo: GitRepo, files: dict[str, bytes], when: int, parent: str | None) -> str:
    importer = repo.fast_import()
    changes = [(path, importer.blob(data)) for path, data in files.items()]
    message = "Snapshot\n\nPolicywatch-Run: snapshot\n"
    importer.commit("refs/heads/main", message, when, parent, changes)
    importer.finish()
    return repo.run("rev-parse", "--verify", "refs/heads/main").decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    repo = new_repo(tmp_path / "store")
    first = commit(repo, {"a/p/policy.json": b"one\n", "a/p/source.txt": b"raw one\n"}, WHEN, None)
    files = {f"b/p{i:02d}/policy.json": b"policy %d\n" % i for i in range(40)}
    commit(repo, {"a/p/policy.json": b"two\n", **files}, WHEN + 86_400, first)
    with repo:
        yield repo


def test_reads_agree_with_git(repo: GitRepo) -> None:
    root = repo.root
    head = git(root, "rev-parse", "HEAD").strip()
    first = git(root, "rev-parse", "HEAD~1").strip()
    assert repo.head() == head
    assert repo.resolve_commit("HEAD") == head
    assert repo.resolve_commit(first) == first
    assert repo.resolve_commit("HEAD~1") == first
    assert repo.resolve_commit("main") == head
    git(root, "update-ref", "refs/policywatch/pending", first)
    git(root, "pack-refs", "--all")  # a packed reference reads the same
    with pytest.MonkeyPatch.context() as patch:  # references are read without git commands
        patch.setattr(repo, "run", lambda *args, **kwargs: pytest.fail(f"git {args}"))
        assert repo.resolve_commit("refs/heads/main") == head
        assert repo.resolve_commit("refs/policywatch/pending") == first
    for rev in (
        "",
        "-h",
        "nope",
        "refs/nope",
        ZERO_SHA,
        git(root, "rev-parse", "HEAD:a/p/policy.json"),
    ):
        assert repo.resolve_commit(rev.strip()) is None, rev
    assert repo.commit_time(head) == WHEN + 86_400
    assert repo.commit_time("HEAD~1") == WHEN
    tree = repo.ls_tree(head)
    assert len(tree) == 42 and tree["a/p/policy.json"] == blob_id(b"two\n")
    assert repo.object_id(f"{first}:a/p/policy.json") == blob_id(b"one\n")
    assert repo.object_id(f"{first}:b/p00/policy.json") is None


def cat(root: Path, name: str) -> bytes | None:
    done = subprocess.run(
        ["git", f"--git-dir={root / '.git'}", "cat-file", "--batch"],
        input=f"{name}\n".encode(), capture_output=True, check=True,
    )  # fmt: skip
    header, _, rest = done.stdout.partition(b"\n")
    return None if header.endswith(b" missing") else rest[: int(header.split()[2])]


@pytest.mark.parametrize("count", [4, 60])  # the persistent cat-file, and one pipelined read
def test_read_blobs_one_at_a_time_and_pipelined_agree(repo: GitRepo, count: int) -> None:
    tree = repo.ls_tree("HEAD")
    names = ["HEAD~1:a/p/policy.json", ZERO_SHA, "HEAD:missing", "HEAD:a", *sorted(tree.values())]
    names = (names * 2)[:count]
    assert len(names) == count
    assert repo.read_blobs(names) == [cat(repo.root, name) for name in names]
    assert repo.read_blobs(names)[:4] == [b"one\n", None, None, cat(repo.root, "HEAD:a")]
    assert repo.read_blob("HEAD:a/p/policy.json") == b"two\n"


def test_an_empty_store_has_no_head(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "store")
    assert repo.head() is None and repo.resolve_commit("HEAD") is None


def test_a_branch_that_exists_but_does_not_resolve_is_damage_not_emptiness(
    repo: GitRepo,
) -> None:
    (repo.git_dir / "refs" / "heads" / "main").write_text("not a commit id\n")
    with pytest.raises(StoreDamaged, match="HEAD names commit"):
        repo.head()


def test_a_reftable_repository_is_never_taken_for_an_empty_one(repo: GitRepo) -> None:
    # git >= 2.45 with init.defaultRefFormat=reftable: HEAD is a placeholder naming a
    # branch with no file, the references live in .git/reftable, and only git reads them
    (repo.git_dir / "reftable").mkdir()
    (repo.git_dir / "HEAD").write_text("ref: refs/heads/.invalid\n")
    assert not repo._unborn_branch()


def replace_object(repo: GitRepo, sha: str, content: bytes) -> None:
    path = repo.git_dir / "objects" / sha[:2] / sha[2:]
    path.chmod(0o644)
    path.write_bytes(content)


def test_a_blob_with_other_content_is_never_passed_on(repo: GitRepo) -> None:
    sha = blob_id(b"one\n")
    replace_object(repo, sha, zlib.compress(b"blob 6\0other\n"))
    assert repo.read_blobs([sha]) == [None]
    assert repo.read_blobs([sha] * 40) == [None] * 40
    reader = repo.object_reader()
    assert reader.read(sha) is None
    reader.close()


def test_an_object_git_cannot_unpack_reads_as_missing(repo: GitRepo) -> None:
    sha = blob_id(b"one\n")
    replace_object(repo, sha, b"\x78\x01 this is not a zlib stream")
    assert repo.read_blobs([sha]) == [None]
    assert repo.read_blobs([sha] * 40) == [None] * 40
    reader = repo.object_reader()
    assert reader.read(sha) is None
    reader.close()


def test_many_unreadable_objects_cannot_block_the_persistent_reader(repo: GitRepo) -> None:
    """cat-file reports each on stderr (a pipe GitPython opens): kept drained."""
    sha = blob_id(b"one\n")
    replace_object(repo, sha, b"\x78\x01 this is not a zlib stream")
    reader = repo.object_reader()
    for _ in range(2000):  # ~150 bytes of stderr each: 300 KB, far past a pipe's 64 KiB
        assert reader.read(sha) is None
        assert repo.read_blob(sha) is None
    assert reader.read(blob_id(b"two\n")) == b"two\n"
    reader.close()


def test_git_giving_up_on_an_object_is_a_store_error_and_reading_goes_on(repo: GitRepo) -> None:
    sha = blob_id(b"one\n")
    # The header unpacks, the content does not: cat-file prints the header, then dies.
    replace_object(repo, sha, zlib.compress(b"blob 400\0" + b"x" * 400)[:12])
    reader = repo.object_reader()
    assert reader.read(sha) is None  # cat-file died on it: None, and a new one next
    assert reader.read(blob_id(b"two\n")) == b"two\n"
    reader.close()
    for names in ([sha], [sha] * 40):
        with pytest.raises(StoreError) as failed:
            repo.read_blobs(names)
        message = str(failed.value)
        assert message.startswith(f"{repo.root}: git cat-file failed: fatal: unable to stream")
        assert "\n" not in message
    assert repo.read_blob(blob_id(b"two\n")) == b"two\n"


def test_a_failing_command_is_a_one_line_store_error(repo: GitRepo) -> None:
    with pytest.raises(StoreError) as failed:
        repo.run("rev-parse", "--verify", "no-such-rev")
    assert (
        str(failed.value) == f"{repo.root}: git rev-parse failed: fatal: Needed a single revision"
    )
    done = repo.run_unchecked("cat-file", "-t", ZERO_SHA)
    assert done.returncode != 0 and done.stderr.endswith(b"\n")  # exact bytes, as git wrote


def test_no_git_is_a_store_error(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(StoreError, match=f"^{re.escape(NO_GIT)}$"):
        repo.run("status")


def test_the_environment_cannot_redirect_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    before = sorted(p.relative_to(other) for p in other.rglob("*"))
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_COMMON_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(other / ".git" / "objects"))
    repo = new_repo(tmp_path / "store")
    head = commit(repo, {"a/p/policy.json": b"one\n"}, WHEN, None)
    repo.run("reset", "--hard", "-q", "HEAD")
    assert repo.head() == head and repo.read_blob("HEAD:a/p/policy.json") == b"one\n"
    assert (repo.root / "a" / "p" / "policy.json").read_bytes() == b"one\n"
    pinned = repo.repository()
    assert (pinned.git_dir, pinned.working_tree_dir) == (str(repo.git_dir), str(repo.root))
    assert pinned.common_dir == str(repo.git_dir)
    repo.close()
    monkeypatch.undo()
    assert sorted(p.relative_to(other) for p in other.rglob("*")) == before
    assert git(tmp_path / "store", "rev-parse", "HEAD").strip() == head


def test_hooks_never_run(repo: GitRepo) -> None:
    witness = repo.root.parent / "hook-ran"
    for name in ("reference-transaction", "post-checkout", "post-index-change"):
        hook = repo.git_dir / "hooks" / name
        hook.write_text(f"#!/bin/sh\necho {name} >> '{witness}'\n")
        hook.chmod(0o755)
    head = repo.head()
    assert head is not None
    repo.run("update-ref", "refs/policywatch/pending", head)
    repo.run("update-ref", "-d", "refs/policywatch/pending")
    repo.run("reset", "--hard", "-q", "HEAD")
    assert not witness.exists()


@needs_proc
def test_persistent_processes_end_when_closed_or_dropped(tmp_path: Path) -> None:
    before = children()
    repo = new_repo(tmp_path / "store")
    commit(repo, {"a/p/policy.json": b"one\n"}, WHEN, None)
    assert children() == before  # commands and the import have ended and been waited for
    assert repo.read_blob("HEAD:a/p/policy.json") == b"one\n"
    assert len(children() - before) == 1  # the persistent cat-file
    repo.close()
    assert children() == before  # ended and reaped: no zombie
    assert repo.head() is not None  # reading again starts it anew
    reader = repo.object_reader()
    assert reader.read(blob_id(b"one\n")) == b"one\n"
    assert len(children() - before) == 2
    reader.close()
    assert len(children() - before) == 1
    del repo, reader
    gc.collect()
    assert children() == before


@needs_proc
def test_a_failed_or_aborted_import_leaves_no_process(repo: GitRepo) -> None:
    before = children()
    importer = repo.fast_import()
    importer.commit("refs/heads/main", "bad\n", WHEN, None, [("x", ":99")])  # no such mark
    with pytest.raises(StoreError) as failed:
        importer.finish()
    assert str(failed.value).startswith("git fast-import failed: fatal: ")
    assert "\n" not in str(failed.value)
    importer = repo.fast_import()
    importer.blob(b"never committed\n")
    importer.abort()
    assert children() == before
    assert repo.head() == git(repo.root, "rev-parse", "HEAD").strip()
