"""Issue 6 in the store: PDF and HTML editions are kept as source.pdf / source.html,
and a broken edition is a failed outcome that keeps the previous version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.model import Policy
from tests import editions
from tests.conftest import CORPUS
from tests.store_support import assert_sound, cli_in_process, path_sources


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """002 as a PDF and 003 as a web page, as plans publish them."""
    folder = tmp_path_factory.mktemp("published")
    pdf = folder / "policy-002.pdf"
    pdf.write_bytes(editions.pdf_edition(CORPUS["002"].name))
    html = folder / "policy-003.html"
    html.write_bytes(editions.html_edition(CORPUS["003"].name))
    return {"policy-002": pdf, "policy-003": html}


def _snapshot(config: Path, store: Path, as_of: str) -> tuple[int, str]:
    run = cli_in_process(
        "snapshot", "--config", str(config), "--store", str(store), "--as-of", as_of
    )
    return run.returncode, run.stdout + run.stderr


def test_raw_pdf_and_html_are_stored_beside_the_policy(
    tmp_path: Path, published: dict[str, Path]
) -> None:
    config = path_sources(tmp_path / "sources.toml", published)
    code, out = _snapshot(config, tmp_path / "store", "2026-09-01")
    assert code == 0, out
    pdf_folder = tmp_path / "store" / "test-payer" / "policy-002"
    html_folder = tmp_path / "store" / "test-payer" / "policy-003"
    assert (pdf_folder / "source.pdf").read_bytes() == published["policy-002"].read_bytes()
    assert (html_folder / "source.html").read_bytes() == published["policy-003"].read_bytes()
    stored = Policy.from_json((pdf_folder / "policy.json").read_text(encoding="utf-8"))
    assert len([c for c in stored.coverage if c.status == "medically_necessary"]) == 6
    assert_sound(tmp_path / "store")


BROKEN = {
    "image-only PDF": ("policy-002", editions.image_only_pdf, "needs OCR"),
    "encrypted PDF": ("policy-002", editions.encrypted_pdf, "encrypted"),
    "truncated PDF": (
        "policy-002",
        lambda: editions.pdf_edition(CORPUS["002"].name)[:5000],
        "truncated",
    ),
    "HTML without a policy": (
        "policy-003",
        lambda: b"<html><body><nav><a href='/'>Home</a></nav><p>Page moved.</p></body></html>",
        "no policy content",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_edition_fails_and_keeps_the_previous_version(
    tmp_path: Path, published: dict[str, Path], case: str
) -> None:
    source_id, make_broken, message = BROKEN[case]
    docs = {sid: tmp_path / path.name for sid, path in published.items()}
    for sid, path in docs.items():
        path.write_bytes(published[sid].read_bytes())
    config = path_sources(tmp_path / "sources.toml", docs)
    store = tmp_path / "store"
    assert _snapshot(config, store, "2026-09-01")[0] == 0
    folder = store / "test-payer" / source_id
    good = (folder / "policy.json").read_bytes()

    broken = make_broken()
    docs[source_id].write_bytes(broken)
    code, out = _snapshot(config, store, "2026-10-01")
    assert code == 3, out
    assert source_id in out and message in out
    assert (folder / "policy.json").read_bytes() == good  # never blanked
    failed = list((folder / "failed").glob("source.*"))
    assert [p.read_bytes() for p in failed] == [broken]  # what failed is kept for a human
    assert message in json.loads((folder / "failed" / "error.json").read_text())["error"]
    assert_sound(store)
