"""Errors that reach the edge (CLI exit code 2, HTTP 4xx) carry a location and a message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class AccordError(Exception):
    """Base class for errors a user can fix: bad input, unknown ids, refused operations."""

    exit_code = 2

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{head}\n{lines}"


class InvalidInput(AccordError):
    """The input (a file, a document, a command's arguments) is malformed or inconsistent."""


class NotFound(AccordError):
    """An id names nothing in the registry."""


class Refused(AccordError):
    """The operation is understood but not permitted (e.g. a retired model, a denied use)."""
