"""Stores for the portfolio and spreadsheet tests.

- :func:`build_plan_store`: the bundled samples back-filled over three months
  (tests/report_store.py), each source with a plan / line of business, and
  Louisiana's November edition with a paragraph of new background wording (a text
  change that restates nothing, so it stays a change).
- :func:`build_editions_store`: the three corpus editions of BCBSA policy 7.01.75
  (CAM 70175HB, Louisiana 00220, Massachusetts 633), recorded on one morning.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import CORPUS
from tests.report_store import RUNS, copy_samples, snapshot
from tests.store_support import write_sources

PLANS = {
    "cam-70175hb": "Commercial HMO",
    "bcbsla-00220": "Commercial PPO",
    "regional-surgery-cryoablation": "Individual (ACA)",
    "bcbsma-633": "Medicare Advantage",
    "nice-htg241": "NHS England",
}
BACKGROUND_ANCHOR = "#### **Liver Metastases**\n\n"
NEW_BACKGROUND = (
    "Cryoablation freezes tumor tissue with a probe cooled by argon or nitrogen gas and is "
    "performed at laparotomy, laparoscopically or percutaneously under imaging guidance. "
) * 4 + "\n\n"


def add_plans(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    for source_id, plan in PLANS.items():
        text = re.sub(
            rf'(id = "{source_id}"\n)', rf'\1plan = "{plan}"\n', text, count=1, flags=re.M
        )
    config.write_text(text, encoding="utf-8")


def build_plan_store(root: Path) -> tuple[Path, Path]:
    """(store, samples copy): September, October and November, with plans."""
    samples = copy_samples(root)
    november = samples / "policies/bcbsla-00220/2026-11.txt"
    text = november.read_text(encoding="utf-8")
    assert text.count(BACKGROUND_ANCHOR) == 1
    november.write_text(
        text.replace(BACKGROUND_ANCHOR, BACKGROUND_ANCHOR + NEW_BACKGROUND), encoding="utf-8"
    )
    store = root / "snapshots"
    for month, as_of in RUNS:
        config = samples / f"sources-{month}.toml"
        add_plans(config)
        result = snapshot(config, store, as_of)
        assert result.exit_code in (0, 3), result.output  # November's NICE download fails
    return store, samples


EDITIONS = (
    ("cam-70175hb", "000", "Regional Blue plan (CAM series)", "Commercial HMO"),
    ("bcbsla-00220", "001", "Blue Cross and Blue Shield of Louisiana", "Commercial PPO"),
    ("bcbsma-633", "003", "Blue Cross Blue Shield of Massachusetts", "Medicare Advantage"),
)


def build_editions_store(root: Path) -> Path:
    """The three corpus editions of 7.01.75 with payers and plans, recorded 2026-10-01."""
    docs = root / "editions"
    docs.mkdir()
    entries = []
    for source_id, key, payer, plan in EDITIONS:
        path = docs / f"{source_id}.txt"
        path.write_bytes(CORPUS[key].read_bytes())
        entries.append({"id": source_id, "payer": payer, "plan": plan, "path": path.name})
    config = write_sources(docs / "sources.toml", entries)
    store = root / "editions-store"
    result = snapshot(config, store, "2026-10-01T06:00:00Z")
    assert result.exit_code == 0, result.output
    return store
