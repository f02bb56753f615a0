"""Sending one message to every ``[notify]`` URL with apprise, secrets kept out of sight.

A URL is used as written, or taken from the environment when the message is sent:

- ``env:NAME`` — the URL (or several, separated by spaces) is the value of variable
  ``NAME``: the whole URL, token and password included, stays out of the config;
- ``${NAME}`` inside a URL — that variable's value, e.g.
  ``mailtos://alerts:${SMTP_PASSWORD}@smtp.example.org?to=compliance@example.org``.

Expanded values live only in this process's memory for the send: apprise runs with a
memory-only persistent store, targets are named by apprise's privacy form of the URL
(``scheme://host``, passwords masked, never a path or query where webhook tokens live)
or by ``env:NAME``, and what apprise says of a failure has each expanded value replaced
by ``***`` and each URL cut to its scheme. Each URL gets its own attempt, so
one target that is down, misspelt or unset never stops the others; nothing here
raises: every problem becomes a line of the :class:`~policywatch.snapshot.outcomes.Delivery`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from policywatch.snapshot.outcomes import Delivery
from policywatch.sources import ENV_PLACEHOLDER, ENV_PREFIX

MASK = "***"


@dataclass(frozen=True)
class Target:
    """One configured URL, resolved: what may be shown of it, what to send to, what to hide."""

    label: str
    urls: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    problem: str | None = None


def resolve(url: str, environ: Mapping[str, str]) -> Target:
    """A ``[notify]`` URL with its environment references expanded."""
    if url.startswith(ENV_PREFIX):
        name = url[len(ENV_PREFIX) :]
        value = environ.get(name, "").strip()
        if not value:
            return Target(url, problem=f"{url}: the variable {name} is not set or empty")
        urls = tuple(value.split())
        return Target(url, urls, (value, *urls))
    missing = [n for n in ENV_PLACEHOLDER.findall(url) if not environ.get(n)]
    label = _scheme_only(url)
    if missing:
        return Target(label, problem=f"{label}: the variable {missing[0]} is not set or empty")
    values = [environ[n] for n in ENV_PLACEHOLDER.findall(url)]
    expanded = ENV_PLACEHOLDER.sub(lambda m: environ[m.group(1)], url)
    return Target(label, (expanded,), (expanded, url, *values, *_userinfo(expanded)))


def deliver(
    title: str, body: str, urls: Sequence[str], environ: Mapping[str, str] | None = None
) -> Delivery:
    """Send the message to each URL; which targets took it, and what went wrong."""
    env = os.environ if environ is None else environ
    sent: list[str] = []
    problems: list[str] = []
    missed: list[str] = []
    try:
        import apprise
    except ImportError:
        return Delivery(True, (), ("apprise is not installed: pip install apprise",), tuple(urls))
    for url in urls:
        target = resolve(url, env)
        if target.problem is not None:
            problems.append(target.problem)
            missed.append(url)
            continue
        for each in target.urls:
            name, problem = _send(apprise, each, target, title, body)
            if problem is None:
                sent.append(name)
            else:
                problems.append(problem)
                missed.append(url)
    return Delivery(True, tuple(sent), tuple(problems), tuple(dict.fromkeys(missed)))


def _send(apprise: Any, url: str, target: Target, title: str, body: str) -> tuple[str, str | None]:
    """(the target's name, None) when it took the message, else (name, what went wrong)."""
    asset = apprise.AppriseAsset(storage_mode="memory", secure_logging=True)
    with _apprise_warnings() as said:
        try:
            service = apprise.Apprise.instantiate(url, asset=asset)
        except Exception as exc:  # a plugin's own error: one target, reported
            service, said[:] = None, [*said, f"{type(exc).__name__}: {exc}"]
        name = _named(target, service)
        if service is None:
            reason = _scrub("; ".join(said), target.secrets) or "not a URL apprise can send to"
            return name, f"{name}: not delivered: {reason}"
        sender = apprise.Apprise(asset=asset)
        sender.add(service)
        try:
            ok = bool(sender.notify(body=body, title=title, body_format="text"))
        except Exception as exc:
            ok, said[:] = False, [*said, f"{type(exc).__name__}: {exc}"]
    if ok:
        return name, None
    reason = _scrub("; ".join(said), target.secrets) or "the service refused it"
    return name, f"{name}: not delivered: {reason}"


def _named(target: Target, service: Any) -> str:
    """How a target is shown: ``env:NAME (scheme://host)`` or ``scheme://host``, from
    apprise's privacy form of its URL (passwords masked); never a path or query, where
    webhook tokens live."""
    shown = None
    if service is not None:
        try:
            shown = _where(str(service.url(privacy=True)))
        except Exception:
            shown = None
    if target.label.startswith(ENV_PREFIX):
        return f"{target.label} ({shown})" if shown else target.label
    return shown or target.label


def _where(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _scheme_only(url: str) -> str:
    scheme = url.split("://", 1)[0]
    return f"{scheme}://…"


def _userinfo(url: str) -> tuple[str, ...]:
    try:
        parts = urlsplit(url)
        return tuple(p for p in (parts.password, parts.username) if p)
    except ValueError:
        return ()


def _scrub(text: str, secrets: Sequence[str]) -> str:
    """What apprise said, with every expanded value masked and every URL cut to its
    scheme (apprise's own masking keeps a secret's first and last characters)."""
    for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _ANY_URL.sub(lambda m: f"{m.group(1)}://…", text)


_ANY_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://\S+")


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if message and message not in self.into:
            self.into.append(message)


@contextmanager
def _apprise_warnings() -> Iterator[list[str]]:
    """Apprise's warnings and errors while it works, collected instead of printed."""
    logger = logging.getLogger("apprise")
    said: list[str] = []
    handler = _Collect(said)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.propagate = False  # ours to report, scrubbed: not to the root logger's stderr
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield said
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
