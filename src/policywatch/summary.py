"""A readable one-screen summary of a parsed policy (``parse --format text``)."""

from __future__ import annotations

from collections import defaultdict

from policywatch.model import DATE_FIELDS, Count, Policy


def policy_summary(policy: Policy) -> str:
    lines = [
        policy.title or "(untitled policy)",
        f"Payer: {policy.payer or '-'}",
        f"Policy number: {policy.policy_number or '-'}"
        + (f"  (reference {policy.reference_number})" if policy.reference_number else ""),
    ]
    dated = [
        f"{name.replace('_', ' ')} {getattr(policy.dates, name)}"
        for name in DATE_FIELDS
        if getattr(policy.dates, name)
    ]
    lines.append("Dates: " + ("; ".join(dated) if dated else "-"))
    lines.append(f"Coverage ({len(policy.coverage)}):")
    lines += [f"  - {c.indication}: {c.status.replace('_', ' ')}" for c in policy.coverage]
    lines.append(f"Codes ({len(policy.codes)}):")
    by_system: dict[str, list[str]] = defaultdict(list)
    for code in policy.codes:
        by_system[code.system].append(code.code)
    lines += [f"  {system}: {' '.join(codes)}" for system, codes in by_system.items()]
    lines.append(f"Evidence ({len(policy.evidence)} populations):")
    for evidence in policy.evidence:
        counts = ", ".join(
            f"{kind.replace('_', ' ')} {_count(n)}" for kind, n in evidence.counts.items()
        )
        lines.append(f"  - {evidence.population}: {counts or 'no studies named'}")
    with_pmid = sum(1 for r in policy.references if r.pmid)
    lines.append(f"References: {len(policy.references)} ({with_pmid} with PMID)")
    lines.append(f"History entries: {len(policy.history)}")
    lines.append(f"Sections: {len(policy.sections)}")
    return "\n".join(lines) + "\n"


def _count(n: Count) -> str:
    return "(unspecified)" if n is None else str(n)
