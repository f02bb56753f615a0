"""``compare``: stored policies side by side — how plans differ on one topic, or one
policy across its versions.

Each side is a stored version (``POLICY``, ``POLICY@REV``, ``POLICY@DATE``, read
with :func:`policywatch.timeline.locate` by the caller). The rows:

- coverage: statements matched by indication across the documents with the diff's
  matching (exact keys, then IDF-weighted token overlap above the diff's threshold:
  :mod:`policywatch.diff.matching`, :mod:`policywatch.diff.coverage`), the status
  each document gives;
- codes: every code any document lists, keyed as the diff keys them, and whether
  each document lists it, or covers it with a range (``in 17260-17286``);
- evidence: populations matched the same way, the count each gives per study type;
- dates, the latest history entry, and who publishes what (payer, plan, number,
  source, when the version was recorded).

A row is *the same* when every document says the same; ``differences`` says in a
line each what is not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from policywatch.diff.codes import code_key, norm_code
from policywatch.diff.coverage import MATCH_THRESHOLD as COVERAGE_THRESHOLD
from policywatch.diff.dates import DATE_LABELS
from policywatch.diff.evidence import MATCH_THRESHOLD as EVIDENCE_THRESHOLD
from policywatch.diff.evidence import STUDY_LABELS, count_label, population_label, study_label
from policywatch.diff.matching import pair_exact, pair_fuzzy
from policywatch.diff.normalize import (
    content_tokens,
    idf_weights,
    norm_key,
    norm_text,
    sentence_case,
    status_label,
    weighted_jaccard,
)
from policywatch.model import DATE_FIELDS, Code, HistoryEntry, Policy
from policywatch.portfolio.codes import bounds, in_range
from policywatch.portfolio.versions import PortfolioError
from policywatch.store import (
    META_FILE,
    Meta,
    Store,
    policy_text_at,
    policy_texts,
    policy_versions,
    store_path,
)

NONE = "—"  # a cell with nothing to say


@dataclass(frozen=True)
class Side:
    """One document of the comparison: a stored version and where it came from."""

    label: str  # the reference as given: bcbsla-00220, bcbsla-00220@2026-10-15
    policy_dir: str
    at: str | None
    commit: str  # the store commit it was read at
    version_commit: str | None  # the commit that recorded this version
    recorded_at: datetime | None
    source_id: str | None
    payer: str | None
    plan: str | None
    source: str | None  # URL or path
    policy: Policy

    @property
    def title(self) -> str | None:
        return self.policy.title

    @property
    def policy_number(self) -> str | None:
        return self.policy.policy_number


@dataclass(frozen=True)
class CoverageCell:
    indication: str
    status: str
    text: str


@dataclass(frozen=True)
class CoverageRow:
    indication: str  # as the first document that has it says it
    cells: tuple[CoverageCell | None, ...]  # one per side; None: no such statement

    @property
    def same(self) -> bool:
        return all(self.cells) and len({c.status for c in self.cells if c}) == 1


@dataclass(frozen=True)
class CodeRow:
    system: str
    code: str
    description: str | None
    cells: tuple[str | None, ...]  # "listed", "in <range>", "<n> codes in it", None

    @property
    def same(self) -> bool:
        return all(self.cells)


@dataclass(frozen=True)
class EvidenceRow:
    population: str  # its short label
    study: str  # the study type's label: "meta-analyses"
    cells: tuple[str, ...]  # the count each side gives ("2", "several", "some"), or "—"

    @property
    def same(self) -> bool:
        return len(set(self.cells)) == 1


@dataclass(frozen=True)
class FieldRow:
    label: str
    cells: tuple[str, ...]  # "—" where a side gives none

    @property
    def same(self) -> bool:
        return len(set(self.cells)) == 1


@dataclass(frozen=True)
class Comparison:
    sides: tuple[Side, ...]
    about: tuple[FieldRow, ...]  # payer, plan, number, title, source, recorded
    coverage: tuple[CoverageRow, ...]
    codes: tuple[CodeRow, ...]
    evidence: tuple[EvidenceRow, ...]
    dates: tuple[FieldRow, ...]
    history: tuple[FieldRow, ...]  # each side's latest history entry

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(side.label for side in self.sides)

    @property
    def differences(self) -> list[str]:
        """What the documents do not agree on, a line each: coverage, codes, evidence, dates."""
        lines = [self._coverage_line(row) for row in self.coverage if not row.same]
        lines += self._code_lines()
        lines += [
            f"{row.population}: {row.study}: {self._by_side(row.cells)}"
            for row in self.evidence
            if not row.same
        ]
        lines += [f"{row.label}: {self._by_side(row.cells)}" for row in self.dates if not row.same]
        return lines

    def _by_side(self, cells: Sequence[str]) -> str:
        return ", ".join(f"{label} {cell}" for label, cell in zip(self.labels, cells, strict=True))

    def _coverage_line(self, row: CoverageRow) -> str:
        said = [status_label(c.status) if c else "no statement" for c in row.cells]
        return f"Coverage of {row.indication}: {self._by_side(said)}"

    def _code_lines(self) -> list[str]:
        """Codes not in every document, grouped by which documents list them."""
        groups: dict[tuple[bool, ...], list[str]] = {}
        for row in self.codes:
            if not row.same:
                pattern = tuple(c is not None for c in row.cells)
                groups.setdefault(pattern, []).append(f"{row.system} {row.code}")
        lines = []
        for pattern, codes in groups.items():
            having = [label for label, has in zip(self.labels, pattern, strict=True) if has]
            lacking = [label for label, has in zip(self.labels, pattern, strict=True) if not has]
            lines.append(f"{', '.join(codes)}: in {', '.join(having)}; not in {', '.join(lacking)}")
        return lines


def compare_policies(store: Store, sides: Sequence[tuple[str, str, str | None]]) -> Comparison:
    """Compare stored versions; ``sides`` are (label, policy folder, REV / DATE or None),
    as :func:`policywatch.timeline.locate` reads a reference."""
    if len(sides) < 2:
        raise PortfolioError("compare needs two or more policies (POLICY[@REV|@DATE] …)")
    read = tuple(_side(store, label, policy_dir, at) for label, policy_dir, at in sides)
    policies = [side.policy for side in read]
    return Comparison(
        sides=read,
        about=_about(read),
        coverage=_coverage_rows(policies),
        codes=_code_rows(policies),
        evidence=_evidence_rows(policies),
        dates=_date_rows(policies),
        history=(FieldRow("Latest history entry", tuple(_latest(p.history) for p in policies)),),
    )


# -- reading a side ---------------------------------------------------------------------------


def _side(store: Store, label: str, policy_dir: str, at: str | None) -> Side:
    commit, text = policy_text_at(store, policy_dir, at)
    policy = Policy.from_json(text)
    version = _version(store, policy_dir, at, commit, text)
    [meta_bytes] = store.read_blobs([f"{commit}:{store_path(policy_dir, META_FILE)}"])
    meta = Meta.from_bytes(meta_bytes) or Meta()
    return Side(
        label=label,
        policy_dir=policy_dir,
        at=at,
        commit=commit,
        version_commit=version[0] if version else None,
        recorded_at=datetime.fromtimestamp(version[1], UTC) if version else None,
        source_id=meta.id,
        payer=policy.payer or meta.payer,
        plan=meta.plan,
        source=meta.source,
        policy=policy,
    )


def _version(
    store: Store, policy_dir: str, at: str | None, commit: str, text: str
) -> tuple[str, int] | None:
    """(commit, time) of the version read: the newest for no reference, the version
    itself for a date, the newest version with the same policy.json for a commit."""
    found = policy_versions(store, policy_dir)
    if not found:
        return None
    if at is None:
        return found[-1].commit, found[-1].timestamp
    same = [v for v in found if v.commit == commit]
    if same:
        return same[-1].commit, same[-1].timestamp
    texts = policy_texts(store, policy_dir, [v.commit for v in found])
    wanted = text.encode("utf-8")
    for version, data in zip(reversed(found), reversed(texts), strict=True):
        if data == wanted:
            return version.commit, version.timestamp
    return None


def _about(sides: tuple[Side, ...]) -> tuple[FieldRow, ...]:
    def row(label: str, value: Callable[[Side], str | None]) -> FieldRow:
        return FieldRow(label, tuple(value(side) or NONE for side in sides))

    return (
        row("Payer", lambda s: s.payer),
        row("Plan", lambda s: s.plan),
        row("Policy number", lambda s: s.policy_number),
        row("Reference number", lambda s: s.policy.reference_number),
        row("Title", lambda s: s.title),
        row("Source", lambda s: s.source),
        row("Version recorded", lambda s: _day(s.recorded_at)),
    )


def _day(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%d") if moment else None


# -- rows -------------------------------------------------------------------------------------


def match_across(names: list[list[str]], threshold: float) -> list[list[int | None]]:
    """Items of several documents matched into rows: each row holds at most one item
    per document (its index). Each document's items pair with the rows so far as the
    diff pairs two versions: equal keys first, then IDF-weighted token overlap of at
    least ``threshold`` (a row is keyed by the item that opened it); the rest open rows."""
    tokens = [[content_tokens(name) for name in items] for items in names]
    weights = idf_weights([t for side in tokens for t in side])
    rows: list[list[int | None]] = []
    row_keys: list[str] = []
    row_tokens: list[frozenset[str]] = []
    for s, items in enumerate(names):
        exact = pair_exact(row_keys, [norm_key(name) for name in items])
        score = _scorer(row_tokens, tokens[s], weights)
        fuzzy = pair_fuzzy(exact.old_only, exact.new_only, score, threshold)
        for r, j in exact.pairs + fuzzy.pairs:
            rows[r][s] = j
        for j in fuzzy.new_only:
            rows.append([None] * len(names))
            rows[-1][s] = j
            row_keys.append(norm_key(items[j]))
            row_tokens.append(tokens[s][j])
    return rows


def _scorer(
    rows: list[frozenset[str]], items: list[frozenset[str]], weights: dict[str, float]
) -> Callable[[int, int], float]:
    def score(r: int, j: int) -> float:
        return weighted_jaccard(rows[r], items[j], weights)

    return score


def _coverage_rows(policies: list[Policy]) -> tuple[CoverageRow, ...]:
    names = [[c.indication for c in p.coverage] for p in policies]
    found = []
    for row in match_across(names, COVERAGE_THRESHOLD):
        cells = tuple(
            None
            if i is None
            else CoverageCell(
                norm_text(p.coverage[i].indication),
                p.coverage[i].status.value,
                norm_text(p.coverage[i].text),
            )
            for p, i in zip(policies, row, strict=True)
        )
        first = next(c for c in cells if c is not None)
        found.append(CoverageRow(sentence_case(first.indication), cells))
    return tuple(found)


def _code_rows(policies: list[Policy]) -> tuple[CodeRow, ...]:
    first_seen: dict[str, Code] = {}
    for policy in policies:
        for code in policy.codes:
            first_seen.setdefault(code_key(code), code)
    keyed = [{code_key(c): c for c in p.codes} for p in policies]
    rows = []
    for key, code in first_seen.items():
        cells = tuple(
            _code_cell(key, code, have, p.codes) for have, p in zip(keyed, policies, strict=True)
        )
        description = next(
            (c.description for have in keyed if (c := have.get(key)) and c.description), None
        )
        rows.append(CodeRow(code.system, norm_code(code.code), description, cells))
    return tuple(rows)


def _code_cell(key: str, code: Code, have: dict[str, Code], codes: list[Code]) -> str | None:
    if key in have:
        return "listed"
    span = bounds(code)
    plain = norm_code(code.code).replace(".", "")
    for other in codes:
        if other.system.upper() != code.system.upper():
            continue
        other_span = bounds(other)
        if span is None and other_span is not None and in_range(plain, *other_span):
            return f"in {norm_code(other.code)}"
    if span is not None:
        inside = [
            c
            for c in codes
            if c.system.upper() == code.system.upper()
            and bounds(c) is None
            and in_range(norm_code(c.code).replace(".", ""), *span)
        ]
        if inside:
            return f"{len(inside)} code{'s' if len(inside) != 1 else ''} in it"
    return None


def _evidence_rows(policies: list[Policy]) -> tuple[EvidenceRow, ...]:
    names = [[e.population for e in p.evidence] for p in policies]
    found = []
    for row in match_across(names, EVIDENCE_THRESHOLD):
        present = [
            p.evidence[i] if i is not None else None for p, i in zip(policies, row, strict=True)
        ]
        first = next(e for e in present if e is not None)
        studies = sorted(
            dict.fromkeys(t for e in present if e is not None for t in e.counts), key=_study_order
        )
        for study in studies:
            cells = tuple(
                count_label(e.counts[study]) if e is not None and study in e.counts else NONE
                for e in present
            )
            found.append(EvidenceRow(population_label(first.population), study_label(study), cells))
    return tuple(found)


def _study_order(study: str) -> tuple[int, str]:
    """Study types as the evidence ladder reads (meta-analyses first), others after."""
    known = list(STUDY_LABELS)
    return (known.index(study) if study in known else len(known), study)


def _date_rows(policies: list[Policy]) -> tuple[FieldRow, ...]:
    rows = []
    for name in DATE_FIELDS:
        values = tuple(getattr(p.dates, name) or NONE for p in policies)
        if any(v != NONE for v in values):
            rows.append(FieldRow(DATE_LABELS[name], values))
    return tuple(rows)


def _latest(history: list[HistoryEntry]) -> str:
    if not history:
        return NONE
    entry = max(history, key=lambda e: e.date)  # ISO dates at any precision sort as text
    return f"{entry.date}: {norm_text(entry.action)}"
