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

    def __init__(self, message: str, *, where: str | None = None, field: str | None = None) -> None:
        # ``field`` names the input in the core's words (``samples``); each interface maps it
        # to its own (``--samples`` in the CLI, ``/samples`` in the API). An older ``where``
        # that is a CLI option (``--samples``) gives the field too.
        if field is None and where and where.startswith("--"):
            field = where[2:].replace("-", "_")
        self.where = where
        self.field = field
        self._named_field = field  # what the CLI prefixes (a field attached later is not)
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)

    def for_cli(self) -> str:
        """The message with the field as a CLI option (``--samples: ...``); an error that
        already says where (or whose field was attached after the fact) reads as before."""
        if self.where or not self._named_field:
            return str(self)
        return f"--{self._named_field.replace('_', '-')}: {self.message}"


class NotFoundError(UserError):
    """A named thing (case, transfer, job, user) that does not exist (HTTP 404)."""


class PermissionDenied(UserError):
    """The user's role does not allow this (HTTP 403)."""


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


class ConcurrentUpdateError(CaseError):
    """Another writer changed the case after it was read; nothing was written (HTTP 409)."""
