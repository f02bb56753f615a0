"""The plausibility gate: does a parsed document read as a policy, and not as a collapse
of the version before it? Pure functions, no I/O; the phrases are data
(``plausibility.toml``).

:func:`assess` gives a :class:`Verdict`, checked in this order:

1. **retired** — the head (title and first ``head_chars`` characters of
   text, history and reference sections left out) says the policy was retired or
   archived ("This medical policy has been archived", a title ending
   "(Archived)").
2. **suspect: junk page** — the head reads as a login page, a bot check, a
   page-not-found or an error page, and the document does not read as a policy
   on its own (a coverage statement with a status, and at least two more of:
   billing codes, a policy number, dates, evidence, references, history).
3. **suspect: not a policy** — no coverage statement and no billing code, and at
   most one of the other marks of a policy (policy number, dates, evidence,
   references, history).
4. **suspect: collapse** (only with a previous version that read as a policy) —
   any of

   * the title gone (or sharing no word with the old one) and the policy number
     gone (when there was one), together with the text under 40 % or any one of
     the vanishings below;
   * the text under 40 % of the previous text (when that had 2,000+ characters)
     together with most coverage statements vanishing, or two of: most billing
     codes, history entries or references vanishing;
   * the text under 15 % of the previous text: a stub, whatever else it holds.

   "Most vanishing" is at most a quarter as many as before. Codes moving out
   (a separate coding policy) or a shorter evidence review alone are revisions,
   not collapses; so is a document that keeps 40 % of its text.

Everything else is ``ok``. The thresholds are constants below; the phrases are
in the TOML file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from policywatch.model import Policy
from policywatch.parse.vocabulary import vocabulary

VerdictKind = Literal["ok", "suspect", "retired"]

SHRINK_RATIO = 0.4  # new text under this share of the previous one "shrank sharply"
SHRINK_MIN_CHARS = 2000  # … when the previous text had at least this many characters
STUB_RATIO = 0.15  # under this share of the previous text, a stub whatever else it holds
VANISH_RATIO = 4  # "most vanished": at most 1/VANISH_RATIO as many as before
QUOTE_CHARS = 90  # how much of a matched line a reason quotes


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


OK = Verdict("ok")


@dataclass(frozen=True)
class Markers:
    head_chars: int
    junk: list[tuple[str, list[re.Pattern[str]]]]  # (label, patterns), in file order
    retired: list[re.Pattern[str]]
    retired_titles: list[re.Pattern[str]]


@cache
def markers() -> Markers:
    """``plausibility.toml``, loaded once and compiled."""
    text = resources.files("policywatch.parse").joinpath("plausibility.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return Markers(
        head_chars=int(data["head_chars"]),
        junk=[(spec["label"], _compiled(spec["patterns"])) for spec in data["markers"].values()],
        retired=_compiled(data["retired"]["patterns"]),
        retired_titles=_compiled(data["retired"].get("title_patterns", [])),
    )


def _compiled(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns]


def policy_text(policy: Policy) -> str:
    """The text the gate reads: the title, then every section (heading and body)
    except history and references, whose rows may name archived versions."""
    vocab = vocabulary()
    parts = [policy.title or ""]
    for section in policy.sections:
        heading = section.heading
        if heading and (vocab.heading_is("history", heading) or _is_references(heading)):
            continue
        parts.append(f"{heading}\n{section.text}" if heading else section.text)
    return "\n".join(part for part in parts if part)


def _is_references(heading: str) -> bool:
    return vocabulary().heading_is("references", heading)


def assess(new: Policy, text: str, previous: Policy | None = None) -> Verdict:
    """Is ``new`` (whose text is ``text``, usually :func:`policy_text`) fit to be
    recorded as the next version after ``previous`` (None: a first snapshot)?"""
    found = markers()
    head = _fold(text[: found.head_chars])
    title = _fold(new.title or "")
    quote = _first_match(found.retired_titles, title) or _first_match(found.retired, head)
    if quote:
        return Verdict("retired", f"the page says the policy was retired or archived: “{quote}”")
    if not reads_as_policy(new):
        for label, patterns in found.junk:
            quote = _first_match(patterns, f"{title}\n{head}")
            if quote:
                return Verdict("suspect", f"looks like {label}: “{quote}”")
    if not _has_substance(new):
        return Verdict(
            "suspect",
            "does not read as a medical policy: no coverage statement or billing code, "
            "and too little else (policy number, dates, evidence, references, history)",
        )
    if previous is not None and _has_substance(previous):
        collapse = collapse_signs(new, text, previous)
        if collapse:
            return Verdict(
                "suspect", "reads as a collapse of the previous version: " + "; ".join(collapse)
            )
    return OK


def reads_as_policy(policy: Policy) -> bool:
    """A coverage statement with a status, and at least two more marks of a policy."""
    stated = any(c.status != "unknown" for c in policy.coverage)
    return stated and len(_marks(policy)) >= 3


def _marks(policy: Policy) -> list[str]:
    """The parts of a policy a document has (beyond its title)."""
    dates = policy.dates
    found = {
        "coverage": bool(policy.coverage),
        "codes": bool(policy.codes),
        "number": bool(policy.policy_number or policy.reference_number),
        "dates": any(vars(dates).values()),
        "evidence": bool(policy.evidence),
        "references": bool(policy.references),
        "history": bool(policy.history),
    }
    return [name for name, present in found.items() if present]


def _has_substance(policy: Policy) -> bool:
    """Coverage or codes, or at least two other marks of a policy."""
    marks = _marks(policy)
    return "coverage" in marks or "codes" in marks or len(marks) >= 2


def collapse_signs(new: Policy, text: str, previous: Policy) -> list[str]:
    """What reads as a collapse of ``previous`` into ``new`` (empty when the change
    reads as a revision): see the module docstring for the rule."""
    identity = _identity_lost(new, previous)
    vanished = {
        what: _gone(before, after)
        for what, before, after in (
            ("coverage statements", len(previous.coverage), len(new.coverage)),
            ("billing codes", len(previous.codes), len(new.codes)),
            ("history entries", len(previous.history), len(new.history)),
            ("references", len(previous.references), len(new.references)),
        )
        if _vanished(before, after)
    }
    old_chars, new_chars = len(policy_text(previous)), len(text)
    share = new_chars / old_chars if old_chars >= SHRINK_MIN_CHARS else 1.0
    shrank = share < SHRINK_RATIO
    collapsed = (
        (identity and (vanished or shrank))
        or (shrank and ("coverage statements" in vanished or len(vanished) >= 2))
        or share < STUB_RATIO
    )
    if not collapsed:
        return []
    signs = [identity] if identity else []
    signs += [f"{count} {what} gone" for what, count in vanished.items()]
    if shrank:
        signs.append(
            f"text shrank to {100 * share:.0f}% ({new_chars:,} of {old_chars:,} characters)"
        )
    return signs


def _identity_lost(new: Policy, previous: Policy) -> str:
    """'title and policy number gone' (or a variant) when the document no longer
    names the policy it replaces; '' otherwise."""
    title_gone = bool(previous.title) and not _same_subject(previous.title or "", new.title)
    number_gone = bool(previous.policy_number) and not new.policy_number
    if not title_gone or (previous.policy_number and not number_gone):
        return ""
    what = "title" if not new.title else f"title (now “{_clip(new.title)}”)"
    return f"{what} and policy number gone" if number_gone else f"{what} gone"


_WORD = re.compile(r"[a-z0-9]{3,}")


def _same_subject(old: str, new: str | None) -> bool:
    if not new:
        return False
    old_words = set(_WORD.findall(old.lower()))
    return not old_words or bool(old_words & set(_WORD.findall(new.lower())))


def _vanished(before: int, after: int) -> bool:
    return before > 0 and after * VANISH_RATIO <= before


def _gone(before: int, after: int) -> str:
    return f"{before - after} of {before}"


def _fold(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _first_match(patterns: list[re.Pattern[str]], text: str) -> str:
    """The line around the first match of any pattern, clipped; '' for none."""
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            line_start = text.rfind("\n", 0, match.start()) + 1
            start = max(line_start, match.start() - QUOTE_CHARS // 3)
            end = text.find("\n", match.end())
            quote = _clip(text[start : end if end >= 0 else len(text)])
            return ("…" + quote) if start > line_start else quote
    return ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"
