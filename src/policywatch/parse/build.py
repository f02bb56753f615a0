"""The Policy built from a document: the one place that runs every field parser.

``make_doc`` reads the structure once (:mod:`policywatch.parse.doc`), the header
fields are found once (:mod:`policywatch.parse.fields`), and each field parser
reads what it needs from them. Coverage needs the title (a statement about "this
policy" is about its title) and evidence needs the coverage (its populations are
the indications), so those two run last.
"""

from __future__ import annotations

import policywatch.parse.metadata as metadata
from policywatch.errors import ParseError
from policywatch.extract import Extracted
from policywatch.model import Policy, Section
from policywatch.parse.codes import parse_codes
from policywatch.parse.coverage import parse_coverage
from policywatch.parse.doc import Doc, make_doc
from policywatch.parse.evidence import parse_evidence
from policywatch.parse.fields import header_fields
from policywatch.parse.history import parse_history
from policywatch.parse.references import parse_references


def build_policy(extracted: Extracted) -> Policy:
    doc = make_doc(extracted)
    if len(doc.lines) < 3 or sum(len(t) for t in doc.texts) < 200:
        raise ParseError("too little text to be a medical policy")
    fields = header_fields(doc)
    publisher = metadata.payer(doc)
    policy = Policy(
        title=metadata.title(doc, fields, publisher),
        payer=publisher,
        policy_number=metadata.policy_number(doc, fields),
        reference_number=metadata.reference_number(doc, fields),
        dates=metadata.dates(doc, fields),
        codes=parse_codes(doc),
        references=parse_references(doc),
        history=parse_history(doc),
        sections=sections(doc),
    )
    policy.coverage = parse_coverage(doc, policy.title)
    policy.evidence = parse_evidence(doc, policy.coverage)
    if not policy.title and not policy.coverage and not policy.codes:
        raise ParseError("no title, coverage statement or codes found: not a medical policy")
    return policy


def sections(doc: Doc) -> list[Section]:
    """Every heading with the text under it; headings with no text are folded away."""
    out: list[Section] = []
    spans = doc.section_spans()
    preamble_end = spans[0][0] if spans else len(doc.lines)
    if preamble_end:
        out.append(Section(heading="", text="\n".join(doc.texts[:preamble_end])))
    for start, end in spans:
        body = "\n".join(line.text for line in doc.lines[start + 1 : end])
        if body:
            out.append(Section(heading=doc.lines[start].text, text=body))
    return out
