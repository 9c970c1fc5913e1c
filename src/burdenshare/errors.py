"""User-facing errors.

Every mistake a user can make (a bad file, a bad policy, an unknown country, an unreachable
database) raises a :class:`UserError`. The CLI prints its one-line message and exits with
code 2; no traceback. The message always names *where*: file, sheet and cell, or line and
column, or field.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input, reported as one clear line (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class DataFormatError(UserError):
    """A data file that cannot be read as the format it claims to be."""


class UnknownCountryError(UserError):
    """A country name or code that cannot be resolved to ISO3."""


class PolicyError(UserError):
    """A policy file that fails validation."""


class StoreError(UserError):
    """The database cannot be reached or is in an unexpected state."""


class CaseError(UserError):
    """A refused case operation (invalid transition, bad case data)."""
