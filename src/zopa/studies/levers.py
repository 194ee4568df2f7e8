"""What a reader can move: every lever of the leverage analysis and every number a sweep
can set, in a reader's words and grouped by section, and a space with some of them set.

``zopa levers`` prints :func:`lever_list`; ``zopa analyze --set NAME=VALUE`` and the
dashboard's sliders go through :func:`settled_space`. A setting names a lever (as
``zopa leverage`` names it) or a number's path (as ``zopa sweep --grid`` takes it):

- a number: any value its field accepts, within its ``range:`` when it has one;
- a utility or weight order's group: a value between the lever's two ends (the group's
  utility, or each of its issues' weight). The items move linearly from the centroid
  towards that end (:mod:`zopa.studies.leverage` defines the ends); several groups of one
  order add their moves, and a weight order is then divided by its sum again;
- an uncertain red line: 1 (it holds) or 0 (it does not);
- an option: 1 (on the table) or 0 (taken off it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from typing_extensions import TypedDict

from zopa.errors import InputError
from zopa.results import frame, rounded
from zopa.scenario import judgements as jd
from zopa.scenario.numbers import in_simulation, numbers
from zopa.scenario.schema import Number, Order, Scenario, WeightOrder
from zopa.scenario.values import Values
from zopa.scenario.words import SECTIONS, describe
from zopa.space.space import Space, compile_space
from zopa.studies.leverage import Lever, evidence_index, levers, without_option
from zopa.studies.sweep import check_value, lever_path

if TYPE_CHECKING:
    import pandas as pd


class MovableJson(TypedDict):
    """One thing a reader can move."""

    name: str
    label: str
    section: str
    kind: str
    base: float | None
    low: float | None
    high: float | None
    leverage: bool
    sweep: bool
    evidence: str


class LeverListJson(TypedDict):
    """``zopa levers --json``: every lever and every number a sweep can set."""

    scenario: str
    levers: list[MovableJson]


@dataclass(frozen=True)
class Movable:
    """A lever or a settable number. ``low``/``high``: the lever's two ends, or the number's
    ``range:``, else its field's bounds (None: unbounded); ``leverage``: whether
    ``zopa leverage`` swings it; ``sweep``: whether ``zopa sweep --grid`` takes it."""

    name: str
    label: str
    section: str
    kind: str
    base: float | None
    low: float | None
    high: float | None
    leverage: bool
    sweep: bool
    evidence: str

    def to_json(self) -> MovableJson:
        """The JSON object of one row (its fields, the numbers rounded)."""
        out = dataclasses.asdict(self)
        for k in ("base", "low", "high"):
            out[k] = None if out[k] is None else rounded(out[k])
        return cast(MovableJson, out)


@dataclass
class LeverList:
    """Every lever and settable number of a scenario, by section in reading order."""

    scenario: str
    levers: list[Movable]

    def to_json(self) -> LeverListJson:
        """Exactly what ``zopa levers --json`` prints."""
        return {"scenario": self.scenario, "levers": [m.to_json() for m in self.levers]}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``levers``: one row per lever or number (the JSON's fields)."""
        return {"levers": frame([dict(m.to_json()) for m in self.levers])}


def _from_lever(lv: Lever) -> Movable:
    ranged = lv.kind != "option"
    return Movable(lv.name, lv.words, lv.section, lv.kind,
                   lv.base if ranged else 1.0, lv.lo if ranged else 0.0,
                   lv.hi if ranged else 1.0, True, lv.kind == "number",
                   lv.evidence.label())  # fmt: skip


def _field_bounds(n: Number) -> tuple[float | None, float | None]:
    if n.range is not None:
        return float(n.range[0]), float(n.range[1])
    lo, hi, _ = n.bounds
    return lo, hi


def lever_list(sc: Scenario) -> LeverList:
    """Every lever of ``sc`` (:func:`zopa.studies.leverage.levers`) and every other number
    outside ``simulation:`` (what a sweep can set), grouped by section (in
    :data:`~zopa.scenario.words.SECTIONS` order), file order within a section.

    Parameters
    ----------
    sc
        A validated scenario.

    Returns
    -------
    LeverList
        One :class:`Movable` per lever or number.
    """
    found = [_from_lever(lv) for lv in levers(sc)]
    swung = {m.name for m in found}
    val = Values(sc)
    ev = evidence_index(sc)
    for path, n in numbers(sc):
        if path in swung or in_simulation(path):
            continue
        section, label = describe(sc, path)
        lo, hi = _field_bounds(n)
        e = ev.get(id(n))
        found.append(Movable(path, label, section, "number", val.scalar(n), lo, hi, False, True,
                             e.label() if e is not None else "none"))  # fmt: skip
    order = {s: i for i, s in enumerate(SECTIONS)}
    found.sort(key=lambda m: order.get(m.section, len(SECTIONS)))  # stable: file order kept
    return LeverList(sc.id, found)


def _bad(name: str, msg: str) -> InputError:
    return InputError.at("--set", None, name, msg)


def _order_move(lv: Lever, x: float) -> np.ndarray:
    """How far an order's items move from the centroid when ``lv``'s group is set to x."""
    assert isinstance(lv.judgement, Order) and lv.ends is not None
    base = jd.centroid(lv.judgement)
    if x <= lv.base:
        t = 0.0 if lv.base == lv.lo else (lv.base - x) / (lv.base - lv.lo)
        return t * (np.asarray(lv.ends[0]) - base)
    t = 0.0 if lv.hi == lv.base else (x - lv.base) / (lv.hi - lv.base)
    return t * (np.asarray(lv.ends[1]) - base)


def _check_end(lv: Lever, x: float) -> None:
    if lv.kind in ("option", "red line"):
        if x not in (0.0, 1.0):
            what = "on the table" if lv.kind == "option" else "holds"
            raise _bad(lv.name, f"{x:g} is not 0 or 1 (1: it {what}; 0: it does not)")
    elif not min(lv.lo, lv.hi) - 1e-12 <= x <= max(lv.lo, lv.hi) + 1e-12:
        raise _bad(lv.name, f"{x:g} is outside the lever's ends [{lv.lo:g}, {lv.hi:g}]")


def settled_space(sc: Scenario, settings: Mapping[str, float]) -> Space:
    """``sc`` compiled with each setting applied (see the module docstring).

    Parameters
    ----------
    sc
        A validated scenario.
    settings
        Lever name or number path -> value.

    Returns
    -------
    Space
        The compiled space; bad input (naming ``--set`` and the setting) for an unknown
        name or a value it cannot take.
    """
    table = {lv.name: lv for lv in levers(sc)}
    found = dict(numbers(sc))
    set_numbers: dict[int, float] = {}
    moves: dict[int, tuple[Any, np.ndarray]] = {}
    judged: dict[int, Any] = {}
    removed: list[tuple[int, int]] = []
    for name, value in settings.items():
        x = float(value)
        if not math.isfinite(x):
            raise _bad(name, f"{value} is not a finite number")
        lv = table.get(name)
        if lv is None or lv.kind == "number":
            path = lever_path(name, found, "--set")
            check_value(name, found[path], x, "--set")
            set_numbers[id(found[path])] = x
            continue
        _check_end(lv, x)
        if lv.kind == "option":
            if x == 0.0:
                assert lv.option is not None
                removed.append(lv.option)
        elif lv.kind == "red line":
            judged[id(lv.judgement)] = x == 1.0
        else:
            o, moved = moves.get(id(lv.judgement), (lv.judgement, 0.0))
            moves[id(lv.judgement)] = (o, moved + _order_move(lv, x))
    for key, (o, moved) in moves.items():
        v = jd.centroid(o) + moved
        if isinstance(o, WeightOrder):
            v = np.clip(v, 0.0, None)
            v = v / v.sum()
        judged[key] = v
    space = compile_space(sc, Values(sc, set_numbers, set_judgements=judged))
    for k, j in removed:
        space = without_option(space, k, j, sc)
    return space
