"""The Dask executor: a LocalCluster on 127.0.0.1 (2 workers, no dashboard) makes the
same store, byte for byte, as a run in one process; clear errors when dask is missing
or the scheduler cannot be reached."""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policywatch.cli import main
from policywatch.executors import ExecutorError, make_executor
from policywatch.snapshot import run_snapshot
from policywatch.store import parse_instant
from tests.store_support import assert_sound, git, path_sources, variant_docs
from tests.test_snapshot_parallel import BINARY, history

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs the dask extra"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    import distributed  # here, not at collection: a third of a second on every worker

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
        silence_logs=50,
    ) as local:
        yield local


def test_dask_executor_makes_the_same_store_as_one_process(cluster: Any, tmp_path: Path) -> None:
    docs = variant_docs(tmp_path / "docs", 8)
    docs["pol-binary"] = tmp_path / "docs" / "binary.pdf"
    docs["pol-binary"].write_bytes(BINARY)
    config = path_sources(tmp_path / "sources.toml", docs)
    local, dask = tmp_path / "local", tmp_path / "dask"
    for as_of in ("2026-10-01T06:00:00Z", "2026-11-02T06:00:00Z"):
        when = parse_instant(as_of)
        inline = run_snapshot(config, local, as_of=when, workers=1)
        remote = run_snapshot(
            config, dask, as_of=when, executor="dask", scheduler=cluster.scheduler_address
        )
        assert remote.executor == "dask" and remote.slots == 2
        assert [o.to_dict() for o in remote.outcomes] == [o.to_dict() for o in inline.outcomes]
        docs["pol-02"].write_bytes(docs["pol-02"].read_bytes() + b"\nRevised.\n")
    assert git(local, "rev-parse", "HEAD^{tree}") == git(dask, "rev-parse", "HEAD^{tree}")
    assert history(local) == history(dask) and len(history(dask)) == 2
    assert git(local, "rev-parse", "HEAD") == git(dask, "rev-parse", "HEAD")
    assert_sound(dask)


def test_a_client_executor_is_used_as_it_is(cluster: Any, tmp_path: Path) -> None:
    """Dask's own concurrent.futures executor (``Client.get_executor()``) runs a snapshot
    like any Executor: on the cluster's slots, to the same store as one process."""
    config = path_sources(tmp_path / "sources.toml", variant_docs(tmp_path / "docs", 4))
    when = parse_instant("2026-10-01T06:00:00Z")
    inline = run_snapshot(config, tmp_path / "local", as_of=when, workers=1)
    import distributed

    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        remote = run_snapshot(config, tmp_path / "dask", as_of=when, executor=client.get_executor())
    assert (remote.executor, remote.slots) == ("ClientExecutor", 2)
    assert [o.to_dict() for o in remote.outcomes] == [o.to_dict() for o in inline.outcomes]
    heads = {git(tmp_path / name, "rev-parse", "HEAD") for name in ("local", "dask")}
    assert len(heads) == 1


def test_cli_runs_on_the_cluster(cluster: Any, tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", variant_docs(tmp_path / "docs", 3))
    args = ["snapshot", "--config", str(config), "--store", str(tmp_path / "store")]
    result = CliRunner().invoke(main, [*args, "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    assert "3 added, 0 changed, 0 unchanged, 0 failed" in result.output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_scheduler_is_a_clear_error_within_the_timeout(tmp_path: Path) -> None:
    config = path_sources(tmp_path / "sources.toml", variant_docs(tmp_path / "docs", 1))
    address = f"tcp://127.0.0.1:{_closed_port()}"
    args = ["snapshot", "--config", str(config), "--store", str(tmp_path / "store")]
    result = CliRunner().invoke(
        main, [*args, "--executor", "dask", "--scheduler", address, "--connect-timeout", "1"]
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: cannot reach the Dask scheduler at {address}")
    assert not (tmp_path / "store").exists()  # nothing created


def test_dask_not_installed_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if absent
    with pytest.raises(ExecutorError, match=r"pip install 'policywatch\[dask\]'"):
        make_executor("dask", scheduler="tcp://127.0.0.1:8786")
