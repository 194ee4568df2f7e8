"""Errors for bad input: each names the file, the line and the field.

Every reader in zopa (scenario loader, importers) raises :class:`InputError`; the CLI
prints its message and exits with status 2, never a traceback. One error may carry
several problems (all problems found in one file are reported together, the first
:data:`MAX_PROBLEMS` of them and a count of the rest).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS = 50
"""The most problems one error lists; one more line says how many more there are."""

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
        field = f" {clip(self.field, 120)}:" if self.field else ""
        return clip(f"{clip(where, 200)}:{field} {self.message}", WIDTH)


def clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with ``...`` marking the cut (a
    100 KB key or value is never echoed whole in a message)."""
    text = " ".join(text.splitlines())
    return text if len(text) <= width else text[: width - 3] + "..."


class InputError(Exception):
    """Bad input. ``problems`` lists every problem found; ``str()`` is one line per problem."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        items = [problems] if isinstance(problems, Problem) else list(problems)
        if len(items) > MAX_PROBLEMS:  # the first ones, then how many more
            rest = len(items) - MAX_PROBLEMS
            more = Problem(items[MAX_PROBLEMS - 1].file, None, "", f"... and {rest} more problems")
            items = [*items[:MAX_PROBLEMS], more]
        self.problems = items
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, file: str, line: int | None, field: str, message: str) -> InputError:
        """Shorthand for an error with a single problem."""
        return cls(Problem(str(file), line, field, message))


class Problems:
    """Collects the problems found in one file, then raises them all (the first
    :data:`MAX_PROBLEMS` of them and a count of the rest)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, line: int | None, field: str, message: str) -> None:
        self.items.append(Problem(self.file, line, field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


class SpaceTooLarge(InputError):
    """The outcome space exceeds the configured package limit."""
