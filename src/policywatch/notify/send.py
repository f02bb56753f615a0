"""A run's notification, start to end: select what is worth a message, word it, send it.

Called after the run is committed (the digest is read under the store lock, the
message is sent after it is released). The words are the caller's: the CLI passes
:func:`policywatch.render.notice.notification` (rendering lives in ``render``, which
reads this package's data; this package never imports it). Never raises: whatever
goes wrong is a line of the returned :class:`~policywatch.snapshot.outcomes.Delivery`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from policywatch.notify.alert import Alert, select_alert
from policywatch.notify.deliver import deliver
from policywatch.notify.digest import RunDigest
from policywatch.notify.outbox import keep, send_pending
from policywatch.snapshot.outcomes import Delivery
from policywatch.sources import NotifySettings

Wording = Callable[[Alert], tuple[str, str]]
"""An alert → the message's (title, body)."""

Sender = Callable[[str, str, Sequence[str]], Delivery]


def notify_run(
    digest: RunDigest | None,
    settings: NotifySettings,
    wording: Wording,
    environ: Mapping[str, str] | None = None,
    state_dir: Path | None = None,
) -> Delivery:
    """Send the run's message to every ``[notify]`` URL, if the run has anything worth one
    (``Delivery.message`` says whether it had). With the store's ``state_dir``, messages
    earlier runs could not deliver go first (:mod:`.outbox`), and this one is kept for
    the targets that miss it."""

    def send(title: str, body: str, urls: Sequence[str]) -> Delivery:
        return deliver(title, body, urls, environ)

    earlier = Delivery()
    if state_dir is not None:
        earlier = _send_pending(state_dir, settings.urls, send)
    message, now = _this_run(digest, settings, wording, send)
    if state_dir is not None and message is not None and now.missed and digest is not None:
        problem = _keep(state_dir, message, now.missed, digest)
        now = replace(now, problems=(*now.problems, *problem))
    return Delivery(
        now.message or bool(earlier.sent_to or earlier.problems),
        (*earlier.sent_to, *now.sent_to),
        (*earlier.problems, *now.problems),
        now.missed,
    )


def _this_run(
    digest: RunDigest | None, settings: NotifySettings, wording: Wording, send: Sender
) -> tuple[tuple[str, str] | None, Delivery]:
    """(the run's message, what became of it)."""
    if digest is None:
        return None, Delivery(False, (), ("no notification: the run could not be read back",))
    try:
        alert = select_alert(digest, settings)
        if alert.empty:
            return None, Delivery(False)
        title, body = wording(alert)
    except Exception as exc:  # the run is recorded: a bug here is reported, not raised
        return None, Delivery(True, (), (f"no notification: {type(exc).__name__}: {exc}",))
    return (title, body), send(title, body, settings.urls)


def _send_pending(state_dir: Path, urls: Sequence[str], send: Sender) -> Delivery:
    try:
        sent, problems = send_pending(state_dir, urls, send)
    except OSError as exc:  # the outbox cannot be read or written: said, never raised
        return Delivery(True, (), (f"undelivered messages: {exc}",))
    return Delivery(bool(sent or problems), sent, problems)


def _keep(
    state_dir: Path, message: tuple[str, str], missed: Sequence[str], digest: RunDigest
) -> tuple[str, ...]:
    try:
        keep(state_dir, *message, missed, digest.when)
    except OSError as exc:
        return (f"the undelivered message could not be kept to send again: {exc}",)
    return ()
