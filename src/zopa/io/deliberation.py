"""Reader for LLM-Deliberation negotiation games (Abdelnabi et al., 2023) as zopa scenarios.

A game folder of `S-Abdelnabi/LLM-Deliberation <https://github.com/S-Abdelnabi/LLM-Deliberation>`_
(``games_descriptions/<game>/``) holds:

- ``config.txt``: one line per party, ``name,file,role,incentive,model`` (comma-separated).
  ``file`` names the party's score table ``scores_files/<file>.txt``; ``role`` is ``p1``
  (the party that proposes and must agree), ``p2`` (the other party whose agreement is
  required; the game's code also calls these ``voting_moderator`` and ``veto``) or
  ``player``/``target`` (anyone else);
- ``scores_files/<file>.txt``: one line per issue (issues A, B, C, ... in order), the
  party's score for each option of that issue, comma-separated; the last line is the
  party's minimum acceptable total score (the *threshold*);
- ``global_instructions.txt`` (optional here): the game text. Issue names
  (``Issue A: "Infrastructure Mix"``) and option labels (``A1 "water-based": ...``) are
  taken from it when it parses cleanly; otherwise issues are named A, B, ... and options
  A1, A2, ...

The game: a deal (one option per issue) passes when at least N-1 of the N parties accept
it, ``p1`` and ``p2`` among them; a party accepts a deal whose total score is at least its
threshold. :func:`read_deliberation` turns this into a zopa scenario (a plain dict, format
version 1): every party is an actor (``p1``/``p2`` -> role ``veto``, the others ->
``party``) and the decision rule is ``{rule: quota, at_least: N-1}``.

Scaling (exact, so that "score >= threshold" and "utility >= reservation" select the same
deals): for party i and issue k let ``lo_k = min(0, min score)`` and
``hi_k = max(0, max score)`` (the offset ``lo_k`` is non-zero only when an issue has
negative scores; none of the published games has one). Then

- weight ``w_k = hi_k - lo_k`` (the issue's score span, written as is; zopa normalises),
- utility of option o ``u_k(o) = (score - lo_k) / w_k`` (0 for an issue scored 0 throughout),
- reservation ``(threshold - sum lo_k) / sum w_k``,

so ``U_i = (total score - sum lo_k) / sum w_k``, a positive affine map of the total score.
With non-negative scores this is ``total score / best total score``. Numbers are rounded
to 12 decimals (far inside the engine's 1e-9 acceptance tolerance). A threshold below the
worst total gives reservation 0 (every deal is acceptable, as in the game); a threshold
above the best total makes every deal unacceptable, written as reservation 1 plus a red
line on the first issue's options (stated in the red line's ``reason``).

Options have no scale in the game: ``at`` spreads them evenly over 0..100 in file order
(an assumption recorded on every issue; it matters only to forecasting models).

Every number carries its evidence: a ``sources:`` entry for the game folder's
``config.txt`` and one per score file; each issue's utilities quote the score line they
come from, each reservation quotes the threshold. Malformed input raises
:class:`zopa.errors.InputError` naming the file, the 1-based line and the field; so do
scores and thresholds beyond :data:`~zopa.io.text.MAX_MAGNITUDE`, more than
:data:`~zopa.io.text.MAX_FILES` parties, :data:`~zopa.io.text.MAX_OPTIONS` options or
:data:`~zopa.io.text.MAX_CELLS` scores in all, and a folder whose files together exceed
:data:`~zopa.io.text.MAX_FOLDER_BYTES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zopa.errors import InputError, Problem
from zopa.io.text import (
    MAX_CELLS,
    MAX_FILES,
    MAX_MAGNITUDE,
    MAX_OPTIONS,
    FolderBudget,
    clean_round,
    cut,
    magnitude_message,
    over_limit,
    raise_problems,
    scenario_slug,
    spread_at,
    too_large,
)
from zopa.io.text import finite_number as _number

REPO_URL = "https://github.com/S-Abdelnabi/LLM-Deliberation"
VETO_ROLES = frozenset({"p1", "p2", "veto", "voting_moderator"})
ISSUE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass
class _Party:
    line: int  # line in config.txt
    name: str
    id: str
    role: str
    incentive: str
    raw: str  # the config line as written


@dataclass
class _Scores:
    file: Path
    rows: list[tuple[int, list[float], str]]  # (line, scores, raw line) per issue
    threshold: float
    threshold_line: int
    threshold_raw: str


def read_deliberation(dir: str | Path) -> dict[str, Any]:
    """Read an LLM-Deliberation game folder as a zopa scenario document.

    Parameters
    ----------
    dir
        The game folder (``config.txt``, ``scores_files/``, optionally
        ``global_instructions.txt``).

    Returns
    -------
    dict
        The scenario document (format version 1): one actor per party, the game's quota
        rule, every number quoting its score file.

    Raises
    ------
    InputError
        Every problem found, naming the file, the line and the field.
    """
    folder = Path(dir)
    config = folder / "config.txt"
    if not folder.is_dir():
        raise InputError.at(str(folder), None, "", "not a folder (expected a game folder)")
    reader = FolderBudget(str(folder))
    parties = _read_config(config, reader)
    scores = {p.id: _read_scores(folder, config, p, reader) for p in parties}
    shape = _check_shapes(parties, scores)
    _check_cells(config, parties, shape)
    names = _issue_names(folder / "global_instructions.txt", shape, reader)
    return _scenario(folder, parties, scores, shape, names)


# ---------------------------------------------------------------------------------------
# reading


def _read_config(config: Path, reader: FolderBudget) -> list[_Party]:
    lines = reader.read_text(config).split("\n")
    problems: list[Problem] = []
    parties: list[_Party] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        fields = [f.strip() for f in raw.split(",")]
        if len(fields) < 3:
            problems.append(
                Problem(
                    str(config),
                    n,
                    "role",
                    f"expected 'name,file,role,incentive,model', got {len(fields)} field(s)",
                )
            )
            continue
        name, pid, role = fields[0], fields[1], fields[2]
        incentive = fields[3] if len(fields) > 3 else ""
        if not name:
            problems.append(Problem(str(config), n, "name", "the party's name is empty"))
        if not _ID.match(pid):
            problems.append(
                Problem(
                    str(config),
                    n,
                    "file",
                    f"'{pid}' is not a usable score-file name (letters, digits, _ . - only)",
                )
            )
            continue
        if not role:
            problems.append(Problem(str(config), n, "role", "the role is empty"))
        if len(parties) == MAX_FILES:
            message = f"more than {MAX_FILES} parties: an importer reads at most {MAX_FILES}"
            problems.append(Problem(str(config), n, "", message))
            break
        if pid in seen:
            problems.append(
                Problem(
                    str(config), n, "file", f"'{pid}' is listed twice (first on line {seen[pid]})"
                )
            )
            continue
        seen[pid] = n
        parties.append(_Party(n, name or pid, pid, role, incentive, raw.strip()))
    if not parties and not problems:
        problems.append(Problem(str(config), 1, "", "no party is listed"))
    raise_problems(problems)
    return parties


def _score(cell: str, path: Path, line: int, fld: str, problems: list[Problem]) -> float | None:
    """A score or threshold: a finite number of at most MAX_MAGNITUDE, else a problem."""
    v = _number(cell)
    if v is None:
        shown = f"'{cut(cell)}'" if cell else "an empty cell"
        problems.append(Problem(str(path), line, fld, f"{shown} is not a number"))
    elif too_large(v):
        problems.append(Problem(str(path), line, fld, magnitude_message(v)))
        return None
    return v


def _read_scores(folder: Path, config: Path, party: _Party, reader: FolderBudget) -> _Scores:
    rel = f"scores_files/{party.id}.txt"
    path = folder / rel
    missing = Problem(str(config), party.line, "file", f"score file {rel} not found")
    lines = reader.read_text(path, missing=missing).split("\n")
    body = [(n, raw) for n, raw in enumerate(lines, start=1) if raw.strip()]
    if not body:
        raise InputError.at(str(path), 1, "threshold", "the score file is empty")
    problems: list[Problem] = []
    *issue_lines, (t_line, t_raw) = body
    cells = [c.strip() for c in t_raw.split(",")]
    threshold = None
    if len(cells) == 1:
        threshold = _score(cells[0], path, t_line, "threshold", problems)
    else:
        problems.append(
            Problem(
                str(path),
                t_line + 1,
                "threshold",
                "missing threshold: the last line must be the minimum acceptable score "
                f"(one number); line {t_line} holds {len(cells)} scores",
            )
        )
    if not issue_lines and len(cells) == 1:
        problems.append(Problem(str(path), t_line, "", "no score line before the threshold"))
    if len(issue_lines) > len(ISSUE_LETTERS):
        problems.append(
            Problem(str(path), issue_lines[len(ISSUE_LETTERS)][0], "", "more than 26 issues")
        )
    rows: list[tuple[int, list[float], str]] = []
    total = 0
    for k, (n, raw) in enumerate(issue_lines[: len(ISSUE_LETTERS)]):
        letter = ISSUE_LETTERS[k]
        cells = raw.split(",")
        total += len(cells)
        if total > MAX_OPTIONS:
            message = f"more than {MAX_OPTIONS} options: an importer reads at most {MAX_OPTIONS}"
            problems.append(Problem(str(path), n, letter, message))
            break
        values: list[float] = []
        for j, cell in enumerate(c.strip() for c in cells):
            v = _score(cell, path, n, f"{letter}{j + 1}", problems)
            values.append(0.0 if v is None else v)
        span = max(0.0, *values) - min(0.0, *values)  # the issue's weight
        if too_large(span):
            message = f"the scores span {span:g}: at most {MAX_MAGNITUDE:g} (the issue's weight)"
            problems.append(Problem(str(path), n, letter, message))
        rows.append((n, values, raw.strip()))
    raise_problems(problems)
    assert threshold is not None
    return _Scores(path, rows, threshold, t_line, t_raw.strip())


def _check_shapes(parties: list[_Party], scores: dict[str, _Scores]) -> list[int]:
    """Every score file must have the same issues and option counts as the first one."""
    first = scores[parties[0].id]
    shape = [len(v) for _, v, _ in first.rows]
    problems: list[Problem] = []
    for p in parties[1:]:
        s = scores[p.id]
        if len(s.rows) != len(shape):
            problems.append(
                Problem(
                    str(s.file),
                    s.threshold_line,
                    "",
                    f"{len(s.rows)} issue line(s) before the threshold, but "
                    f"scores_files/{first.file.name} has {len(shape)}",
                )
            )
            continue
        for k, ((n, values, _), want) in enumerate(zip(s.rows, shape, strict=True)):
            if len(values) != want:
                problems.append(
                    Problem(
                        str(s.file),
                        n,
                        ISSUE_LETTERS[k],
                        f"{len(values)} option score(s), but scores_files/{first.file.name} "
                        f"gives issue {ISSUE_LETTERS[k]} {want} options",
                    )
                )
    raise_problems(problems)
    return shape


def _check_cells(config: Path, parties: list[_Party], shape: list[int]) -> None:
    """Refuse more scores (parties times options) than an importer reads."""
    cells = len(parties) * sum(shape)
    message = over_limit(
        cells, MAX_CELLS, f"scores ({len(parties)} parties x {sum(shape)} options)"
    )
    if message is not None:
        raise InputError.at(str(config), parties[-1].line, "", message)


# matched against stripped lines, with no lazy group before an optional tail: linear time
_ISSUE_HEAD = re.compile(r"Issue\s+([A-Z])\s*:(.*)")
_OPTION = re.compile(r"([A-Z])([0-9]{1,9})\s*:?\s+(\S.*)")


def _issue_title(text: str) -> str:
    """The issue name after ``Issue A:``: one pair of surrounding quotes dropped."""
    text = text.strip()
    text = text.removeprefix('"').rstrip()
    return text.removesuffix('"').strip()


def _issue_names(path: Path, shape: list[int], reader: FolderBudget) -> dict[str, Any] | None:
    """Issue names and option labels from global_instructions.txt, if it parses cleanly."""
    try:
        text = reader.read_text(path)
    except InputError:
        return None
    issues: dict[str, str] = {}
    options: dict[str, dict[int, str]] = {}
    current = None
    for line in text.split("\n"):
        raw = line.strip()
        head = _ISSUE_HEAD.match(raw)
        if head:
            current = head.group(1)
            issues[current] = _issue_title(head.group(2)) or f"Issue {current}"
            options[current] = {}
            continue
        opt = _OPTION.match(raw)
        if opt and opt.group(1) == current:
            options[current].setdefault(int(opt.group(2)), opt.group(3))
    letters = ISSUE_LETTERS[: len(shape)]
    if list(issues) != list(letters):
        return None
    for letter, n in zip(letters, shape, strict=True):
        if sorted(options[letter]) != list(range(1, n + 1)):
            return None
    return {"issues": issues, "options": options}


def _label(text: str) -> str:
    """A short option label: a leading quoted phrase followed by a colon, else the text."""
    m = re.match(r'^"([^"]+)"\s*:', text)
    label = m.group(1) if m else text.strip().rstrip(".")
    return label if len(label) <= 80 else label[:77] + "..."


# ---------------------------------------------------------------------------------------
# building the scenario


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _scenario(
    folder: Path,
    parties: list[_Party],
    scores: dict[str, _Scores],
    shape: list[int],
    names: dict[str, Any] | None,
) -> dict[str, Any]:
    game = folder.resolve().name or "game"
    n = len(parties)
    quota = max(1, n - 1)
    sources: list[dict[str, Any]] = [
        {
            "id": "game",
            "title": f"LLM-Deliberation game '{game}': parties and roles (config.txt)",
            "file": f"{game}/config.txt",
            "url": REPO_URL,
            "author": "Sahar Abdelnabi et al.",
        }
    ]
    for p in parties:
        sources.append(
            {
                "id": f"scores-{p.id}",
                "title": f"LLM-Deliberation game '{game}': score table of {p.name}",
                "file": f"{game}/scores_files/{p.id}.txt",
                "url": REPO_URL,
            }
        )
    actors = []
    for p in parties:
        role = "veto" if p.role in VETO_ROLES else "party"
        why = (
            f"role {p.role} in config.txt: its agreement is required"
            if role == "veto"
            else f"role {p.role} in config.txt: counts towards the quota"
        )
        actors.append(
            {
                "id": p.id,
                "name": p.name,
                "role": role,
                "description": why
                + (f"; incentive {p.incentive}" if p.incentive else "")
                + f" (imported from LLM-Deliberation {game}/config.txt line {p.line})",
                "source": {"ref": "game", "quote": p.raw},
            }
        )
    issues = []
    for k, count in enumerate(shape):
        letter = ISSUE_LETTERS[k]
        issue_name = names["issues"][letter] if names else f"Issue {letter}"
        options = []
        for j in range(count):
            opt: dict[str, Any] = {"id": f"{letter}{j + 1}", "at": spread_at(j, count)}
            if names:
                text = names["options"][letter][j + 1]
                opt["name"] = _label(text)
                if opt["name"] != text.strip().rstrip("."):
                    opt["description"] = text.strip()
            options.append(opt)
        issues.append(
            {
                "id": letter,
                "name": issue_name,
                "assumption": "options placed evenly over 0..100 in the game's order "
                "(the game gives no scale)",
                "options": options,
            }
        )
    preferences = {p.id: _preferences(game, p, scores[p.id], shape) for p in parties}
    title = f"LLM-Deliberation game '{game}' ({n} parties)"
    return {
        "zopa": 1,
        "id": scenario_slug(f"llm-deliberation-{game}", "game", 40),
        "title": title,
        "description": (
            f"Imported from the LLM-Deliberation game folder '{game}' ({REPO_URL}, MIT "
            "licence): config.txt and scores_files/. A party accepts a deal whose total "
            "score reaches its minimum; a deal passes with at least N-1 of the N parties, "
            "p1 and p2 among them. Utilities are each party's total score mapped affinely "
            "onto [0, 1] (see each party's assumption), so the agreement zone is the game's "
            "set of feasible deals."
        ),
        "sources": sources,
        "actors": actors,
        "issues": issues,
        "preferences": preferences,
        "decision": {
            "rule": "quota",
            "at_least": quota,
            "assumption": f"LLM-Deliberation: a deal passes when at least {quota} of the "
            f"{n} parties accept it, including the p1 and p2 parties",
        },
    }


def _preferences(game: str, party: _Party, s: _Scores, shape: list[int]) -> dict[str, Any]:
    ref = f"scores-{party.id}"
    lows = [min(0.0, *values) for _, values, _ in s.rows]
    highs = [max(0.0, *values) for _, values, _ in s.rows]
    spans = [h - lo for h, lo in zip(highs, lows, strict=True)]
    low_total, span_total = sum(lows), sum(spans)
    best = sum(max(values) for _, values, _ in s.rows)
    worst = sum(min(values) for _, values, _ in s.rows)
    t = s.threshold
    # "total score" and "threshold" after the offset (shown only when there is one)
    total = f"(total score + {_num(-low_total):g})" if low_total < 0 else "total score"
    need = f"({_num(t):g} + {_num(-low_total):g})" if low_total < 0 else f"{_num(t):g}"
    weights: dict[str, Any] = {
        "assumption": "each issue's score span (highest minus lowest, counting 0), "
        "so that utility is an affine map of the total score",
    }
    if span_total == 0:
        weights["assumption"] = (
            "every score is 0 (the party is indifferent): equal weights, utility 0 throughout"
        )
    utilities: dict[str, Any] = {}
    for k, (_, values, raw) in enumerate(s.rows):
        letter = ISSUE_LETTERS[k]
        weights[letter] = _num(spans[k]) if span_total > 0 else 1
        table: dict[str, Any] = {"source": {"ref": ref, "quote": raw}}
        for j, v in enumerate(values):
            table[f"{letter}{j + 1}"] = (
                clean_round((v - lows[k]) / spans[k]) if spans[k] > 0 else 0.0
            )
        utilities[letter] = table
    how = f"imported from LLM-Deliberation {game}/scores_files/{party.id}.txt: " + (
        f"utility = {total} / {_num(span_total):g}, the sum of the issue score spans"
        + (" (offset: the negative issue minima)" if low_total < 0 else "")
        if span_total > 0
        else "every score is 0, so utility is 0 for every deal"
    )
    pref: dict[str, Any] = {"assumption": how, "weights": weights, "utilities": utilities}
    reservation: dict[str, Any] = {"source": {"ref": ref, "quote": s.threshold_raw}}
    red_lines: list[dict[str, Any]] = []
    if t <= low_total:
        reservation["value"] = 0.0
        reservation["assumption"] = (
            f"minimum score {_num(t):g} is at most the worst total {_num(worst):g}: "
            "every deal is acceptable"
        )
    elif t - low_total > span_total:
        # No deal reaches the threshold: nothing is acceptable to this party.
        reservation["value"] = 1.0
        reservation["assumption"] = (
            f"minimum score {_num(t):g} exceeds the best total {_num(best):g}: no deal "
            "is acceptable (expressed by the red line)"
        )
        red_lines = [
            {
                "issue": "A",
                "not": [f"A{j + 1}" for j in range(shape[0])],
                "reason": f"minimum score {_num(t):g} exceeds the best total "
                f"{_num(best):g}: the party accepts no deal",
            }
        ]
    else:
        reservation["value"] = clean_round((t - low_total) / span_total)
        reservation["assumption"] = (
            f"minimum acceptable score {need} / {_num(span_total):g} "
            "(the sum of the issue score spans)"
        )
    # value first, for the reader of the written file
    pref["reservation"] = {"value": reservation.pop("value"), **reservation}
    if red_lines:
        pref["red_lines"] = red_lines
    return pref
