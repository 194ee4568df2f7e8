"""Leverage: swing every lever across what its evidence allows and rank what moves an actor.

A *lever* is something the analysis rests on that could be otherwise. Each is set to each
of its two ends, all else at base values, and the whole space is re-analysed exactly, as
Monte Carlo evaluates a draw (:func:`zopa.studies.montecarlo.outcome_draws`: the packages
the deciders' red lines allow; the ends that move scalars only, as one block of draws on
the base space; the same figures as :func:`zopa.analysis.outlook.evaluate` at every end,
``method="scan"``):

- ``number``: a number with a ``range: [lo, hi]``, or a distribution (its 5% and 95%
  quantiles, :meth:`~zopa.scenario.distributions._Distribution.probe`): a cost of war, an
  outcome's probability or value, trust, an influence weight, a spoiler's threshold, a
  reservation, a parameter. ``base``: its base value.
- ``order``: each middle group of a utility order (SCENARIO.md, "Judgements"). With G
  groups the centroid gives group g the utility ``c_g = 1 - g/(G-1)``; group g (0 < g <
  G-1) is swung from ``c_{g+1}`` (low: tied with the next group) to ``c_{g-1}`` (high: tied
  with the previous group), every other group at its centroid. The first and last groups
  are 1 and 0 by definition and do not move; a two-group order has no lever.
- ``weight order``: each group of a weight order. With ``W_g`` the rank-order centroid
  weight of each issue of group g (``W_0 > W_1 > ...``), group g's issues are each set to
  ``W_{g+1}`` (low) and ``W_{g-1}`` (high), the other issues at their centroid weights,
  and then every weight is divided by their sum (so they sum to 1 again and the swung
  group ties with its neighbour at either end). The least important group's low end is 0
  (it weighs nothing); the most important group's high end is ``2 W_0 - W_1``, as far
  above its centroid as its low end lies below it (before dividing by the sum), which
  keeps it first. ``range`` and ``base`` are the group's per-issue weights as the analysis
  uses them: after dividing by the sum, and at the centroid.
- ``red line``: each red line with a ``probability`` below 1, off (low, range 0) and on
  (high, range 1); ``base`` is 1 when deterministic analyses include it (p >= 0.5).
- ``option``: the existence of every option of an issue with two options or more (low:
  taken off the table, no package may contain it; high: kept, the base).

The figures at each end are the actor's ``value`` (of the assumed deal, or its no-deal value
without one), the ``zone``'s size, ``p_deal`` and ``p_war`` (as Monte Carlo defines them
per draw, :mod:`zopa.analysis.outlook`) and the assumed ``deal``. Levers are ranked by the
spread of the chosen metric, ``|high - low|`` (a tornado): where leverage still exists,
however asymmetric.

**Evidence.** Every lever names what it rests on (:class:`LeverEvidence`): the
``source:``/``assumption:`` of its number, judgement or option, or else of the nearest
enclosing mapping (as ``zopa sources`` finds it, here on the validated scenario).
``evidence`` is what the quote ``supports`` (``magnitude``, ``direction``, ``context``;
``unrated`` when it does not say), ``assumption`` without a quote, ``judgement`` for a
lever from an order or a red line's probability (its quote's ``supports`` is given beside
it), or ``none``; with the cited source and its ``kind``.

**What the headline figures rest on** (:func:`rests_on`): for each of whether a zone exists,
the Nash solution's terms (the assumed deal), P(deal) and P(war), the levers that move it
most, at most :data:`TOP` of them, each with its evidence:

- ``zone``: ``low``/``high`` are the zone's size at each end; ``change`` the number of ends
  (1 or 2) at which whether a zone exists differs from base; ties by the largest change of
  the zone's size;
- ``nash``: ``low``/``high`` are how many issues' options differ from the base likely
  deal at each end (every issue, when exactly one of the two has no deal); ``change`` the
  larger; ties by their sum;
- ``p_deal``, ``p_war``: ``low``/``high`` are the probability at each end; ``change`` the
  larger distance from base.

A lever moves a headline when its ``change`` is above 0 (probabilities compared at 12
decimals); further ties go by lever name.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from typing_extensions import TypedDict

from zopa.analysis.outlook import Outlook, evaluate
from zopa.results import frame, rounded
from zopa.scenario import judgements as jd
from zopa.scenario.compound import groups, option_columns
from zopa.scenario.numbers import in_simulation, judgements, numbers, walk
from zopa.scenario.schema import (
    Evidence,
    Number,
    Option,
    Order,
    RedLine,
    Scenario,
    SourceRef,
    WeightOrder,
)
from zopa.scenario.values import Values
from zopa.scenario.words import describe
from zopa.space.scalars import scalars
from zopa.space.space import Space, compile_space
from zopa.studies.montecarlo import Block, outcome_draws, worker_pool

if TYPE_CHECKING:
    import pandas as pd

METRICS = ("value", "zone", "p_deal", "p_war")
HEADLINES = ("zone", "nash", "p_deal", "p_war")
TOP = 5
"""The most levers reported for each headline figure."""
KINDS = ("number", "order", "weight order", "red line", "option")


@dataclass(frozen=True)
class LeverEvidence:
    """What a lever rests on (see the module docstring)."""

    evidence: str  # magnitude | direction | context | unrated | assumption | judgement | none
    supports: str | None = None  # its quote's supports (unrated: it does not say); None: no quote
    source: str | None = None  # the cited source's id
    source_kind: str | None = None  # the cited source's kind; None: no quote, or it gives none

    def label(self) -> str:
        """Short text: ``direction, news``; ``judgement, direction quote, opinion``;
        ``assumption``."""
        parts = [self.evidence]
        if self.evidence == "judgement" and self.supports is not None:
            parts.append(f"{self.supports} quote")
        if self.source_kind:
            parts.append(self.source_kind)
        return ", ".join(parts)


NO_EVIDENCE = LeverEvidence("none")


@dataclass(frozen=True)
class Lever:
    """Something that can be swung: a number (by path), a judgement or an option (taken
    away). ``lo``, ``hi``, ``base``: the swung value at each end and at base (see the
    module docstring)."""

    name: str
    kind: str  # one of KINDS
    lo: float = 0.0
    hi: float = 0.0
    base: float = 0.0
    number: Number | None = None
    option: tuple[int, int] | None = None  # (issue, option) for "option"
    judgement: Order | RedLine | None = None
    ends: tuple[Any, Any] | None = field(default=None, compare=False, repr=False)
    evidence: LeverEvidence = NO_EVIDENCE
    section: str = "Other"  # where a reader finds it (zopa.scenario.words.SECTIONS)
    label: str = ""  # the lever in a reader's words (the name when empty)

    @property
    def words(self) -> str:
        """The lever as a reader reads it: its label, else its name."""
        return self.label or self.name

    @property
    def ranged(self) -> bool:
        """Whether it has a range (every lever but an option's removal)."""
        return self.kind != "option"


class OutlookJson(TypedDict):
    value: float
    zone: int
    p_deal: float
    p_war: float
    deal: dict[str, str] | None


class ShiftJson(TypedDict):
    """The assumed deal's issues that differ from base at each end: issue -> option
    (``null``: no deal at that end while base has one, or the reverse)."""

    low: dict[str, str] | None
    high: dict[str, str] | None


class SwingJson(TypedDict):
    lever: str
    label: str
    section: str
    kind: str
    range: list[float] | None
    base: float | None
    evidence: str
    supports: str | None
    source: str | None
    source_kind: str | None
    low: OutlookJson
    high: OutlookJson
    deal_shift: ShiftJson
    spread: float


class MoveJson(TypedDict):
    """One lever that moves a headline figure: the figure at each end and the change."""

    lever: str
    label: str
    kind: str
    evidence: str
    supports: str | None
    source: str | None
    source_kind: str | None
    low: float
    high: float
    change: float


class ZoneRestsJson(TypedDict):
    exists: bool
    size: int
    levers: list[MoveJson]


class NashRestsJson(TypedDict):
    deal: dict[str, str] | None
    levers: list[MoveJson]


class ProbabilityRestsJson(TypedDict):
    base: float
    levers: list[MoveJson]


class RestsOnJson(TypedDict):
    """What each headline figure rests on: the levers that move it most."""

    zone: ZoneRestsJson
    nash: NashRestsJson
    p_deal: ProbabilityRestsJson
    p_war: ProbabilityRestsJson


class LeverageJson(TypedDict):
    """``zopa leverage --json``: the metrics at base and at each end of every lever, ranked
    by the spread of the chosen metric (a tornado), and what the headline figures rest on."""

    actor: str
    metric: str
    base: OutlookJson
    levers: list[SwingJson]
    rests_on: RestsOnJson


@dataclass
class Swing:
    """One lever's effect: the metrics at each end of its range."""

    lever: Lever
    lo: Outlook
    hi: Outlook

    def spread(self, metric: str) -> float:
        return rounded(abs(self.hi.metric(metric) - self.lo.metric(metric)), 12)


@dataclass(frozen=True)
class Move:
    """How far one lever moves one headline figure (see the module docstring)."""

    swing: Swing
    low: float
    high: float
    change: float
    tie: float = 0.0  # the second ranking key


@dataclass
class Leverage:
    """The tornado for one actor, and what the headline figures rest on."""

    actor: str
    metric: str
    base: Outlook
    swings: list[Swing]

    def rests_on(self) -> dict[str, list[Move]]:
        """Headline -> the levers that move it most (:func:`rests_on`)."""
        return rests_on(self.base, self.swings)

    def to_json(self) -> LeverageJson:
        """Exactly what ``zopa leverage --json`` prints."""
        moves = self.rests_on()
        b = self.base
        return {
            "actor": self.actor,
            "metric": self.metric,
            "base": _outlook(b),
            "levers": [_swing(s, self.metric, b) for s in self.swings],
            "rests_on": {
                "zone": {"exists": b.zone > 0, "size": b.zone,
                         "levers": [_move(m) for m in moves["zone"]]},
                "nash": {"deal": b.deal, "levers": [_move(m) for m in moves["nash"]]},
                "p_deal": {"base": rounded(b.p_deal),
                           "levers": [_move(m) for m in moves["p_deal"]]},
                "p_war": {"base": rounded(b.p_war), "levers": [_move(m) for m in moves["p_war"]]},
            },
        }  # fmt: skip

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``swings``: one row per lever, ranked (lever, kind, range, base, evidence, supports,
        source, source_kind, each metric at each end, spread of the ranking metric);
        ``rests_on``: one row per headline figure and lever that moves it (headline, rank,
        lever, kind, evidence, supports, source, source_kind, low, high, change)."""
        rows = []
        for s in self.swings:
            lv = s.lever
            row: dict[str, Any] = {"lever": lv.name, "label": lv.words,
                                   "section": lv.section, "kind": lv.kind}  # fmt: skip
            row.update({"low": lv.lo if lv.ranged else None,
                        "high": lv.hi if lv.ranged else None,
                        "base": lv.base if lv.ranged else None})  # fmt: skip
            row.update(_evidence(lv.evidence))
            for end, o in (("low", s.lo), ("high", s.hi)):
                row.update({f"{m}.{end}": o.metric(m) for m in METRICS})
            shift = deal_shift(s, self.base)
            for end, moved in (("low", shift["low"]), ("high", shift["high"])):
                row[f"deal_shift.{end}"] = (
                    "no deal" if moved is None else ", ".join(f"{k}={v}" for k, v in moved.items())
                )
            row["spread"] = s.spread(self.metric)
            rows.append(row)
        rests = [
            {"headline": h, "rank": r, **_move(m)}
            for h, moves in self.rests_on().items()
            for r, m in enumerate(moves, 1)
        ]
        columns = ["headline", "rank", *MoveJson.__annotations__]
        return {"swings": frame(rows), "rests_on": frame(rests, columns)}


def _outlook(o: Outlook) -> OutlookJson:
    return {"value": rounded(o.value), "zone": o.zone, "p_deal": rounded(o.p_deal),
            "p_war": rounded(o.p_war), "deal": o.deal}  # fmt: skip


def _swing(s: Swing, metric: str, base: Outlook) -> SwingJson:
    lv, e = s.lever, s.lever.evidence
    return {
        "lever": lv.name,
        "label": lv.words,
        "section": lv.section,
        "kind": lv.kind,
        "range": [lv.lo, lv.hi] if lv.ranged else None,
        "base": lv.base if lv.ranged else None,
        "evidence": e.evidence,
        "supports": e.supports,
        "source": e.source,
        "source_kind": e.source_kind,
        "low": _outlook(s.lo),
        "high": _outlook(s.hi),
        "deal_shift": deal_shift(s, base),
        "spread": rounded(s.spread(metric)),
    }


def _shift(deal: dict[str, str] | None, base: dict[str, str] | None) -> dict[str, str] | None:
    if deal is None:
        return None if base is not None else {}
    return {k: v for k, v in deal.items() if base is None or base.get(k) != v}


def deal_shift(s: Swing, base: Outlook) -> ShiftJson:
    """How the assumed deal moves at each end of a swing: the issues whose option differs
    from the base deal (an empty mapping: the same deal; None: no deal at that end)."""
    return {"low": _shift(s.lo.deal, base.deal), "high": _shift(s.hi.deal, base.deal)}


def _evidence(e: LeverEvidence) -> dict[str, str | None]:
    return {"evidence": e.evidence, "supports": e.supports, "source": e.source,
            "source_kind": e.source_kind}  # fmt: skip


def _move(m: Move) -> MoveJson:
    lv = m.swing.lever
    e = lv.evidence
    return {"lever": lv.name, "label": lv.words, "kind": lv.kind,
            "evidence": e.evidence, "supports": e.supports,
            "source": e.source, "source_kind": e.source_kind, "low": _out(m.low),
            "high": _out(m.high), "change": _out(m.change)}  # fmt: skip


def _out(x: float) -> float:
    """A count as it is, a probability rounded."""
    return rounded(x) if isinstance(x, float) else x


# --- what the headline figures rest on -------------------------------------------------


def _issues_changed(deal: dict[str, str] | None, base: dict[str, str] | None, n: int) -> int:
    """How many issues' options of ``deal`` differ from ``base`` (``n``: every issue, when
    exactly one of them is None)."""
    if deal is None or base is None:
        return 0 if deal is base else n
    return sum(deal[k] != base[k] for k in base)


def rests_on(base: Outlook, swings: list[Swing], top: int = TOP) -> dict[str, list[Move]]:
    """For each headline figure, the levers that move it most (see the module docstring).

    Parameters
    ----------
    base
        The figures at base.
    swings
        Every lever's figures at its two ends.
    top
        The most levers kept per headline.

    Returns
    -------
    dict
        ``zone``, ``nash``, ``p_deal``, ``p_war`` -> the moves, largest first (empty when
        no lever moves the figure).
    """
    n = len(base.deal) if base.deal is not None else 0
    if n == 0:
        n = max((len(o.deal) for s in swings for o in (s.lo, s.hi) if o.deal), default=0)
    exists = base.zone > 0
    out: dict[str, list[Move]] = {h: [] for h in HEADLINES}
    for s in swings:
        lo, hi = s.lo, s.hi
        flips = int((lo.zone > 0) != exists) + int((hi.zone > 0) != exists)
        size = float(max(abs(lo.zone - base.zone), abs(hi.zone - base.zone)))
        out["zone"].append(Move(s, lo.zone, hi.zone, flips, size))
        a, b = _issues_changed(lo.deal, base.deal, n), _issues_changed(hi.deal, base.deal, n)
        out["nash"].append(Move(s, a, b, max(a, b), a + b))
        for h in ("p_deal", "p_war"):
            x, y, at = lo.metric(h), hi.metric(h), base.metric(h)
            change = rounded(max(abs(x - at), abs(y - at)), 12)
            out[h].append(Move(s, x, y, change))
    for h, moves in out.items():
        moving = [m for m in moves if m.change > 0]
        moving.sort(key=lambda m: (-m.change, -m.tie, m.swing.lever.name))
        out[h] = moving[:top]
    return out


# --- the levers ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cover:
    source: SourceRef | None
    assumption: str | None


def evidence_index(sc: Scenario) -> dict[int, LeverEvidence]:
    """The evidence of every number, judgement and option of ``sc``, by ``id``.

    Parameters
    ----------
    sc
        A validated scenario.

    Returns
    -------
    dict
        ``id(node)`` -> :class:`LeverEvidence` for every :class:`Number`, :class:`Order`,
        :class:`RedLine` and :class:`Option`: its own ``source:``/``assumption:`` or the
        nearest enclosing mapping's, read as the module docstring says (orders and red
        lines with a probability are ``judgement``).
    """
    kind_of = {s.id: s.kind for s in sc.sources}
    covers: dict[tuple[Any, ...], _Cover | None] = {}
    out: dict[int, LeverEvidence] = {}
    stop = Number | Order | SourceRef
    for path, node in walk(sc, lambda _, x: not isinstance(x, stop)):
        here = covers.get(path[:-1]) if path else None
        if isinstance(node, Evidence) and (node.source is not None or node.assumption):
            here = _Cover(node.source, node.assumption)
        covers[path] = here
        if isinstance(node, Number | Order | RedLine | Option):
            judged = isinstance(node, Order) or (
                isinstance(node, RedLine) and node.probability is not None
            )
            out[id(node)] = _rate(here, kind_of, judged)
    return out


def _rate(cover: _Cover | None, kind_of: dict[str, Any], judged: bool) -> LeverEvidence:
    what = "judgement" if judged else None
    if cover is None:
        return LeverEvidence(what or "none")
    src = cover.source
    if src is None:
        return LeverEvidence(what or "assumption")
    supports = src.supports or "unrated"
    return LeverEvidence(what or supports, supports, src.ref, kind_of.get(src.ref))


def _group_name(group: list[str]) -> str:
    return group[0] if len(group) == 1 else f"[{', '.join(group)}]"


def _order_words(path: str, group: list[str], weights: bool) -> tuple[str, str]:
    """The section and label of an order's group: ``preferences.A.utilities.I`` or
    ``preferences.A.weights``."""
    parts = path.split(".")
    actor = parts[1] if len(parts) > 1 else path
    items = ", ".join(group)
    if weights:
        what = f"each of {items}" if len(group) > 1 else items
        return "Weights", f"{actor}'s weight on {what} (a group of its importance order)"
    issue = parts[3] if len(parts) > 3 else ""
    return "Utilities", f"{actor}'s utility of {issue} = {items} (its place in the order)"


def _order_levers(path: str, o: Order, ev: LeverEvidence) -> list[Lever]:
    """The levers of one utility or weight order (see the module docstring)."""
    groups = o.groups()
    base = jd.centroid(o)
    rank = np.array([g for g, grp in enumerate(groups) for _ in grp])
    at = [float(base[rank == g][0]) for g in range(len(groups))]  # each group's value
    out = []
    if isinstance(o, WeightOrder):
        for g, grp in enumerate(groups):
            lo = at[g + 1] if g + 1 < len(groups) else 0.0
            hi = at[g - 1] if g > 0 else 2.0 * at[0] - at[1]
            ends = []
            for x in (lo, hi):
                v = base.copy()
                v[rank == g] = x
                ends.append(v / v.sum())
            section, label = _order_words(path, grp, weights=True)
            out.append(Lever(f"{path}.{_group_name(grp)}", "weight order",
                             float(ends[0][rank == g][0]), float(ends[1][rank == g][0]), at[g],
                             judgement=o, ends=(ends[0], ends[1]), evidence=ev,
                             section=section, label=label))  # fmt: skip
        return out
    for g in range(1, len(groups) - 1):
        ends = []
        for x in (at[g + 1], at[g - 1]):
            v = base.copy()
            v[rank == g] = x
            ends.append(v)
        section, label = _order_words(path, groups[g], weights=False)
        out.append(Lever(f"{path}.{_group_name(groups[g])}", "order", at[g + 1], at[g - 1],
                         at[g], judgement=o, ends=(ends[0], ends[1]), evidence=ev,
                         section=section, label=label))  # fmt: skip
    return out


def levers(sc: Scenario) -> list[Lever]:
    """Every lever of ``sc`` (see the module docstring): the numbers with a stated range or
    a distribution, the judgements (each middle group of a utility order, each group of a
    weight order, each red line with a probability below 1) and every option of an issue
    with two options or more; in that order, each in file order."""
    out = []
    val = Values(sc)
    ev = evidence_index(sc)
    for path, n in numbers(sc):
        if in_simulation(path):
            continue
        if n.range is not None:
            lo, hi = float(n.range[0]), float(n.range[1])
        elif n.uncertain:
            lo, hi = n.distribution.probe()
        else:
            continue
        section, label = describe(sc, path)
        out.append(Lever(path, "number", lo, hi, val.scalar(n), number=n,
                         evidence=ev.get(id(n), NO_EVIDENCE), section=section,
                         label=label))  # fmt: skip
    for path, j in judgements(sc):
        if in_simulation(path):
            continue
        e = ev.get(id(j), LeverEvidence("judgement"))
        if isinstance(j, Order):
            out.extend(_order_levers(path, j, e))
        elif j.uncertain:
            name = f"{path}: {j.issue} not {', '.join(j.not_)}"
            label = f"{path.split('.')[1]}'s red line: {j.issue} not {', '.join(j.not_)}"
            out.append(Lever(name, "red line", 0.0, 1.0, float(jd.included(j)), judgement=j,
                             ends=(False, True), evidence=e, section="Red lines",
                             label=label))  # fmt: skip
    for k, issue in enumerate(sc.issues):
        if len(issue.options) < 2:
            continue
        for o, opt in enumerate(issue.options):
            out.append(Lever(f"{issue.id}={opt.id} removed", "option", option=(k, o),
                             evidence=ev.get(id(opt), NO_EVIDENCE), section="Options",
                             label=f"{issue.id} = {opt.id} taken off the table"))  # fmt: skip
    return out


def without_option(space: Space, k: int, j: int, sc: Scenario | None = None) -> Space:
    """The space with option j of issue k taken off the table (no decider accepts it).

    With ``sc``, k is a file issue of ``sc`` (in a compound issue of the space, every
    compound option holding option j goes); without, an issue of the space."""
    g, cols = option_columns(groups(sc), k, j) if sc is not None else (k, np.array([j]))
    allowed = list(space.allowed)
    a = allowed[g].copy()
    a[np.ix_(space.deciders, cols)] = False
    allowed[g] = a
    return dataclasses.replace(space, allowed=tuple(allowed))


def lever_values(sc: Scenario, lever: Lever, end: int) -> Values:
    """The values of ``sc`` with ``lever`` at its low (``end`` 0) or high (1) end, all else
    at base (not for an option's removal, which is no value: :func:`without_option`)."""
    if lever.number is not None:
        return Values(sc, {id(lever.number): lever.hi if end else lever.lo})
    assert lever.judgement is not None and lever.ends is not None
    return Values(sc, set_judgements={id(lever.judgement): lever.ends[end]})


class _Reads(Values):
    """Base values that note every number and judgement read: its id, and for an
    expression the ids of the parameters it uses (and theirs)."""

    def __init__(self, sc: Scenario) -> None:
        super().__init__(sc)
        self.read: set[int] = set()

    def __call__(self, n: Number | None, default: float = 0.0) -> Any:
        if n is not None:
            self._note(n)
        return super().__call__(n, default)

    def order(self, o: Order) -> dict[str, float]:
        self.read.add(id(o))
        return super().order(o)

    def holds(self, line: RedLine) -> bool:
        self.read.add(id(line))
        return super().holds(line)

    def _note(self, n: Number) -> None:
        if id(n) in self.read:
            return
        self.read.add(id(n))
        if n.kind == "expr":
            for name in self._compile(n, set(self.sc.parameters)).names:
                self._note(self.sc.parameters[name])


def table_numbers(sc: Scenario, space: Space) -> set[int]:
    """The ids of the numbers that compiling ``sc`` into ``space`` reads beyond its scalars
    (:mod:`zopa.space.scalars`: reservations, no-deal outcomes, trust, spoilers'
    parameters, margins): a utility, weight, place, capability, influence... Swinging any
    other number moves the scalars only, which a block of draws on ``space`` carries.

    Parameters
    ----------
    sc
        A validated scenario.
    space
        Its compiled base space.

    Returns
    -------
    set
        ``id(number)`` of every number read (an expression's parameters included).
    """
    reads = _Reads(sc)
    compile_space(sc, reads, space.scalars)
    return reads.read


def scalar_reads(sc: Scenario, space: Space) -> set[int]:
    """The ids of the numbers and judgements that :func:`~zopa.space.scalars.scalars`
    reads for ``space`` (an expression's parameters included): a lever on anything else
    leaves the scalars as they are at base, so its ends compile with ``space.scalars``.
    """
    reads = _Reads(sc)
    scalars(sc, reads, list(space.actors), [int(i) for i in space.deciders])
    return reads.read


def _outlooks(space: Space, block: Block, actor: int) -> list[Outlook]:
    """Each draw of ``block`` (on ``space``'s tables) as ``actor``'s :class:`Outlook`."""
    out = []
    for d, pick in enumerate(block.deal.tolist()):
        deal = space.package(pick) if pick >= 0 else None
        out.append(Outlook(float(block.value[actor, d]), int(block.size[d]),
                           float(block.p_deal[d]), float(block.p_war[d]), deal))  # fmt: skip
    return out


def _draws_outlook(sc: Scenario, space: Space, actor: int) -> Outlook:
    """``actor``'s figures on ``space`` as one draw (:func:`outcome_draws`)."""
    return _outlooks(space, outcome_draws(sc, space), actor)[0]


def _batched(sc: Scenario, base: Space, ends: list[tuple[Lever, int]], actor: int) -> list[Outlook]:
    """The figures of lever ``ends`` that only move scalars, as one block of draws on the
    base space: draw d sets its lever's number to that end, every other number at base."""
    n = len(ends)
    setting: dict[int, np.ndarray] = {}
    for d, (lever, end) in enumerate(ends):
        assert lever.number is not None
        x = setting.setdefault(id(lever.number), np.full(n, lever.base))
        x[d] = lever.hi if end else lever.lo
    ids, dec = list(base.actors), [int(i) for i in base.deciders]
    draws = scalars(sc, Values(sc, setting), ids, dec, n)
    return _outlooks(base, outcome_draws(sc, base, draws), actor)


POOL_SECONDS = 0.3
"""Worker processes are started only when the lever ends compiled one by one would take
longer than this on one core (estimated from the base's own compile and evaluation):
starting two takes about 0.05 s."""

_WORKER: dict[str, Any] = {}  # a worker process's scenario, base space and levers


def _init_worker(sc: Scenario, who: int) -> None:
    """Initializer of leverage's worker processes: the base space and the levers, as the
    parent has them (levers are named by their index in :func:`levers`)."""
    base = compile_space(sc)
    _WORKER.update(sc=sc, base=base, who=who, every=levers(sc), read=scalar_reads(sc, base))


def _worker_ends(i: int) -> list[Outlook]:
    w = _WORKER
    return _compiled_ends(w["sc"], w["base"], w["every"][i], w["who"], w["read"])


def _compiled_ends(
    sc: Scenario, base: Space, lever: Lever, who: int, scalar_read: set[int]
) -> list[Outlook]:
    """A lever's ends that change the tables, each compiled and evaluated as a draw: the
    option removed (one end), or the number or judgement at its low and high ends."""
    if lever.option is not None:
        return [_draws_outlook(sc, without_option(base, *lever.option, sc), who)]
    read = lever.number if lever.number is not None else lever.judgement
    scal = base.scalars if id(read) not in scalar_read else None
    return [_draws_outlook(sc, compile_space(sc, lever_values(sc, lever, e), scal), who)
            for e in (0, 1)]  # fmt: skip


def leverage(
    sc: Scenario,
    actor: str,
    metric: str = "value",
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    method: str = "draws",
) -> Leverage:
    """Swing every lever and rank them by ``metric``.

    Every lever end is evaluated exactly. ``method="draws"`` (the default) evaluates it as
    Monte Carlo evaluates a draw (:func:`~zopa.studies.montecarlo.outcome_draws`: only the
    packages every decider's red lines allow; the ends that move scalars only, as one block
    of draws on the base space; the others, an option removed or a number or judgement
    in the tables, compiled one by one); ``"scan"`` re-analyses the whole space at each end
    with the chunked engine (:func:`zopa.analysis.outlook.evaluate`), the reference the
    tests compare the default with.

    Parameters
    ----------
    sc
        A validated scenario.
    actor
        Whose figures: an actor with preferences.
    metric
        One of :data:`METRICS`: the ranking figure.
    workers
        Processes that share the ends compiled one by one (``method="draws"``), when they
        would take more than :data:`POOL_SECONDS` on one; the same figures whatever the
        number. Threads would not help: an end is mostly small numpy calls that hold the
        GIL. An interrupt stops the workers at once.
    progress
        Called with 1 after each lever.
    method
        ``draws`` or ``scan`` (the same figures).

    Returns
    -------
    Leverage
        The base figures, every lever's figures at its two ends ranked by the spread of
        ``metric`` (ties by name), and what the headline figures rest on.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}")
    if method not in ("draws", "scan"):
        raise ValueError("method must be draws or scan")
    every = levers(sc)
    started = time.perf_counter()
    base_space = compile_space(sc)
    if actor not in base_space.actors:
        raise KeyError(actor)
    who = base_space.actors.index(actor)
    if method == "scan":
        base = evaluate(base_space, actor, sc=sc)
        ends: list[list[Outlook | None]] = []
        for lever in every:
            if lever.option is not None:
                ends.append([evaluate(without_option(base_space, *lever.option, sc), actor,
                                      sc=sc), base])  # fmt: skip
            else:
                ends.append([evaluate(compile_space(sc, lever_values(sc, lever, e)), actor,
                                      sc=sc) for e in (0, 1)])  # fmt: skip
            if progress:
                progress(1)
        return _ranked(actor, metric, base, every, ends)
    base = _draws_outlook(sc, base_space, who)
    one = time.perf_counter() - started  # a compile and an evaluation
    tabled = table_numbers(sc, base_space)
    scalar_read = scalar_reads(sc, base_space)
    # the levers that move scalars only: one block of draws on the base space
    batch = [
        i
        for i, lv in enumerate(every)
        if lv.option is None and lv.number is not None and id(lv.number) not in tabled
    ]
    own = sorted(set(range(len(every))) - set(batch))
    ends = [[None, None] for _ in every]

    def done(i: int, got: list[Outlook]) -> None:
        ends[i] = [got[0], base] if every[i].option is not None else [*got]
        if progress:
            progress(1)

    def batched() -> None:
        if not batch:
            return
        pairs = [(every[i], e) for i in batch for e in (0, 1)]
        got = _batched(sc, base_space, pairs, who)
        for k, i in enumerate(batch):
            ends[i] = [got[2 * k], got[2 * k + 1]]
        if progress:
            progress(len(batch))

    if workers > 1 and 2 * len(own) * one > POOL_SECONDS:
        with worker_pool(workers, _init_worker, (sc, who)) as pool:
            results = pool.map(_worker_ends, own, chunksize=2)
            batched()  # here while the workers compile
            for i, got in zip(own, results, strict=True):
                done(i, got)
    else:
        for i in own:
            done(i, _compiled_ends(sc, base_space, every[i], who, scalar_read))
        batched()
    return _ranked(actor, metric, base, every, ends)


def _ranked(
    actor: str, metric: str, base: Outlook, every: list[Lever], ends: list[list[Outlook | None]]
) -> Leverage:
    """The levers' swings ranked by the spread of ``metric`` (ties by name)."""
    swings = []
    for lever, (lo, hi) in zip(every, ends, strict=True):
        assert lo is not None and hi is not None
        swings.append(Swing(lever, lo, hi))
    swings.sort(key=lambda s: (-s.spread(metric), s.lever.name))
    return Leverage(actor, metric, base, swings)
