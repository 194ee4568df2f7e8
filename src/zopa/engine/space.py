"""The compiled outcome space: a scenario turned into numpy arrays, once.

A *package* picks one option per issue; packages are numbered in mixed radix with the
last issue varying fastest (SCENARIO.md's tie-break order). For every actor with
preferences, ``tables[k][a, o]`` holds ``w_ak * u_ak(o)`` (normalised weight times the
option's utility), so a package's utility is a gather-and-sum over issues; ``allowed[k][a, o]``
is False where a red line of actor a forbids option o. Nothing here loops over packages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zopa.engine.deal import DealModel, build
from zopa.model.values import Values
from zopa.scenario.schema import Scenario

QUANTUM = 1e-9  # utilities are compared for dominance on this grid (SCENARIO.md tolerance)
ACCEPT_TOL = 1e-9  # U >= reservation - ACCEPT_TOL counts as acceptable


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
    no_deal: NoDeal | None = None
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
        (credibility and spoiler risk included, see :mod:`zopa.engine.deal`).
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

    def red_line_ok(self, index: np.ndarray | int, actors: np.ndarray | None = None) -> np.ndarray:
        """Whether package(s) ``index`` violate none of each actor's red lines: (actors, n)."""
        who = self.deciders if actors is None else np.asarray(actors)
        d = self.digits(np.atleast_1d(np.asarray(index, dtype=np.int64)))
        ok = np.ones((len(who), d.shape[0]), dtype=bool)
        for k, a in enumerate(self.allowed):
            ok &= a[who][:, d[:, k]]
        return ok


def compile_space(sc: Scenario, values: Values | None = None) -> Space:
    """Compile a validated scenario into a :class:`Space` (numbers resolved by ``values``)."""
    val = values if values is not None else Values(sc)
    num = val.scalar
    issue_ids = [i.id for i in sc.issues]
    at = tuple(np.array([num(o.at) for o in i.options]) for i in sc.issues)
    actors = [a for a in sc.actors if a.id in sc.preferences]
    ids = [a.id for a in actors]
    n_a = len(actors)
    tables = [np.zeros((n_a, len(i.options))) for i in sc.issues]
    allowed = [np.ones((n_a, len(i.options)), dtype=bool) for i in sc.issues]
    for a, actor in enumerate(actors):
        p = sc.preferences[actor.id]
        weights = {k: num(v) for k, v in p.weights.numbers().items()}
        total = sum(weights.values())
        ideal = {k: num(v) for k, v in (p.ideal.numbers() if p.ideal else {}).items()}
        for k, issue in enumerate(sc.issues):
            w = weights.get(issue.id, 0.0) / total if total > 0 else 0.0
            if w == 0.0:
                continue
            if issue.id in p.utilities:
                given = p.utilities[issue.id].numbers()
                u = np.array([num(given[o.id]) for o in issue.options])
            else:
                u = 1.0 - np.abs(at[k] - ideal[issue.id]) / 100.0
            tables[k][a] = w * u
        for line in p.red_lines:
            k = issue_ids.index(line.issue)
            opts = [o.id for o in sc.issues[k].options]
            for o in line.not_:
                allowed[k][a, opts.index(o)] = False
    deciders = np.array([i for i, a in enumerate(actors) if a.decides], dtype=np.int64)
    _mix_influence(sc, num, ids, tables)
    nodeal = compile_no_deal(sc, val, ids)
    reservation = np.zeros(n_a)
    for a, actor in enumerate(actors):
        stated = sc.preferences[actor.id].reservation
        if stated is not None:
            reservation[a] = num(stated)
        elif nodeal.outcomes:
            reservation[a] = nodeal.expected[a] if np.isfinite(nodeal.expected[a]) else 0.0
    floor = np.full(n_a, -np.inf)
    references = {}
    for r in sc.reference_packages:
        digits = [[o.id for o in i.options].index(r.package[i.id]) for i in sc.issues]
        references[r.id] = digits
    for c in sc.constraints:
        a = ids.index(c.actor)
        ref = sum(tables[k][a, d] for k, d in enumerate(references[c.beats]))
        floor[a] = max(floor[a], ref + num(c.margin))
    quota = len(deciders)
    if sc.decision.rule == "quota" and sc.decision.at_least is not None:
        quota = sc.decision.at_least
    model = _deal_model(sc, num, ids, deciders, tables, nodeal)
    for t in tables:
        t.setflags(write=False)
    return Space(
        scenario=sc.id,
        title=sc.title,
        actors=tuple(ids),
        deciders=deciders,
        issues=tuple(issue_ids),
        options=tuple(tuple(o.id for o in i.options) for i in sc.issues),
        option_at=at,
        tables=tuple(tables),
        allowed=tuple(allowed),
        reservation=reservation,
        capability=np.array([num(a.capability) for a in actors]),
        veto=np.array([a.role == "veto" for a in actors]),
        quota=quota,
        floor=floor,
        no_deal=nodeal,
        deal=model,
        references={k: int(np.ravel_multi_index(v, tuple(len(i.options) for i in sc.issues)))
                    for k, v in references.items()},
    )  # fmt: skip


@dataclass(frozen=True)
class NoDeal:
    """The no-deal outcomes: probabilities (normalised), war flags, each actor's values."""

    outcomes: tuple[str, ...]
    names: tuple[str, ...]
    probability: np.ndarray  # (outcomes,)
    war: np.ndarray  # (outcomes,) bool
    value: np.ndarray  # (actors, outcomes), NaN where not given
    expected: np.ndarray  # (actors,): sum_o p_o v_ao (NaN if a value is missing)


def compile_no_deal(sc: Scenario, val: Values, ids: list[str]) -> NoDeal:
    """Numbers of the ``no_deal:`` outcomes, for the actors ``ids``."""
    p = np.array([val.scalar(o.probability) for o in sc.no_deal])
    if len(p) and p.sum() > 0:
        p = p / p.sum()
    v = np.full((len(ids), len(sc.no_deal)), np.nan)
    for k, o in enumerate(sc.no_deal):
        for a, x in o.values.numbers().items():
            if a in ids:
                v[ids.index(a), k] = val.scalar(x)
    return NoDeal(
        outcomes=tuple(o.id for o in sc.no_deal),
        names=tuple(o.name for o in sc.no_deal),
        probability=p,
        war=np.array([o.war for o in sc.no_deal], dtype=bool),
        value=v,
        expected=v @ p if len(p) else np.zeros(len(ids)),
    )


def _mix_influence(sc: Scenario, num: Any, ids: list[str], tables: list[np.ndarray]) -> None:
    """A decider's effective utility: (1 - sum w) U_i + sum_j w_ij U_j (``influence:``)."""
    own = [t.copy() for t in tables]
    for i, row in sc.influence.items():
        a = ids.index(i)
        w = {ids.index(j): num(x) for j, x in row.numbers().items()}
        rest = 1.0 - sum(w.values())
        for k, t in enumerate(tables):
            t[a] = rest * own[k][a] + sum(x * own[k][j] for j, x in w.items())


def _deal_model(
    sc: Scenario,
    num: Any,
    ids: list[str],
    deciders: np.ndarray,
    tables: list[np.ndarray],
    nodeal: NoDeal,
) -> DealModel | None:
    """The deal-value model when credibility or spoilers are modelled (else None: linear)."""
    if sc.credibility is None and not sc.spoilers:
        return None
    dec = [ids[i] for i in deciders]
    n = len(dec)
    revert = [[np.arange(len(i.options)) for i in sc.issues] for _ in dec]
    deltas = {(a, b): [np.zeros(len(i.options)) for i in sc.issues]
              for a in range(n) for b in range(n) if a != b}  # fmt: skip
    for k, issue in enumerate(sc.issues):
        opts = [o.id for o in issue.options]
        for jo, opt in enumerate(issue.options):
            for who, target in opt.reverts.items():
                revert[dec.index(who)][k][jo] = opts.index(target)
            for truster, changes in opt.trust.items():
                for t, x in changes.numbers().items():
                    deltas[(dec.index(truster), dec.index(t))][k][jo] = num(x)
    trust = None
    if sc.credibility is not None:
        trust = np.ones((n, n))
        for i, row in sc.credibility.trust.items():
            for j, x in row.numbers().items():
                trust[dec.index(i), dec.index(j)] = num(x)
    spoilers = []
    for sp in sc.spoilers:
        a = ids.index(sp.actor)
        oi = nodeal.outcomes.index(sp.outcome)
        sv = np.array([nodeal.value[d, oi] for d in deciders])
        spoilers.append(
            ([t[a] for t in tables], num(sp.max_probability), num(sp.threshold), num(sp.scale),
             np.nan_to_num(sv, nan=0.0))
        )  # fmt: skip
    return build(n, [t[deciders] for t in tables], revert, trust, deltas, spoilers)


def quantize(u: np.ndarray) -> np.ndarray:
    """Utilities on the dominance grid (int64 multiples of :data:`QUANTUM`)."""
    return np.rint(np.asarray(u) / QUANTUM).astype(np.int64)
