"""Domain errors. The core raises these; only ``cli`` turns them into exit codes."""

from __future__ import annotations

from collections.abc import Callable


class PolicywatchError(Exception):
    """Base of every error the user should see as a one-line ``Error: …``."""

    exit_code = 2


class InputError(PolicywatchError):
    """A document cannot be read: missing, a directory, empty, binary, too large."""


class ExtractError(PolicywatchError):
    """Bytes were read but no policy text could be extracted (e.g. a PDF without text)."""


class ParseError(PolicywatchError):
    """Text was extracted but does not look like a medical policy."""


class ConfigError(PolicywatchError):
    """The sources configuration is invalid."""


class FetchError(PolicywatchError):
    """A source could not be fetched (network, HTTP status, size cap)."""


class StoreError(PolicywatchError):
    """The snapshot store is missing, locked, corrupt or lacks the requested version."""


class Argument(str):
    """The name of a caller's argument inside an :class:`ArgumentError` message."""


class ArgumentError(PolicywatchError):
    """An argument a caller passed is unusable. The message is made of text and
    :class:`Argument` names: the library shows the names as they are (``as_of``), the
    command line shows the option each came from (``--as-of``)."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts
        super().__init__(self.naming(str))

    def naming(self, name_of: Callable[[str], str]) -> str:
        """The message, each argument named by ``name_of``."""
        return "".join(name_of(p) if isinstance(p, Argument) else p for p in self.parts)
