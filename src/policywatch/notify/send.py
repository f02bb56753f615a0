"""A run's notification, start to end: select what is worth a message, word it, send it.

Called after the run is committed (the digest is read under the store lock, the
message is sent after it is released). The words are the caller's: the CLI passes
:func:`policywatch.render.notice.notification` (rendering lives in ``render``, which
reads this package's data; this package never imports it). Never raises: whatever
goes wrong is a line of the returned :class:`~policywatch.snapshot.outcomes.Delivery`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from policywatch.notify.alert import Alert, select_alert
from policywatch.notify.deliver import deliver
from policywatch.notify.digest import RunDigest
from policywatch.snapshot.outcomes import Delivery
from policywatch.sources import NotifySettings

Wording = Callable[[Alert], tuple[str, str]]
"""An alert → the message's (title, body)."""


def notify_run(
    digest: RunDigest | None,
    settings: NotifySettings,
    wording: Wording,
    environ: Mapping[str, str] | None = None,
) -> Delivery:
    """Send the run's message to every ``[notify]`` URL, if the run has anything worth one
    (``Delivery.message`` says whether it had)."""
    if digest is None:
        return Delivery(False, (), ("no notification: the run could not be read back",))
    try:
        alert = select_alert(digest, settings)
        if alert.empty:
            return Delivery(False)
        title, body = wording(alert)
    except Exception as exc:  # the run is recorded: a bug here is reported, not raised
        return Delivery(True, (), (f"no notification: {type(exc).__name__}: {exc}",))
    return deliver(title, body, settings.urls, environ)
