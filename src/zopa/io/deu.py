"""Reader for the DEU III data set (``deu3.csv``) as forecasting-model inputs and outcomes.

DEU III ("Decision-making in the European Union", Arregui and Perarnaud 2021,
doi:10.34810/data53) records, for each controversial issue of EU legislative proposals, the
positions (0..100) and saliences (0..100) of the Commission, the European Parliament and
the member states, the reference point (``rp``: the status quo, the outcome if no law is
adopted) and the decision outcome (``out``). The file read here is the version in
blksv/predictioneers_game: despite its ``.csv`` extension it is tab-separated and quoted;
line 1 is the header, line 2 (empty identifiers) holds each actor's GDP-based capability
(added by that repository; the Commission and the Parliament are given Germany's figure),
and every further line is one issue. Invalid outcome values were removed there, so some
issues have no outcome (353 of 364 have one).

Columns used: ``prnrnmc`` (proposal number, 1..141), ``isnrnmc`` (issue number), ``prnr``
(proposal id), ``prname``, ``isnr`` (issue id), the metadata ``type``, ``council``,
``proc``, ``counvte``, ``proccde``, ``issues``, ``intro``, ``finact`` (kept as text), the
actor columns ``p<actor>`` (position) and ``s<actor>`` (salience) for every actor code with
both, ``rp`` and ``out``.

Conventions:

- A missing position means the actor takes no part in the issue (NaN position, salience 0).
- A missing salience next to a given position (54 cells in the file) is imputed, by
  default (``missing_salience="mean"``), as the issue's mean salience over the actors with
  both a position and a salience on it (0 if there are none):

      s_ik = sum_{j in G_k} s_jk / |G_k|,  G_k = {j : x_jk and s_jk given}

  so the actor weighs as much as a typical participant rather than nothing. Measured with
  the compromise model and no tuning (``zopa backtest deu``), this lowers its mean
  absolute error by about 0.17 on the even-``prnrnmc`` half against
  ``missing_salience="zero"``, the former reading: salience 0, the actor present (its
  position counts for the member states' median) but carrying no weight.
  :attr:`DeuProposal.salience_missing` marks those cells either way.
- Each proposal's :class:`DeuInput` lists only the actors with a position on at least one
  of its issues (``keep_absent_actors=True`` keeps all 30).
- Capabilities (choose with ``capability=``): ``"gdp"``, the file's line 2 as written (the
  scale does not matter to the compromise or Nash models); ``"equal"``, 1 for everyone.
  The file carries no other measure: Council voting weights, for example, are absent.

A malformed file raises :class:`zopa.errors.InputError` naming the file, the 1-based line
and the field (every problem found, up to a limit). A leading byte-order mark is dropped;
capabilities above :data:`~zopa.io.text.MAX_MAGNITUDE`, more than
:data:`~zopa.io.text.MAX_ACTORS` actor columns and more than
:data:`~zopa.io.text.MAX_CELLS` actors times issue lines are errors, checked before the
arrays are allocated.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zopa.errors import InputError, Problems
from zopa.forecasting.base import ForecastInput
from zopa.io.text import MAX_ACTORS, MAX_CELLS, MAX_MAGNITUDE, cut, over_limit, read_text, shown

INSTITUTIONS = ("com", "ep")
"""The actor codes that are not member states."""

ACTOR_NAMES: Mapping[str, str] = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "cr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czech Republic",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}
"""Names of the DEU III actor codes."""

CAPABILITIES = ("gdp", "equal")
"""The capability measures the reader offers (see the module docstring)."""

MISSING_SALIENCE = ("mean", "zero")
"""How a missing salience next to a given position is read (see the module docstring)."""

REQUIRED = ("prnrnmc", "isnrnmc", "out")
METADATA = ("type", "council", "proc", "counvte", "proccde", "issues", "intro", "finact")


@dataclass(frozen=True)
class DeuInput(ForecastInput):
    """A :class:`ForecastInput` that also carries each issue's status quo (``rp``; NaN if none)."""

    status_quo: np.ndarray | None = None


@dataclass(frozen=True)
class DeuProposal:
    """One legislative proposal: its issues as model inputs, outcomes and identifiers."""

    prnrnmc: int
    prnr: str
    prname: str
    isnrnmc: tuple[int, ...]
    isnr: tuple[str, ...]
    inputs: DeuInput
    outcome: np.ndarray
    status_quo: np.ndarray
    salience_missing: np.ndarray
    lines: tuple[int, ...]
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_outcome(self) -> np.ndarray:
        """Boolean per issue: whether the file gives an outcome."""
        return ~np.isnan(self.outcome)


@dataclass(frozen=True)
class DeuData:
    """The whole file: actors, the capability measures it offers, and the proposals."""

    file: str
    actors: tuple[str, ...]
    capabilities: Mapping[str, np.ndarray]
    capability: str
    proposals: tuple[DeuProposal, ...]

    @property
    def n_issues(self) -> int:
        """Number of issues (lines after line 2)."""
        return sum(len(p.isnrnmc) for p in self.proposals)

    @property
    def n_outcomes(self) -> int:
        """Number of issues with an outcome."""
        return sum(int(p.has_outcome.sum()) for p in self.proposals)


def _number(
    text: str, problems: Problems, line: int, column: str, low: float, high: float
) -> float:
    """Parse one numeric cell; empty -> NaN; records a problem and returns NaN if bad."""
    text = text.strip()
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        problems.add(line, column, f"expected a number, found {shown(text)}")
        return math.nan
    if not math.isfinite(value) or not low <= value <= high:
        problems.add(line, column, f"{cut(text)} is outside {low:g}..{high:g}")
        return math.nan
    return value


def _read_rows(path: Path, problems: Problems) -> list[tuple[int, list[str]]]:
    text = read_text(path).removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter="\t", quotechar='"')
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError.at(str(path), start, "", _csv_message(exc)) from None
    if not rows:
        problems.add(1, "", "empty file")
    return rows


def _too_many(actors: int, issues: int) -> str | None:
    """The message when there are more actors, or actors x issues, than an importer reads."""
    return over_limit(actors, MAX_ACTORS, "actors") or over_limit(
        actors * max(issues, 0), MAX_CELLS, f"values ({actors} actors x {issues} issue lines)"
    )


def issue_mean_salience(salience: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Per issue (column), the mean of ``salience`` over the cells where ``given`` is true.

    ``salience`` and ``given`` are (actors, issues); an issue with no given cell gets 0.
    """
    count = given.sum(axis=0)
    total = np.where(given, salience, 0.0).sum(axis=0)
    return np.divide(total, count, out=np.zeros(total.shape), where=count > 0)


def _csv_message(exc: csv.Error) -> str:
    if "field limit" in str(exc):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"bad quoting: {exc}"


def read_deu3(
    path: str | Path,
    capability: str = "gdp",
    keep_absent_actors: bool = False,
    missing_salience: str = "mean",
) -> DeuData:
    """Read ``deu3.csv``: one :class:`DeuProposal` per proposal, in file order.

    Parameters
    ----------
    path
        The file.
    capability
        The capability measure written into each proposal's inputs (one of
        :data:`CAPABILITIES`); all of them are in :attr:`DeuData.capabilities`.
    keep_absent_actors
        Keep, in each proposal's inputs, the actors with no position on any of its issues.
    missing_salience
        ``"mean"``: a missing salience next to a given position is the issue's mean salience
        over the actors with both; ``"zero"``: it is 0 (one of :data:`MISSING_SALIENCE`).

    Returns
    -------
    DeuData
        The actors, the capability measures and the proposals.

    Raises
    ------
    ValueError
        For an unknown ``capability`` or ``missing_salience``.
    InputError
        Every problem found in the file (up to a limit), each naming the file, the 1-based
        line and the field.
    """
    if capability not in CAPABILITIES:
        raise ValueError(f"capability must be one of {CAPABILITIES}")
    if missing_salience not in MISSING_SALIENCE:
        raise ValueError(f"missing_salience must be one of {MISSING_SALIENCE}")
    path = Path(path)
    file = str(path)
    problems = Problems(file)
    rows = _read_rows(path, problems)
    problems.raise_if_any()

    header_line, header = rows[0]
    header = [h.strip().lstrip("\ufeff").strip() for h in header]
    column: dict[str, int] = {}
    for j, name in enumerate(header):
        if name in column:
            problems.add(header_line, name, "duplicate column")
        column.setdefault(name, j)
    for name in REQUIRED:
        if name not in column:
            problems.add(header_line, name, "missing column")
    actors = tuple(
        h[1:] for h in header if h.startswith("p") and len(h) > 1 and "s" + h[1:] in column
    )
    if not actors:
        problems.add(header_line, "p<actor>", "no actor columns (p<actor> with s<actor>)")
    elif (message := _too_many(len(actors), len(rows) - 2)) is not None:
        problems.add(header_line, "p<actor>", message)
    problems.raise_if_any()
    width = len(header)

    def cell(row: list[str], name: str) -> str:
        j = column.get(name)
        return "" if j is None else row[j].strip()

    # Line 2: the GDP-based capability of every actor.
    if len(rows) < 2:
        problems.add(header_line + 1, "", "no capability line and no issues after the header")
        problems.raise_if_any()
    cap_line, cap_row = rows[1]
    if len(cap_row) != width:
        problems.add(cap_line, "", f"expected {width} fields, found {len(cap_row)}")
        problems.raise_if_any()
    if cell(cap_row, "prnrnmc") != "":
        problems.add(
            cap_line, "prnrnmc", "line 2 must be the GDP capability line (empty identifiers)"
        )
    gdp = np.empty(len(actors))
    for a, code in enumerate(actors):
        name = "p" + code
        value = _number(cell(cap_row, name), problems, cap_line, name, 0.0, MAX_MAGNITUDE)
        if cell(cap_row, name) == "":
            problems.add(cap_line, name, "missing capability")
        elif value == 0.0:
            problems.add(cap_line, name, "capability must be > 0")
        gdp[a] = value

    # Issues.
    n = len(actors)
    groups: dict[int, list[tuple[int, list[str]]]] = {}
    seen_issue: dict[int, int] = {}
    prnr_of: dict[int, tuple[str, int]] = {}
    for line, row in rows[2:]:
        if len(row) != width:
            problems.add(line, "", f"expected {width} fields, found {len(row)}")
            continue
        text = cell(row, "prnrnmc")
        try:
            pr = int(text)
        except ValueError:
            problems.add(line, "prnrnmc", f"expected a proposal number, found {shown(text)}")
            continue
        text = cell(row, "isnrnmc")
        try:
            issue = int(text)
        except ValueError:
            problems.add(line, "isnrnmc", f"expected an issue number, found {shown(text)}")
            continue
        if issue in seen_issue:
            problems.add(line, "isnrnmc", f"issue {issue} already on line {seen_issue[issue]}")
            continue
        seen_issue[issue] = line
        prnr = cell(row, "prnr")
        if pr in prnr_of and prnr_of[pr][0] != prnr:
            first = prnr_of[pr]
            problems.add(
                line, "prnr", f"{shown(prnr)} differs from {shown(first[0])} on line {first[1]}"
            )
        prnr_of.setdefault(pr, (prnr, line))
        groups.setdefault(pr, []).append((line, row))
    if not groups and not problems.items:
        problems.add(cap_line + 1, "", "no issues after line 2")

    capabilities = {"gdp": gdp, "equal": np.ones(n)}
    chosen = capabilities[capability]
    proposals: list[DeuProposal] = []
    for pr, members in groups.items():
        k = len(members)
        pos = np.full((n, k), np.nan)
        sal = np.full((n, k), np.nan)
        out = np.full(k, np.nan)
        sq = np.full(k, np.nan)
        for j, (line, row) in enumerate(members):
            for a, code in enumerate(actors):
                pos[a, j] = _number(cell(row, "p" + code), problems, line, "p" + code, 0, 100)
                sal[a, j] = _number(cell(row, "s" + code), problems, line, "s" + code, 0, 100)
            out[j] = _number(cell(row, "out"), problems, line, "out", 0, 100)
            sq[j] = _number(cell(row, "rp"), problems, line, "rp", 0, 100)
        present = ~np.isnan(pos)
        missing = present & np.isnan(sal)
        sal = np.where(present, np.nan_to_num(sal), 0.0)
        if missing_salience == "mean":
            sal = np.where(missing, issue_mean_salience(sal, present & ~missing), sal)
        keep = np.ones(n, dtype=bool) if keep_absent_actors else present.any(axis=1)
        first_row = members[0][1]
        isnr = tuple(cell(row, "isnr") or cell(row, "isnrnmc") for _, row in members)
        prnr = cell(first_row, "prnr") or str(pr)
        inputs = DeuInput(
            actors=tuple(a for a, flag in zip(actors, keep, strict=True) if flag),
            issues=isnr,
            position=pos[keep],
            salience=sal[keep],
            capability=chosen[keep].copy(),
            scenario=prnr,
            status_quo=sq,
        )
        proposals.append(
            DeuProposal(
                prnrnmc=pr,
                prnr=prnr,
                prname=cell(first_row, "prname"),
                isnrnmc=tuple(int(cell(row, "isnrnmc")) for _, row in members),
                isnr=isnr,
                inputs=inputs,
                outcome=out,
                status_quo=sq,
                salience_missing=missing[keep],
                lines=tuple(line for line, _ in members),
                meta={name: cell(first_row, name) for name in METADATA if name in column},
            )
        )
    problems.raise_if_any()
    return DeuData(
        file=file,
        actors=actors,
        capabilities=capabilities,
        capability=capability,
        proposals=tuple(proposals),
    )
