"""Errors for bad input: each names the file, the line and the field.

Every reader in zopa (scenario loader, importers) raises :class:`InputError`; the CLI
prints its message and exits with status 2, never a traceback. One error may carry
several problems (all problems found in one file are reported together).
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 480
"""The longest line a problem prints as (a 100 KB key or value is cut, not echoed)."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: where it is and what is wrong."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        field = f" {_clip(self.field, 120)}:" if self.field else ""
        return _clip(f"{_clip(where, 200)}:{field} {self.message}", WIDTH)


def _clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters (a 100 KB key is not echoed)."""
    text = " ".join(text.splitlines())
    return text if len(text) <= width else text[: width - 3] + "..."


class InputError(Exception):
    """Bad input. ``problems`` lists every problem found; ``str()`` is one line per problem."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, file: str, line: int | None, field: str, message: str) -> InputError:
        """Shorthand for an error with a single problem."""
        return cls(Problem(str(file), line, field, message))


class Problems:
    """Collects the problems found in one file (at most ``limit``), then raises them all."""

    def __init__(self, file: str, limit: int = 50) -> None:
        self.file = file
        self.limit = limit
        self.items: list[Problem] = []

    def add(self, line: int | None, field: str, message: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(Problem(self.file, line, field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


class SpaceTooLarge(InputError):
    """The outcome space exceeds the configured package limit."""
