"""Store safety: overlapping runs, SIGKILL at any moment, stale locks, foreign
repositories and hostile ids."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from filelock import FileLock

from policywatch.errors import StoreError
from policywatch.snapshot import run_snapshot
from policywatch.store import Store, store_path
from tests.conftest import CORPUS
from tests.store_support import (
    _MAIN,
    PYTHON,
    assert_sound,
    cli,
    cli_in_process,
    commit_count,
    git,
    path_sources,
    variant_docs,
    write_docs,
    write_sources,
)


def test_four_concurrent_snapshots_store_each_policy_once(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", write_docs(tmp_path / "docs"))
    store = tmp_path / "store"  # does not exist yet: creation races too
    argv = [PYTHON, "-c", _MAIN, "snapshot", "--config", str(config), "--store", str(store)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    outputs = sorted(out for _, out, _ in results)
    assert sum("5 added" in out for out in outputs) == 1
    assert sum("5 unchanged" in out for out in outputs) == 3
    assert commit_count(store) == 1
    for folder in {str(Path(p).parent) for p in git(store, "ls-files").split()}:
        assert len(git(store, "log", "--format=%H", "--", f"{folder}/policy.json").split()) == 1
    assert_sound(store)


def _revise(docs: dict[str, Path], rng: random.Random, round_no: int) -> None:
    for path in rng.sample(sorted(docs.values()), k=len(docs) // 10):
        path.write_bytes(path.read_bytes() + f"Revision {round_no}.\n".encode())


def _run_and_kill(argv: list[str], store: Path, delay: float | None) -> None:
    """Start a snapshot and SIGKILL it after ``delay`` s, or (None) the moment it
    starts publishing its commit (the dirty marker appears).

    Only the snapshot process is killed, as the OOM killer or ``kill -9`` would; a git
    child it had started (fast-import finishing a pack, say) runs on to its end. The
    store is checked once those are gone: git's own fsck reads a pack that appears
    while it runs as a missing object."""
    marker = store / ".git" / "policywatch" / "dirty"
    left_over = _read(marker)  # a previous kill's marker does not count
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + (delay if delay is not None else 30)
    while proc.poll() is None and time.monotonic() < deadline:
        if delay is None and _read(marker) not in (None, left_over):
            break
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _wait_for_group(proc.pid, timeout=30)


def _wait_for_group(group: int, timeout: float) -> None:
    """Until no live process is left in process group ``group`` (Linux /proc)."""
    deadline = time.monotonic() + timeout
    while _live_members(group):
        assert time.monotonic() < deadline, f"processes of group {group} still running"
        time.sleep(0.01)


def _live_members(group: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state not in ("Z", "X"):
            found.append(int(stat.parent.name))
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def test_sigkill_at_random_moments_leaves_a_sound_store(tmp_path: Path) -> None:
    rng = random.Random(4)
    docs = variant_docs(tmp_path / "docs", 300, truncate=3500, digits=3)
    config = path_sources(tmp_path / "sources.toml", docs)
    store = tmp_path / "store"
    argv = [PYTHON, "-c", _MAIN, "snapshot", "--config", str(config), "--store", str(store)]

    started = time.monotonic()
    first = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    full_run = time.monotonic() - started

    for round_no, delay in enumerate([0.2, None, rng.uniform(0.2, full_run), None, full_run * 0.9]):
        _revise(docs, rng, round_no)
        _run_and_kill(argv, store, delay)
        # right after a kill: git's own consistency check is clean
        fsck = subprocess.run(
            ["git", f"--git-dir={store / '.git'}", "fsck", "--strict", "--no-dangling"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert fsck.returncode == 0, fsck.stderr

    final = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert final.returncode == 0, final.stderr
    assert_sound(store)
    head = Store.open(store).tree()
    for source_id, path in docs.items():
        assert head[f"test-payer/{source_id}/source.txt"] == _blob(path.read_bytes())
    verify = cli("verify", "--store", str(store))
    assert verify.returncode == 0, verify.stdout


def _blob(data: bytes) -> str:
    from policywatch.store import blob_id

    return blob_id(data)


def test_next_run_repairs_what_a_killed_run_left(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", write_docs(tmp_path / "docs", ["004"]))
    store = tmp_path / "store"
    run_snapshot(config, store)
    folder = store / "test-payer" / "policy-004"
    good = (folder / "policy.json").read_bytes()
    # the debris of a run killed while publishing
    (folder / "policy.json").write_text("half-written")
    (folder / "stray.tmp").write_text("x")
    (store / ".git" / "index.lock").write_text("")
    (store / ".git" / "refs" / "heads" / "main.lock").write_text("")
    (store / ".git" / "policywatch" / "dirty").write_text("")
    (store / ".git" / "objects" / "pack" / "tmp_pack_123").write_text("junk")

    summary = run_snapshot(config, store)
    assert [o.status for o in summary.outcomes] == ["unchanged"]
    assert (folder / "policy.json").read_bytes() == good
    assert (folder / "stray.tmp").read_text() == "x"  # not written by a run: left alone
    assert not list((store / ".git").rglob("*.lock"))
    assert not (store / ".git" / "objects" / "pack" / "tmp_pack_123").exists()
    (folder / "stray.tmp").unlink()
    assert_sound(store)


def test_lock_held_too_long_is_a_clear_error(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", write_docs(tmp_path / "docs", ["004"]))
    store = tmp_path / "store"
    run_snapshot(config, store)
    with FileLock(str(store / ".git" / "policywatch" / "lock")):
        result = cli(
            "snapshot", "--config", str(config), "--store", str(store), "--lock-timeout", "0.3"
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"Error: {store}: another policywatch run has held the store lock for 0.3 s; "
        "try again later\n"
    )


def test_refuses_foreign_repositories_and_non_empty_folders(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", write_docs(tmp_path / "docs", ["004"]))
    project = tmp_path / "project"
    project.mkdir()
    (project / "code.py").write_text("print()\n")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    with pytest.raises(StoreError, match="a git repository that is not a policywatch store"):
        run_snapshot(config, project)
    assert not (project / ".git" / "policywatch").exists()

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty and not a policywatch store"):
        run_snapshot(config, plain)
    assert sorted(p.name for p in plain.iterdir()) == ["notes.txt"]


def test_readme_only_folder_becomes_a_store_and_git_env_cannot_redirect(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", write_docs(tmp_path / "docs", ["004"]))
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    store = tmp_path / "snapshots"
    store.mkdir()
    (store / "README.md").write_text("# the default store\n")
    env = {"GIT_DIR": str(other / ".git"), "GIT_WORK_TREE": str(other)}
    result = cli("snapshot", "--config", str(config), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_sound(store)  # README.md is beside the store, not in it
    assert (store / "README.md").exists()
    assert (
        subprocess.run(
            ["git", "-C", str(other), "rev-parse", "-q", "--verify", "HEAD"],
            capture_output=True,
            check=False,
        ).returncode
        != 0
    )


HOSTILE = [
    "../escape",
    "../../../../tmp/evil",
    "/etc/passwd",
    "..",
    ".git",
    "a/../../b",
    "x" * 200,
    "日本語のポリシー",
    "CON",
    "-rf",
    "id with spaces",
    "\\\\server\\share",
]


def test_hostile_ids_and_payers_cannot_write_outside_the_store(tmp_path: Path) -> None:
    work = tmp_path / "work"
    doc = work / "docs" / "p.txt"
    doc.parent.mkdir(parents=True)
    doc.write_bytes(CORPUS["004"].read_bytes())
    entries = [
        {"id": hostile, "payer": "../../payer" if i % 2 else "/abs/payer", "path": "docs/p.txt"}
        for i, hostile in enumerate(HOSTILE)
    ]
    config = write_sources(work / "sources.toml", entries)
    store = work / "store"
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    summary = run_snapshot(config, store)
    assert [o.status for o in summary.outcomes] == ["added"] * len(HOSTILE)
    outside = sorted(str(p) for p in tmp_path.rglob("*") if store not in p.parents and p != store)
    assert outside == before
    paths = git(store, "ls-files").split()
    assert len(paths) == 3 * len(HOSTILE)
    assert all(re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+/[a-z.]+", p) for p in paths), paths


@pytest.mark.parametrize(
    "bad",
    [
        ("../x", "policy.json"),
        ("a/b", "../../x"),
        ("a/../b", "f"),
        ("a/.git", "f"),
        ("/a/b", "f"),
        ("a/b/c", "f"),
    ],
)
def test_store_paths_refuse_anything_but_slugs(bad: tuple[str, str]) -> None:
    with pytest.raises(StoreError, match="refusing unsafe store path"):
        store_path(*bad)


def test_reading_commands_never_create_a_store(tmp_path: Path) -> None:
    for args in (["log", "x"], ["show", "x"], ["verify"], ["reparse"]):
        result = cli_in_process(*args, "--store", str(tmp_path / "none"))
        assert result.returncode == 2 and "no policywatch store here" in result.stderr, args
    assert not (tmp_path / "none").exists()
    assert os.listdir(tmp_path) == []
