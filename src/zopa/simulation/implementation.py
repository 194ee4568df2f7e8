"""After agreement: each spoiler may strike the deal, then each decider keeps or reneges.

For an agreed package d (in the regime its run ended in):

- each spoiler s strikes it, in file order, with the spoiler model's probability
  ``P_s(d)`` (:mod:`zopa.space.deal`); a strike ends the deal in s's no-deal outcome;
- then, over ``periods`` periods, decider j keeps the deal each period with probability
  ``q_j = tau_j(d) ** (1 / periods)``, so that it keeps it over the whole horizon with
  probability ``tau_j(d)``: the mean trust the other deciders place in j for this
  package (``credibility:`` and the options' trust changes; 1 without credibility);
- the first period in which someone reneges ends the deal: the lowest-indexed decider
  reneging then is the reneger. Its renege leads to the no-deal outcome that
  ``implementation.renege`` names for it, or else the package reverts issue by issue as
  the options' ``reverts:`` say.

Draws: one uniform per run per spoiler, then one per run, period and decider, from the
batch's generator, always all of them, so results depend only on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zopa.simulation.engine import AGREED, Batch
from zopa.simulation.setup import Setup
from zopa.space.space import Space, revert_map


@dataclass
class Kept:
    """Per run: how the deal fared (runs without agreement: ``kept`` = -1)."""

    kept: np.ndarray  # (R,) periods kept before a renege (= periods: never reneged); -1
    reneger: np.ndarray  # (R,) decider index (-1: none)
    struck: np.ndarray  # (R,) spoiler index that struck the deal (-1: none)
    outcome: np.ndarray  # (R,) no-deal outcome the deal ended in (-1: none)
    package: np.ndarray  # (R,) the package in force at the end (reverted after a renege)


def implement(s: Setup, b: Batch, rng: np.random.Generator) -> Kept:
    """The implementation of every agreed run of ``b`` (see the module docstring)."""
    runs = len(b.end)
    periods = s.periods
    assert periods, "implement() needs an implementation: block"
    n_sp = len(s.sc.spoilers)
    u_strike = rng.random((runs, n_sp)) if n_sp else np.zeros((runs, 0))
    u_keep = rng.random((runs, periods, s.n))
    kept = np.full(runs, -1, dtype=np.int64)
    reneger = np.full(runs, -1, dtype=np.int64)
    struck = np.full(runs, -1, dtype=np.int64)
    outcome = np.full(runs, -1, dtype=np.int64)
    package = b.agreement.copy()
    agreed = b.end == AGREED
    spoiler_outcome = [s.outcomes.index(sp.outcome) for sp in s.sc.spoilers]
    for g in np.unique(b.regime[agreed]):
        idx = np.flatnonzero(agreed & (b.regime == g))
        space = s.regimes[int(g)].space
        deal = space.deal
        pkg = b.agreement[idx]
        alive = np.ones(len(idx), dtype=bool)
        tau = np.ones((s.n, len(idx)))
        if deal is not None:
            crit = space.criteria(pkg)
            for k, p in enumerate(deal.strike(crit)):
                hit = alive & (u_strike[idx, k] < p)
                struck[idx[hit]] = k
                outcome[idx[hit]] = spoiler_outcome[k]
                alive &= ~hit
            for j in range(s.n):
                tau[j] = deal.kept_by(crit, j)
        q = np.power(tau, 1.0 / periods)  # (n, runs)
        renege = np.asarray(u_keep[idx] >= q.T[:, None, :])  # (runs, periods, n)
        any_p = np.any(renege, axis=2)
        first = np.where(np.any(any_p, axis=1), np.argmax(any_p, axis=1), periods)
        first = np.where(alive, first, 0)  # a deal struck at signing is kept 0 periods
        kept[idx] = first
        broke = alive & (first < periods)
        who = np.argmax(renege[np.arange(len(idx)), np.minimum(first, periods - 1)], axis=1)
        reneger[idx[broke]] = who[broke]
        named = np.array([s.renege.get(int(j), -1) for j in who], dtype=np.int64)
        outcome[idx[broke & (named >= 0)]] = named[broke & (named >= 0)]
        rev = broke & (named < 0)
        if rev.any():
            package[idx[rev]] = _reverted(s, space, pkg[rev], who[rev])
    return Kept(kept, reneger, struck, outcome, package)


def _reverted(s: Setup, space: Space, pkg: np.ndarray, who: np.ndarray) -> np.ndarray:
    """The packages ``pkg`` once decider ``who`` reneges on each (``reverts:``)."""
    revert = [revert_map(s.sc, j) for j in s.deciders]
    digits = space.digits(pkg)
    out = digits.copy()
    for j in np.unique(who):
        m = who == j
        for k in range(len(space.shape)):
            out[m, k] = revert[int(j)][k][digits[m, k]]
    return np.ravel_multi_index(tuple(out.T), space.shape).astype(np.int64)
