"""Domain errors. The core raises these; only ``cli`` turns them into exit codes."""


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
