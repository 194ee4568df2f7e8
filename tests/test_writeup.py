"""The reference write-up (docs/us-iran-2026.md) shows what zopa prints, and says nothing else.

Every ```console block of the write-up is one command (``$ zopa ...``) and the output it
shows. This test runs each command from the root of the repository, as a reader in a
clone would, and compares the output shown with the output printed: the whole output, or
the excerpts named by ``# excerpt: /START/-/END/`` lines (from the first line matching the
regular expression START to the next line matching END, both included; ``/START/-``: to
the end of the output; several excerpts
are shown one after the other, separated by a line ``[...]``). Then every figure of the
prose (a decimal such as 0.291, a percentage, a number with thousands separators) must
appear in one of the outputs shown: the write-up states no number that a command it shows
does not print.

``ZOPA_UPDATE_WRITEUP=1 pytest tests/test_writeup.py`` rewrites the outputs in place
(then read the diff: the prose must still say what the outputs say).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOC = ROOT / "docs" / "us-iran-2026.md"
ZOPA = Path(sys.executable).parent / "zopa"
BLOCK = re.compile(r"```console\n(.*?)```\n", re.S)
EXCERPT = re.compile(r"^# excerpt: /(.+?)/-(?:/(.+)/)?$")
FIGURE = re.compile(r"(?<![\w./-])(\d{1,3}(?:,\d{3})+|\d+\.\d+%?|\d+(?:\.\d+)?%)(?![\w/])")


@dataclass(frozen=True)
class Block:
    """One console block: its command, its excerpt ranges and the output it shows."""

    start: int
    end: int
    command: str
    excerpts: tuple[tuple[str, str | None], ...]
    shown: str


def _blocks(text: str) -> list[Block]:
    out = []
    for m in BLOCK.finditer(text):
        lines = m.group(1).splitlines()
        assert lines and lines[0].startswith("$ zopa "), (
            f"a console block starts '$ zopa': {m.group(0)[:60]}"
        )
        ranges = []
        rest = lines[1:]
        while rest and EXCERPT.match(rest[0]):
            hit = EXCERPT.match(rest[0])
            assert hit is not None
            ranges.append((hit.group(1), hit.group(2)))
            rest = rest[1:]
        out.append(Block(m.start(1), m.end(1), lines[0][2:], tuple(ranges), "\n".join(rest)))
    return out


def _run(command: str) -> str:
    args = shlex.split(command)
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(
        [str(ZOPA), *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode in (0, 1), f"{command}: exit {done.returncode}\n{done.stderr}"
    return "\n".join(line.rstrip() for line in done.stdout.splitlines())


def _excerpt(output: str, ranges: tuple[tuple[str, str | None], ...]) -> str:
    if not ranges:
        return output
    lines = output.splitlines()
    parts = []
    for start, end in ranges:
        i = next((k for k, x in enumerate(lines) if re.search(start, x)), None)
        assert i is not None, f"no output line matches /{start}/"
        j = (
            len(lines) - 1
            if end is None
            else next((k for k in range(i, len(lines)) if re.search(end, lines[k])), None)
        )
        assert j is not None, f"no output line after /{start}/ matches /{end}/"
        parts.append("\n".join(lines[i : j + 1]))
    return "\n[...]\n".join(parts)


def _prose(text: str) -> str:
    """The write-up without its console blocks, code spans, fenced code and quotations (a
    source's own words, verbatim: its figures are the source's, not zopa's)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r'"[^"\n]*"', "", text)
    return re.sub(r"\]\([^)]*\)", "]", text)  # link targets


TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = _blocks(TEXT)
UPDATE = os.environ.get("ZOPA_UPDATE_WRITEUP") == "1"


def test_the_writeup_shows_commands() -> None:
    assert len(BLOCKS) >= 8
    assert any(b.command.startswith("zopa sources --verify") for b in BLOCKS)
    assert any(b.command.startswith("zopa montecarlo") for b in BLOCKS)


@pytest.fixture(scope="module")
def printed() -> dict[str, str]:
    """Every block's command, run once: command -> the excerpt it shows."""
    out: dict[str, str] = {}
    new = TEXT
    for b in reversed(BLOCKS):  # from the end, so that earlier offsets hold while rewriting
        got = _excerpt(_run(b.command), b.excerpts)
        out[b.command + repr(b.excerpts)] = got
        if UPDATE:
            head = [f"$ {b.command}"] + [
                f"# excerpt: /{s}/-" + (f"/{e}/" if e is not None else "") for s, e in b.excerpts
            ]
            new = new[: b.start] + "\n".join([*head, got]) + "\n" + new[b.end :]
    if UPDATE and new != TEXT:
        DOC.write_text(new, encoding="utf-8")
    return out


@pytest.mark.parametrize("block", BLOCKS, ids=[b.command for b in BLOCKS])
def test_each_output_shown_is_what_the_command_prints(
    block: Block, printed: dict[str, str]
) -> None:
    got = printed[block.command + repr(block.excerpts)]
    if UPDATE:
        pytest.skip("outputs rewritten")
    assert block.shown == got, f"{block.command}: the write-up shows something else"


def test_every_figure_of_the_prose_is_in_an_output_shown() -> None:
    shown = "\n".join(b.shown for b in BLOCKS)
    figures = set(FIGURE.findall(_prose(TEXT)))
    assert figures, "the prose states no figure at all"
    missing = sorted(f for f in figures if f not in shown)
    assert not missing, f"figures of the prose that no output shown prints: {missing}"


def test_the_figure_check_can_fail() -> None:
    """The checker itself: a figure in the prose that no output prints is caught."""
    prose = 'P(deal) is 0.123 and 12% (`0.5` is code, "a 60% stockpile" a quote), 1,234 packages'
    assert FIGURE.findall(_prose(prose)) == [
        "0.123",
        "12%",
        "1,234",
    ]
    assert _excerpt("a\nb\nc\nd", (("b", "c"),)) == "b\nc"
    assert _excerpt("a\nb\nc\nd", (("a", "a"), ("c", None))) == "a\n[...]\nc\nd"
