"""Notifications: what a snapshot run recorded, told to the people who act on it.

- :mod:`.digest` — the run read back as data (:class:`RunDigest`): policies added and
  changed with their diffs, sources failed with their streaks, recoveries; built right
  after the commit by the :class:`DigestRecorder` hook;
- :mod:`.alert` — what of it is worth a message under the ``[notify]`` table's rules
  (:class:`policywatch.sources.NotifySettings`): :func:`select_alert`;
- :mod:`.deliver` — one message to every URL with apprise, secrets taken from the
  environment and kept out of every line it reports: :func:`deliver`;
- :mod:`.outbox` — messages a target missed, kept (without URLs or secrets) and sent
  again by the next run that notifies;
- :mod:`.send` — all of it in a row after a run: :func:`notify_run`.

The words are :mod:`policywatch.render.notice`'s (the quiet summary and the message).
Notification happens after the run is committed and never raises: a target that is
down is a line of :class:`policywatch.snapshot.outcomes.Delivery`, and exit code 4.
"""

from __future__ import annotations

from policywatch.notify.alert import Alert, select_alert
from policywatch.notify.deliver import Target, deliver, resolve
from policywatch.notify.digest import (
    DigestRecorder,
    FailureNews,
    PolicyNews,
    RunDigest,
    digest_run,
)
from policywatch.notify.send import notify_run

__all__ = [
    "Alert",
    "DigestRecorder",
    "FailureNews",
    "PolicyNews",
    "RunDigest",
    "Target",
    "deliver",
    "digest_run",
    "notify_run",
    "resolve",
    "select_alert",
]
