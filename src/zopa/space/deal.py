"""Deal values: what a package is worth to a decider once credibility and spoilers count.

With no ``credibility:`` and no ``spoilers:`` a decider's deal value is its (effective)
package utility, which is linear additive. Otherwise, for decider i and package d:

- trust that counterpart j keeps the deal:
  ``tau_ij(d) = clip(trust_ij + sum_k delta_ij(d_k), 0, 1)``
  (base trust from ``credibility.trust``, 1 when not given; options may change it);
- if a set S of counterparts reneges (independently), the package reverts issue by issue
  to the options named by ``reverts:`` (sanctions snap back, custody returns the stockpile,
  a downgrade stays downgraded): the outcome is ``r_S(d)``;
- kept value ``K_i(d) = sum_S prod_{j in S} (1 - tau_ij) prod_{j not in S} tau_ij U_i(r_S(d))``;
- each spoiler s strikes with ``P_s(d) = pmax_s / (1 + exp((U_s(d) - threshold_s) / scale_s))``,
  decreasing in its own utility of the package; a strike turns the deal into its named
  no-deal outcome o_s (worth ``v_i(o_s)``); several spoilers act in file order;
- deal value ``V_i(d) = prod_s (1 - P_s) K_i(d) + sum_s P_s prod_{s' < s} (1 - P_s') a_is(d)``
  with ``a_is(d) = v_i(o_s)``, or, when the spoiler names a ``baseline`` package b (what
  its outcome's values assume), ``v_i(o_s) + U_i(x_s(d)) - U_i(b)``: ``x_s(d)`` is what the
  struck deal leaves, each option reverting as ``reverts:`` names for the striker s (an
  option without one stays).

Every ingredient that depends on the package (``U_i(r_S(d))``, ``delta_ij(d)``, ``U_s(d)``)
is linear additive, so it is one more row of per-issue *criteria* tables and the chunked
engine computes it with the same broadcast sums; :meth:`DealModel.values` then maps the
criteria to deal values with array operations (scalars may carry a draws axis).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DealModel:
    """Scalars of the deal-value model and the layout of its criteria rows."""

    n: int  # deciders
    u_rows: dict[tuple[int, tuple[int, ...]], int]  # (decider, renegers) -> criteria row
    t_rows: dict[tuple[int, int], int]  # (truster, trusted) -> row of trust changes
    s_rows: tuple[int, ...]  # per spoiler: row of its utility
    trust: np.ndarray  # (n, n) base trust, 1 on and off the diagonal where not given
    credible: bool  # whether credibility is modelled
    pmax: np.ndarray  # (spoilers,)
    threshold: np.ndarray
    scale: np.ndarray
    strike_value: np.ndarray  # (n, spoilers): each decider's value of each spoiler's outcome
    a_rows: dict[tuple[int, int], int] = field(default_factory=dict)  # (decider, spoiler) -> row
    a_base: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (n, spoilers)
    tables: tuple[np.ndarray, ...] = field(repr=False, default=())  # per issue (rows, options)

    @property
    def rows(self) -> int:
        return self.tables[0].shape[0] if self.tables else 0

    def strike(self, crit: np.ndarray, sc: dict[str, Any] | None = None) -> list[np.ndarray]:
        """Each spoiler's strike probability for the packages of ``crit``."""
        s = sc or {}
        pmax = s.get("pmax", self.pmax)
        thr = s.get("threshold", self.threshold)
        scale = s.get("scale", self.scale)
        out = []
        for k, row in enumerate(self.s_rows):
            z = np.clip((crit[row] - _at(thr, k)) / _at(scale, k), -700, 700)
            out.append(_at(pmax, k) / (1.0 + np.exp(z)))
        return out

    def keep_probability(
        self, crit: np.ndarray, i: int, j: int, sc: dict[str, Any] | None = None
    ) -> Any:
        """Decider i's trust that j keeps the deal, per package."""
        base = (sc or {}).get("trust", self.trust)
        t = _at2(base, i, j)
        row = self.t_rows.get((i, j))
        return np.clip(t + crit[row], 0.0, 1.0) if row is not None else np.clip(t, 0.0, 1.0)

    def kept_by(self, crit: np.ndarray, j: int, sc: dict[str, Any] | None = None) -> Any:
        """P(decider j keeps the deal): the mean trust the other deciders place in j (1
        without credibility or without another decider)."""
        others = [i for i in range(self.n) if i != j]
        if not self.credible or not others:
            return 1.0
        keep = [self.keep_probability(crit, i, j, sc) for i in others]
        return np.mean(np.broadcast_arrays(*keep), axis=0)  # some per package

    def kept_by_all(self, crit: np.ndarray, sc: dict[str, Any] | None = None) -> Any:
        """P(every decider keeps the deal): the product over j of :meth:`kept_by`."""
        out: Any = 1.0
        for j in range(self.n):
            out = out * self.kept_by(crit, j, sc)
        return out

    def no_strike(self, crit: np.ndarray, sc: dict[str, Any] | None = None) -> Any:
        """P(no spoiler strikes the package)."""
        out: Any = 1.0
        for p in self.strike(crit, sc):
            out = out * (1.0 - p)
        return out

    def kept_value(self, crit: np.ndarray, i: int, sc: dict[str, Any] | None = None) -> Any:
        """K_i: decider i's expected value of the package over the counterparts' reneging."""
        if not self.credible:
            return crit[self.u_rows[(i, ())]]
        others = [j for j in range(self.n) if j != i]
        tau = {j: self.keep_probability(crit, i, j, sc) for j in others}
        total: Any = 0.0
        for s in self.subsets_of(i):
            w: Any = 1.0
            for j in others:
                w = w * ((1.0 - tau[j]) if j in s else tau[j])
            total = total + w * crit[self.u_rows[(i, s)]]
        return total

    def subsets_of(self, i: int) -> list[tuple[int, ...]]:
        others = [j for j in range(self.n) if j != i]
        return [s for r in range(len(others) + 1) for s in itertools.combinations(others, r)]

    def values(self, crit: np.ndarray, sc: dict[str, Any] | None = None) -> np.ndarray:
        """Deal values (deciders, ...) of the packages whose criteria are ``crit`` (rows, m)."""
        strikes = self.strike(crit, sc)
        sv = (sc or {}).get("strike_value", self.strike_value)
        out = []
        for i in range(self.n):
            v: Any = self.kept_value(crit, i, sc)
            survive: Any = 1.0
            loss: Any = 0.0
            for k, p in enumerate(strikes):
                after: Any = _at2(sv, i, k)
                row = self.a_rows.get((i, k))
                if row is not None:  # what the struck deal leaves, against the baseline
                    after = after + crit[row] - self.a_base[i, k]
                loss = loss + survive * p * after
                survive = survive * (1.0 - p)
            out.append(survive * v + loss)
        return np.stack(np.broadcast_arrays(*out))


def _at(a: Any, k: int) -> Any:
    return a[k] if isinstance(a, np.ndarray | list | tuple) else a


def _at2(a: Any, i: int, j: int) -> Any:
    return a[i][j] if isinstance(a, np.ndarray | list | tuple) else a


def build(
    n_deciders: int,
    decider_tables: list[np.ndarray],  # per issue (deciders, options): effective utilities
    revert: list[list[np.ndarray]],  # per decider j, per issue: option -> option if j reneges
    trust: np.ndarray | None,
    trust_delta: dict[tuple[int, int], list[np.ndarray]],  # (i, j) -> per issue deltas
    spoilers: list[tuple[list[np.ndarray], float, float, float, np.ndarray]],
    aftermath: dict[int, tuple[list[np.ndarray], np.ndarray]] | None = None,
) -> DealModel:
    """Lay out the criteria tables. ``spoilers``: (per-issue utility rows, pmax, thr, scale,
    deciders' values of its outcome). ``aftermath``: per spoiler with a ``baseline``, the
    option each option becomes after its strike (per issue) and each decider's utility of
    the baseline package."""
    n = n_deciders
    credible = trust is not None
    rows: list[list[np.ndarray]] = []  # each: per issue (options,)
    u_rows: dict[tuple[int, tuple[int, ...]], int] = {}
    for i in range(n):
        others = [j for j in range(n) if j != i]
        subs = (
            [s for r in range(len(others) + 1) for s in itertools.combinations(others, r)]
            if credible
            else [()]
        )
        for s in subs:
            per_issue = []
            for k, t in enumerate(decider_tables):
                m = np.arange(t.shape[1])
                for j in s:  # apply each reneger's reversions, in decider order
                    m = revert[j][k][m]
                per_issue.append(t[i][m])
            u_rows[(i, s)] = len(rows)
            rows.append(per_issue)
    t_rows: dict[tuple[int, int], int] = {}
    for key, deltas in trust_delta.items():
        if any(np.any(d != 0) for d in deltas):
            t_rows[key] = len(rows)
            rows.append(deltas)
    s_rows = []
    for util, *_ in spoilers:
        s_rows.append(len(rows))
        rows.append(util)
    a_rows: dict[tuple[int, int], int] = {}
    a_base = np.zeros((n, len(spoilers)))
    for k, (maps, base) in (aftermath or {}).items():
        for i in range(n):
            a_rows[(i, k)] = len(rows)
            rows.append([t[i][m] for t, m in zip(decider_tables, maps, strict=True)])
            a_base[i, k] = base[i]
    n_issues = len(decider_tables)
    tables = tuple(np.stack([r[k] for r in rows]) for k in range(n_issues))
    for t in tables:
        t.setflags(write=False)
    return DealModel(
        n=n,
        u_rows=u_rows,
        t_rows=t_rows,
        s_rows=tuple(s_rows),
        trust=trust if trust is not None else np.ones((n, n)),
        credible=credible,
        pmax=np.array([s[1] for s in spoilers]),
        threshold=np.array([s[2] for s in spoilers]),
        scale=np.array([s[3] for s in spoilers]),
        strike_value=(np.stack([s[4] for s in spoilers], axis=1) if spoilers else np.zeros((n, 0))),
        a_rows=a_rows,
        a_base=a_base,
        tables=tables,
    )
