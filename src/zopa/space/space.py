"""The compiled outcome space: a scenario turned into numpy arrays, once.

A *package* picks one option per issue; packages are numbered in mixed radix, issues and
options in file order, the last issue varying fastest (the tie-break order: on ties the
lowest package index wins). For every actor with preferences, ``tables[k][a, o]`` holds
``w_ak * u_ak(o)`` (normalised weight times the option's utility), so a package's
utility is a gather-and-sum over issues; ``allowed[k][a, o]`` is False where a red line
of actor a forbids option o. Nothing here loops over packages.

The space's issues are the file's, except that two adjacent issues joined by an
interaction (``utilities: {B: {given: A, ...}}``) are one compound issue ``A+B``
(:mod:`zopa.scenario.compound`): package numbers do not change, and every per-option table
here is composed from the file issues' tables there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zopa.scenario import compound as cp
from zopa.scenario.preferences import read_preferences
from zopa.scenario.schema import Scenario
from zopa.scenario.values import Values
from zopa.space.deal import DealModel, build
from zopa.space.scalars import Scalars, scalars


@dataclass(frozen=True)
class Space:
    """Numeric form of a scenario. Actor arrays cover the actors that have preferences."""

    scenario: str
    title: str
    actors: tuple[str, ...]
    deciders: np.ndarray  # indices into ``actors`` of the deciders, in file order
    issues: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    option_at: tuple[np.ndarray, ...]
    tables: tuple[np.ndarray, ...]  # per issue: (actors, options) weighted utilities
    allowed: tuple[np.ndarray, ...]  # per issue: (actors, options) bool, False = red line
    reservation: np.ndarray  # (actors,)
    capability: np.ndarray  # (actors,)
    veto: np.ndarray  # (actors,) bool
    quota: int  # how many deciders must accept
    floor: np.ndarray | None = None  # (actors,) least effective utility (constraints), or -inf
    scalars: Scalars | None = None  # the no-deal model's scalar numbers (one draw)
    deal: DealModel | None = None  # None: deal value = (effective) utility, linear additive
    references: dict[str, int] = field(default_factory=dict)  # named packages -> index

    @property
    def linear(self) -> bool:
        """Whether deal values are the linear-additive utilities (no credibility, spoilers)."""
        return self.deal is None

    @property
    def accept_at(self) -> np.ndarray:
        """The least deal value each actor accepts: its reservation; in a linear space also
        the floor set by reference-package constraints (deal value = utility there)."""
        if self.floor is None or not self.linear:
            return self.reservation
        return np.maximum(self.reservation, self.floor)

    def shortfall(self, u: np.ndarray, crit: np.ndarray | None = None) -> np.ndarray:
        """How far deal values ``u`` (deciders, n) fall below what each decider accepts."""
        who = self.deciders
        short = np.maximum(self.accept_at[who][:, None] - u, 0.0)
        if self.deal is not None and self.floor is not None and crit is not None:
            plain = crit[[self.deal.u_rows[(p, ())] for p in range(len(who))]]
            short = np.maximum(short, self.floor[who][:, None] - plain)
        return short

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(o) for o in self.options)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def decider_ids(self) -> tuple[str, ...]:
        return tuple(self.actors[i] for i in self.deciders)

    @property
    def unanimity(self) -> bool:
        return self.quota >= len(self.deciders)

    def digits(self, index: np.ndarray | int) -> np.ndarray:
        """Option index per issue of package(s) ``index``: shape (..., issues)."""
        idx = np.asarray(index, dtype=np.int64)
        return np.stack(np.unravel_index(idx, self.shape), axis=-1)

    def package_index(self, package: dict[str, str]) -> int:
        """The number of the package naming option ``package[issue]`` on every issue."""
        digits = [self.options[k].index(package[i]) for k, i in enumerate(self.issues)]
        return int(np.ravel_multi_index(digits, self.shape))

    def package(self, index: int) -> dict[str, str]:
        """Package ``index`` as {issue id: option id}."""
        d = self.digits(int(index))
        return {k: self.options[i][int(d[i])] for i, k in enumerate(self.issues)}

    def utilities(self, index: np.ndarray | int, actors: np.ndarray | None = None) -> np.ndarray:
        """Utilities of package(s) ``index`` for ``actors`` (default deciders): (actors, n)."""
        who = self.deciders if actors is None else np.asarray(actors)
        d = self.digits(np.atleast_1d(np.asarray(index, dtype=np.int64)))
        u = np.zeros((len(who), d.shape[0]))
        for k, t in enumerate(self.tables):
            u += t[who][:, d[:, k]]
        return u

    def values(self, index: np.ndarray | int) -> np.ndarray:
        """Deciders' deal values of package(s) ``index``: (deciders, n).

        Their (effective) utilities when the space is linear; else the deal model's values
        (credibility and spoiler risk included, see :mod:`zopa.space.deal`).
        """
        if self.deal is None:
            return self.utilities(index)
        return self.deal.values(self.criteria(index))

    def criteria(self, index: np.ndarray | int) -> np.ndarray:
        """The deal model's criteria rows of package(s) ``index``: (rows, n)."""
        assert self.deal is not None
        d = self.digits(np.atleast_1d(np.asarray(index, dtype=np.int64)))
        out = np.zeros((self.deal.rows, d.shape[0]))
        for k, t in enumerate(self.deal.tables):
            out += t[:, d[:, k]]
        return out

    def utilities_all(self, actors: np.ndarray | None = None) -> np.ndarray:
        """:meth:`utilities` of every package in index order, by broadcasting the issues'
        tables (the same sums in the same order, without unravelling each index)."""
        who = self.deciders if actors is None else np.asarray(actors)
        return outer([t[who] for t in self.tables], np.add)

    def red_line_ok_all(self, actors: np.ndarray | None = None) -> np.ndarray:
        """:meth:`red_line_ok` of every package in index order, by broadcasting."""
        who = self.deciders if actors is None else np.asarray(actors)
        return outer([a[who] for a in self.allowed], np.logical_and)

    def red_line_ok(self, index: np.ndarray | int, actors: np.ndarray | None = None) -> np.ndarray:
        """Whether package(s) ``index`` violate none of each actor's red lines: (actors, n)."""
        who = self.deciders if actors is None else np.asarray(actors)
        d = self.digits(np.atleast_1d(np.asarray(index, dtype=np.int64)))
        ok = np.ones((len(who), d.shape[0]), dtype=bool)
        for k, a in enumerate(self.allowed):
            ok &= a[who][:, d[:, k]]
        return ok


def outer(tables: list[np.ndarray], op: np.ufunc) -> np.ndarray:
    """``op`` over each issue's (..., options) table, every package in index order (the
    first issue varies slowest, the last fastest): (..., packages)."""
    out = tables[0]
    for t in tables[1:]:
        out = op(out[..., :, None], t[..., None, :]).reshape(*out.shape[:-1], -1)
    return out


def compile_space(sc: Scenario, values: Values | None = None, scal: Scalars | None = None) -> Space:
    """Compile a validated scenario into a :class:`Space` (numbers resolved by ``values``;
    ``scal``: its scalar numbers when already evaluated, one draw)."""
    val = values if values is not None else Values(sc)
    num = val.scalar
    gs = cp.groups(sc)
    at_file = [np.array([num(o.at) for o in i.options]) for i in sc.issues]
    at = _group_places(at_file, gs)
    actors = [a for a in sc.actors if a.id in sc.preferences]
    ids = [a.id for a in actors]
    tables, allowed = preference_tables(sc, val)
    deciders = np.array([i for i, a in enumerate(actors) if a.decides], dtype=np.int64)
    if scal is None:
        scal = scalars(sc, val, ids, [int(d) for d in deciders])
    reservation = scal.reservation[:, 0].copy()
    file_shape = tuple(len(i.options) for i in sc.issues)
    references = {
        r.id: int(
            np.ravel_multi_index(
                [[o.id for o in i.options].index(r.package[i.id]) for i in sc.issues], file_shape
            )
        )
        for r in sc.reference_packages
    }  # fmt: skip  (adjacent compounds keep the numbering)
    shape = tuple(len(g.options) for g in gs)
    floor = constraint_floor(scal, tables, references, shape)[:, 0]
    quota = len(deciders)
    if sc.decision.rule == "quota" and sc.decision.at_least is not None:
        quota = sc.decision.at_least
    model = _deal_model(sc, num, ids, deciders, tables, scal, references)
    for t in tables:
        t.setflags(write=False)
    return Space(
        scenario=sc.id,
        title=sc.title,
        actors=tuple(ids),
        deciders=deciders,
        issues=tuple(g.id for g in gs),
        options=tuple(g.options for g in gs),
        option_at=at,
        tables=tuple(tables),
        allowed=tuple(allowed),
        reservation=reservation,
        capability=np.array([num(a.capability) for a in actors]),
        veto=np.array([a.role == "veto" for a in actors]),
        quota=quota,
        floor=floor,
        scalars=scal,
        deal=model,
        references=references,
    )


def _group_places(at: list[np.ndarray], gs: tuple[cp.Group, ...]) -> tuple[np.ndarray, ...]:
    """Per space issue, its options' places: a compound option's is the mean of its
    components' places (reported only; the forecasting models keep the file's issues)."""
    composed = cp.compose_sum(at, gs)
    return tuple(0.5 * t if g.compound else t for t, g in zip(composed, gs, strict=True))


def preference_tables(
    sc: Scenario, val: Values, draws: int | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per issue of the space, every actor's effective weighted utilities ``w_ak * u_ak(o)``
    (influence mixed in) and whether each option is allowed (the red lines that hold):
    (actors, options) arrays, for the actors with preferences in file order. With ``draws``
    (a Monte Carlo block whose ``val`` holds arrays of draws, :mod:`zopa.space.block`),
    every array has a leading draws axis: (draws, actors, options).

    On a compound issue (A, B) an actor's entry is ``w_A u_A(a) + w_B u_B(b)``, with
    ``u_B(b | a)`` where its utilities on B are ``given`` A."""
    lead = () if draws is None else (draws,)
    ids = [a.id for a in sc.actors if a.id in sc.preferences]
    issue_ids = [i.id for i in sc.issues]
    tables = [np.zeros((*lead, len(ids), len(i.options))) for i in sc.issues]
    allowed = [np.ones((*lead, len(ids), len(i.options)), dtype=bool) for i in sc.issues]
    prefs = read_preferences(sc, val, draws)
    cond: list[tuple[int, int, Any]] = []  # (actor, file issue, weighted conditional table)
    for a, actor in enumerate(ids):
        for k, issue in enumerate(issue_ids):
            pref = prefs[actor].get(issue)
            if pref is not None and pref.conditional is not None:
                cond.append((a, k, np.asarray(pref.weight)[..., None, None] * pref.conditional))
            elif pref is not None:
                tables[k][..., a, :] = np.asarray(pref.weight)[..., None] * pref.utility
        for line in sc.preferences[actor].red_lines:
            k = issue_ids.index(line.issue)
            held = val.holds(line)  # a bool, or (draws,) booleans
            opts = [o.id for o in sc.issues[k].options]
            for o in line.not_:
                allowed[k][..., a, opts.index(o)] &= np.logical_not(held)
    gs = cp.groups(sc)
    if len(gs) < len(sc.issues):
        tables = [t.copy() for t in cp.compose_sum(tables, gs)]
        allowed = cp.compose_all(allowed, gs)
        where = {m: (g, m == grp.members[0]) for g, grp in enumerate(gs) for m in grp.members}
        for a, k, c in cond:
            g, first = where[k]  # the conditional issue comes first: its given second
            tables[g][..., a, :] += cp.orient(c, given_first=not first)
    num = val.scalar if draws is None else val
    expect_delivery(sc, num, tables)
    mix_influence(sc, num, ids, tables)
    return tables, allowed


def delivery(sc: Scenario, k: int, num: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """File issue k's delivery lottery (``delivered:``): each option's fallback index and the
    probability it holds, shape (options,) or, with ``num`` giving (draws,) arrays,
    (draws, options); None when every option holds."""
    issue = sc.issues[k]
    if all(o.delivered is None for o in issue.options):
        return None
    opts = [o.id for o in issue.options]
    other = np.array([opts.index(o.delivered.otherwise) if o.delivered else jo
                      for jo, o in enumerate(issue.options)])  # fmt: skip
    hold = [num(o.delivered.probability) if o.delivered else 1.0 for o in issue.options]
    return other, np.stack(np.broadcast_arrays(*hold), axis=-1).astype(float)


def delivered(v: np.ndarray, other: np.ndarray, hold: np.ndarray) -> np.ndarray:
    """``hold v(o) + (1 - hold) v(otherwise(o))`` over the last (options) axis of ``v``;
    ``hold`` broadcasts against ``v`` from the left (a draws axis leads both)."""
    q = hold.reshape(hold.shape[:-1] + (1,) * (v.ndim - hold.ndim) + hold.shape[-1:])
    return q * v + (1.0 - q) * v[..., other]


def expect_delivery(sc: Scenario, num: Any, tables: list[np.ndarray]) -> None:
    """An option that holds with probability p (else ``otherwise``) is worth, to every
    actor, ``p u(o) + (1 - p) u(otherwise)``: ``tables`` (per issue of the space (...,
    actors, options), weighted utilities) are replaced by these expectations in place (on
    a compound issue, each component's lottery on its own axis, independently)."""
    lots = [delivery(sc, k, num) for k in range(len(sc.issues))]
    for t, g in zip(tables, cp.groups(sc), strict=True):
        if any(lots[m] is not None for m in g.members):
            t[...] = cp.compose_delivered(t.copy(), g, lots, delivered)


def utility_at(
    tables: list[np.ndarray] | tuple[np.ndarray, ...], index: int, shape: tuple[int, ...]
) -> np.ndarray:
    """Every row's utility of package ``index``: the sum over issues of ``tables[k][:, d_k]``
    (tables per issue (rows, options))."""
    digits = np.unravel_index(index, shape)
    return np.sum([t[:, int(d)] for t, d in zip(tables, digits, strict=True)], axis=0)


def constraint_floor(
    scal: Scalars,
    tables: list[np.ndarray] | tuple[np.ndarray, ...],
    refs: dict[str, int],
    shape: tuple[int, ...],
) -> np.ndarray:
    """(actors, D): the least effective utility each actor accepts (-inf: unconstrained)."""
    draws = scal.reservation.shape[1]
    floor = np.full((tables[0].shape[0], draws), -np.inf)
    for a, ref, margin in scal.constraints:
        u = utility_at(tables, refs[ref], shape)[a]
        floor[a] = np.maximum(floor[a], u + margin)
    return floor


def mix_influence(sc: Scenario, num: Any, ids: list[str], tables: list[np.ndarray]) -> None:
    """A decider's effective utility: (1 - sum w) U_i + sum_j w_ij U_j (``influence:``).

    ``tables`` are per issue (actors, options), or (draws, actors, options) with ``num``
    giving numbers as floats or (draws,) arrays."""
    own = [t.copy() for t in tables]

    def col(x: Any) -> Any:
        return np.asarray(x)[..., None] if np.ndim(x) else x

    for i, row in sc.influence.items():
        a = ids.index(i)
        w = {ids.index(j): col(num(x)) for j, x in row.numbers().items()}
        rest = 1.0 - sum(w.values())
        for k, t in enumerate(tables):
            t[..., a, :] = rest * own[k][..., a, :] + sum(
                x * own[k][..., j, :] for j, x in w.items()
            )


def _deal_model(
    sc: Scenario,
    num: Any,
    ids: list[str],
    deciders: np.ndarray,
    tables: list[np.ndarray],
    scal: Scalars,
    references: dict[str, int],
) -> DealModel | None:
    """The deal-value model when credibility or spoilers are modelled (else None: linear)."""
    if sc.credibility is None and not sc.spoilers:
        return None
    dec = [ids[i] for i in deciders]
    n = len(dec)
    revert, deltas = reversions(sc, num, dec)
    trust = scal.trust[:, :, 0] if scal.trust is not None else None
    spoilers = [
        (striker_tables(sp, num, ids, tables), float(scal.pmax[s, 0]),
         float(scal.threshold[s, 0]), float(scal.scale[s, 0]), scal.strike_value[:, s, 0])
        for s, sp in enumerate(sc.spoilers)
    ]  # fmt: skip
    dec_tables = [t[deciders] for t in tables]
    shape = tuple(t.shape[1] for t in tables)
    aftermath = {
        k: (revert_map(sc, sp.actor), utility_at(dec_tables, references[sp.baseline], shape))
        for k, sp in enumerate(sc.spoilers)
        if sp.baseline is not None
    }
    return build(n, dec_tables, revert, trust, deltas, spoilers, aftermath)


def revert_map(sc: Scenario, who: str) -> list[np.ndarray]:
    """Per issue of the space, the option each option becomes once ``who`` reneges or
    strikes (``reverts:`` keyed by ``who``; an option without one stays; a compound's
    ``(a, b)`` becomes ``(rev(a), rev(b))``)."""
    out = []
    for issue in sc.issues:
        opts = [o.id for o in issue.options]
        out.append(np.array([opts.index(o.reverts[who]) if who in o.reverts else jo
                             for jo, o in enumerate(issue.options)]))  # fmt: skip
    return cp.compose_index(out, cp.groups(sc))


def striker_tables(sp: Any, num: Any, ids: list[str], tables: list[np.ndarray]) -> list[Any]:
    """Per issue, the utilities a striker decides on: its own (effective) ones or, with the
    spoiler's ``influence:``, ``(1 - sum w) U_s + sum_k w_k U_k`` (lobbying that acts on the
    decision to strike, not on the striker's value of the deal)."""
    s = ids.index(sp.actor)
    if sp.influence is None:
        return [t[s] for t in tables]
    w = {ids.index(k): float(num(x)) for k, x in sp.influence.numbers().items()}
    rest = 1.0 - sum(w.values())
    return [rest * t[s] + sum(x * t[k] for k, x in w.items()) for t in tables]


def reversions(
    sc: Scenario, num: Any, dec: list[str]
) -> tuple[list[list[np.ndarray]], dict[tuple[int, int], list[np.ndarray]]]:
    """Per decider j and issue of the space, the option each option becomes if j reneges
    (``reverts:``); per (truster, trusted) pair of deciders, each issue's trust changes
    (``trust:``; a compound option's are the sum of its components')."""
    n = len(dec)
    revert = [revert_map(sc, j) for j in dec]
    deltas = {(a, b): [np.zeros(len(i.options)) for i in sc.issues]
              for a in range(n) for b in range(n) if a != b}  # fmt: skip
    for k, issue in enumerate(sc.issues):
        for jo, opt in enumerate(issue.options):
            for truster, changes in opt.trust.items():
                for t, x in changes.numbers().items():
                    deltas[(dec.index(truster), dec.index(t))][k][jo] = num(x)
        lottery = delivery(sc, k, num)
        if lottery is not None:  # trust changes follow what is delivered, in expectation
            for per_issue in deltas.values():
                per_issue[k] = delivered(per_issue[k], *lottery)
    gs = cp.groups(sc)  # independent deliveries: expectations of sums add
    return revert, {pair: cp.compose_sum(per_issue, gs) for pair, per_issue in deltas.items()}
