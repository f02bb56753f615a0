"""Stores for the report tests: the bundled samples back-filled over three months.

The samples (``samples/``, see its README) are copied to a temporary folder
first, so tests may edit them and the store records temporary paths only.

Back-filling takes three snapshot runs; :class:`StoreTemplates` (the session
fixture ``store_templates`` in conftest) does them once per test process and
hands out copies. A copy's ``meta.json`` names the template's sample files, so a
test that snapshots its samples again (which would rewrite those paths) builds
its own store with :func:`build_sample_store`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from policywatch.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# (sources file month, --as-of): the first working morning of each month, UTC.
RUNS = (
    ("2026-09", "2026-09-01T06:00:00Z"),
    ("2026-10", "2026-10-01T06:00:00Z"),
    ("2026-11", "2026-11-02T06:00:00Z"),
)

CAM = "regional-blue-plan-cam-series/cam-70175hb"
BCBSLA = "blue-cross-and-blue-shield-of-louisiana/bcbsla-00220"
REGIONAL = "regional-plan-unnamed/regional-surgery-cryoablation"
BCBSMA = "blue-cross-blue-shield-of-massachusetts/bcbsma-633"
NICE = "nice/nice-htg241"


def copy_samples(root: Path) -> Path:
    target = root / "samples"
    shutil.copytree(SAMPLES, target, ignore=shutil.ignore_patterns("*.py", "README.md"))
    return target


def snapshot(config: Path, store: Path, as_of: str) -> Result:
    args = ["snapshot", "--config", str(config), "--store", str(store), "--as-of", as_of]
    return CliRunner().invoke(main, args)


def build_sample_store(root: Path) -> tuple[Path, Path]:
    """(store, samples copy) with September, October and November snapshotted."""
    samples = copy_samples(root)
    store = root / "snapshots"
    for month, as_of in RUNS:
        result = snapshot(samples / f"sources-{month}.toml", store, as_of)
        # November's NICE download is empty: the run completes with a failed source (3).
        assert result.exit_code in (0, 3), result.output
    return store, samples


class StoreTemplates:
    """The sample and hostile stores, each built on first use under ``root``, then copied."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sample: tuple[Path, Path] | None = None
        self._hostile: Path | None = None

    def sample(self, root: Path) -> tuple[Path, Path]:
        """(store, samples copy) under ``root``, as :func:`build_sample_store` makes them."""
        if self._sample is None:
            self._sample = build_sample_store(self.root / "sample")
        store, samples = self._sample
        shutil.copytree(samples, root / samples.name, symlinks=True)
        shutil.copytree(store, root / store.name, symlinks=True)
        return root / store.name, root / samples.name

    def hostile(self, root: Path) -> Path:
        """A copy under ``root`` of what :func:`build_hostile_store` makes."""
        if self._hostile is None:
            base = self.root / "hostile-template"
            base.mkdir()
            self._hostile = build_hostile_store(base)
        folder = self._hostile.parent / "hostile"
        shutil.copytree(folder, root / folder.name, symlinks=True)
        shutil.copytree(self._hostile, root / self._hostile.name, symlinks=True)
        return root / self._hostile.name


def report_cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["report", *args])


# -- a hostile policy: markup, template syntax and spreadsheet formulas in its text ----------

HOSTILE_PAYER = '=HYPERLINK("http://evil.example/","Blue Plan")'
HOSTILE_COVERAGE = (
    "Cryosurgical ablation <script>window.pwned=1;alert('x')</script> of either primary or "
    'metastatic tumors <img src=x onerror="window.pwned=2"> in the liver {{ 7*7 }} may be '
    "considered MEDICALLY NECESSARY for patients who are not candidates for surgical resection."
)
HOSTILE_HISTORY = "11/2026 <script>window.pwned=3</script> Policy statement changed {{ config }}."
_COVERAGE_LINE = (
    "Cryosurgical ablation of either primary or metastatic tumors in the liver is INVESTIGATIONAL."
)
_HISTORY_ANCHOR = "11/2020 BCBSA National medical policy review."


def build_hostile_store(root: Path) -> Path:
    """BCBSMA 633 as published in October, then a November edition full of hostile text."""
    folder = root / "hostile"
    folder.mkdir()
    original = (SAMPLES / "policies/bcbsma-633/2026-10.txt").read_text(encoding="utf-8")
    assert _COVERAGE_LINE in original and _HISTORY_ANCHOR in original
    (folder / "2026-10.txt").write_text(original, encoding="utf-8")
    edited = original.replace(_COVERAGE_LINE, HOSTILE_COVERAGE).replace(
        _HISTORY_ANCHOR, f"{HOSTILE_HISTORY}\n\n{_HISTORY_ANCHOR}"
    )
    (folder / "2026-11.txt").write_text(edited, encoding="utf-8")
    store = root / "hostile-store"
    for month, as_of in RUNS[1:]:
        config = folder / f"sources-{month}.toml"
        payer = HOSTILE_PAYER.replace('"', '\\"')
        config.write_text(
            f'[[source]]\nid = "bcbsma-633"\npayer = "{payer}"\npath = "{month}.txt"\n',
            encoding="utf-8",
        )
        assert snapshot(config, store, as_of).exit_code == 0
    return store
