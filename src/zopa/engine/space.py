"""The compiled outcome space: a scenario turned into numpy arrays, once.

A *package* picks one option per issue; packages are numbered in mixed radix with the
last issue varying fastest (SCENARIO.md's tie-break order). For every actor with
preferences, ``tables[k][a, o]`` holds ``w_ak * u_ak(o)`` (normalised weight times the
option's utility), so a package's utility is a gather-and-sum over issues; ``allowed[k][a, o]``
is False where a red line of actor a forbids option o. Nothing here loops over packages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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

    def red_line_ok(self, index: np.ndarray | int, actors: np.ndarray | None = None) -> np.ndarray:
        """Whether package(s) ``index`` violate none of each actor's red lines: (actors, n)."""
        who = self.deciders if actors is None else np.asarray(actors)
        d = self.digits(np.atleast_1d(np.asarray(index, dtype=np.int64)))
        ok = np.ones((len(who), d.shape[0]), dtype=bool)
        for k, a in enumerate(self.allowed):
            ok &= a[who][:, d[:, k]]
        return ok


def compile_space(sc: Scenario) -> Space:
    """Compile a validated scenario into a :class:`Space`."""
    issue_ids = [i.id for i in sc.issues]
    at = tuple(np.array([float(o.at) for o in i.options]) for i in sc.issues)
    actors = [a for a in sc.actors if a.id in sc.preferences]
    n_a = len(actors)
    tables = [np.zeros((n_a, len(i.options))) for i in sc.issues]
    allowed = [np.ones((n_a, len(i.options)), dtype=bool) for i in sc.issues]
    reservation = np.zeros(n_a)
    for a, actor in enumerate(actors):
        p = sc.preferences[actor.id]
        weights = {k: float(v) for k, v in p.weights.numbers().items()}
        total = sum(weights.values())
        ideal = {k: float(v) for k, v in (p.ideal.numbers() if p.ideal else {}).items()}
        for k, issue in enumerate(sc.issues):
            w = weights.get(issue.id, 0.0) / total if total > 0 else 0.0
            if w == 0.0:
                continue
            if issue.id in p.utilities:
                given = p.utilities[issue.id].numbers()
                u = np.array([float(given[o.id]) for o in issue.options])
            else:
                u = 1.0 - np.abs(at[k] - ideal[issue.id]) / 100.0
            tables[k][a] = w * u
        for line in p.red_lines:
            k = issue_ids.index(line.issue)
            opts = [o.id for o in sc.issues[k].options]
            for o in line.not_:
                allowed[k][a, opts.index(o)] = False
        reservation[a] = float(p.reservation)
    deciders = np.array([i for i, a in enumerate(actors) if a.decides], dtype=np.int64)
    quota = len(deciders)
    if sc.decision.rule == "quota" and sc.decision.at_least is not None:
        quota = sc.decision.at_least
    for t in tables:
        t.setflags(write=False)
    return Space(
        scenario=sc.id,
        title=sc.title,
        actors=tuple(a.id for a in actors),
        deciders=deciders,
        issues=tuple(issue_ids),
        options=tuple(tuple(o.id for o in i.options) for i in sc.issues),
        option_at=at,
        tables=tuple(tables),
        allowed=tuple(allowed),
        reservation=reservation,
        capability=np.array([float(a.capability) for a in actors]),
        veto=np.array([a.role == "veto" for a in actors]),
        quota=quota,
    )


def quantize(u: np.ndarray) -> np.ndarray:
    """Utilities on the dominance grid (int64 multiples of :data:`QUANTUM`)."""
    return np.rint(np.asarray(u) / QUANTUM).astype(np.int64)
