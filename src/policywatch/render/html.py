"""HTML: the monthly report and the single-policy page (``diff --format html``),
one look from one set of partials.

Templates ship in this package (``policywatch/render/templates``) and render
with autoescape on: every value from a policy document is untrusted text. The
pages carry a Content-Security-Policy that forbids scripts and every network
load, as a second line of defence. What a template shows for one policy's
changes is shaped in :mod:`.views`; labels come from :mod:`.labels`.
"""

from __future__ import annotations

import shlex
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import jinja2

from policywatch import __version__
from policywatch.diff import DiffResult
from policywatch.render.labels import (
    KIND_TITLES,
    describe_side,
    short,
    status_label,
    status_tone,
    title,
    when,
)
from policywatch.render.views import policy_view

if TYPE_CHECKING:  # the report is data this module reads; importing it would load the store
    from policywatch.report.model import PolicyChange, Report

ROW_HEADERS = {
    "code": "Code",
    "evidence": "Population and studies",
    "date": "Date",
    "history": "History entry",
}
DETAIL_HEADERS = {"code": "Description", "history": "Entry"}
# Attention tables longer than this are folded (a store with hundreds of stale policies).
LONG_LIST = 25


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policywatch.render", "templates"),
        autoescape=True,  # on for every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        status_label=status_label,
        status_tone=status_tone,
        row_headers=ROW_HEADERS,
        detail_headers=DETAIL_HEADERS,
        long_list=LONG_LIST,
        kind_titles=KIND_TITLES,
        when=when,
        short=short,
        is_web=is_web,
        reproduce=reproduce,
        version=__version__,
    )
    return env


def is_web(location: str | None) -> bool:
    """Only http(s) sources become links; anything else is shown as text."""
    return bool(location) and urlsplit(location or "").scheme in ("http", "https")


def reproduce(change: PolicyChange, store: str) -> str:
    """The command that shows this policy's diff again, from the same store."""
    name = shlex.quote(change.source_id or change.policy_dir)
    old, new = short(change.old_commit), short(change.new_commit)
    command = f"policywatch diff {name}@{old} {name}@{new}"
    if store in ("snapshots", "./snapshots"):
        return command
    return f"POLICYWATCH_STORE={shlex.quote(store)} {command}"


def render_report(report: Report) -> str:
    """The monthly report: one self-contained page."""
    template = environment().get_template("report.html.j2")
    views = {
        p.policy_dir: policy_view(p.diff, p.restated) for p in report.changed if p.diff is not None
    }
    return template.render(report=report, views=views)


def render_html(result: DiffResult) -> str:
    """The single-policy page of ``policywatch diff --format html``."""
    template = environment().get_template("policy.html.j2")
    return template.render(
        view=policy_view(result),
        title=title(result),
        old_side=describe_side(result.old),
        new_side=describe_side(result.new),
    )
