"""A batch of simulated talks, vectorised across runs: rounds, shocks, the end.

Every run of a batch is the same scenario; runs differ by the shocks drawn for them (and,
for benchmarks, by their deadline and curve exponents). Each step below is one numpy
operation over the runs (grouped by regime), never a Python loop over runs or packages.

**Stacked alternating offers** (``protocol: alternating``), NegMAS's ``SAOMechanism``: in
step k (0-based; relative time t = (k + 1) / (rounds + 1)) the deciders act in file order.
A decider facing no offer proposes; otherwise it accepts the standing offer or rejects it
and proposes its own, which becomes the standing offer (offering is accepting). An offer
is agreed when every decider has accepted it in turn (under a quota rule: when as many
as the quota have, every veto among them); the run then ends with ``step = k + 1``, as
NegMAS's ``state.step``. At the deadline ``step = rounds``.

**Single negotiating text** (``protocol: mediated``): the mediator tables a text; in each
round each decider accepts it or names the issue it needs changed (the one whose change
to its own best option there, the rest of the text kept, would be worth most to it: an
issue where the text crosses its red line first of all); when the text stood still for j
rounds, each objector names its j + 1 most wanted issues. The text is agreed when the
decision rule passes. Otherwise the mediator finds the bargaining solution (``solution:``,
as :mod:`zopa.analysis.solutions` defines it) among the texts that change only the named
issues and are acceptable to every decider; when there is none, the text that passes the
decision rule with the least shortfall below a reservation; else the least shortfall (a
text that crosses a red line never; if every one does, the text stays). It moves the
text toward it by at most ``step`` options on each named issue.

**Shocks**, before each round r (1-based), in file order (what they change:
:mod:`zopa.scenario.shocks`); each happens at most once in a run (a goalposts shock after
the first concession of its ``after_concession_by``: in alternating offers an offer worth
less to that decider than its previous one, in a mediated text when it comes to accept
the text).
A decider with ``patience: p`` walks out after p rounds running in which nothing it was
offered (or the text) was acceptable to it. Talks that end without agreement end in a
no-deal outcome: the one a strike or walk-out names, else one drawn from the ``no_deal:``
lottery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zopa.analysis.solutions import best_index, objectives
from zopa.simulation.regimes import Regime
from zopa.simulation.setup import Setup, ShockPlan
from zopa.simulation.strategies import aspiration, mirror
from zopa.simulation.tables import Table

RUNNING, AGREED, DEADLINE, STRUCK, WALKED = 0, 1, 2, 3, 4
ENDS = ("running", "agreement", "deadline", "strike", "walk_out")
MAX_CANDIDATES = 4096  # texts the mediator weighs jointly (named issues beyond: one by one)


@dataclass
class Batch:
    """The per-run results of a batch (R runs)."""

    end: np.ndarray  # (R,) ENDS code
    step: np.ndarray  # (R,) the mechanism's step at the end
    agreement: np.ndarray  # (R,) package index, -1 without agreement
    regime: np.ndarray  # (R,) regime at the end
    by: np.ndarray  # (R,) who ended talks by a shock (index into scenario actors; -1)
    outcome: np.ndarray  # (R,) no-deal outcome index (-1: agreement)
    fired: np.ndarray  # (R, shocks) whether each shock happened
    trace: list[dict[str, Any]] = field(default_factory=list)  # run 0's events (trace=True)


class _State:
    """Arrays over the runs of a batch, and the bookkeeping of one run's trace."""

    def __init__(self, s: Setup, runs: int, trace: bool) -> None:
        n = s.n
        self.s = s
        self.offer = np.full(runs, -1, dtype=np.int64)
        self.n_acc = np.zeros(runs, dtype=np.int64)
        self.vetoes = np.zeros(runs, dtype=np.int64)
        self.proposer = np.full(runs, -1, dtype=np.int64)
        self.end = np.zeros(runs, dtype=np.int64)
        self.step = np.zeros(runs, dtype=np.int64)
        self.agreement = np.full(runs, -1, dtype=np.int64)
        self.by = np.full(runs, -1, dtype=np.int64)
        self.outcome = np.full(runs, -1, dtype=np.int64)
        self.regime = np.full(runs, s.regimes.get(()), dtype=np.int64)
        self.fired = np.zeros((runs, len(s.shocks)), dtype=bool)
        self.level = np.ones((n, runs))  # tit-for-tat aspirations
        # the last offer (or text) each received, and each decider's last own offer: packages,
        # valued when compared, so a change of preferences never reads as a concession
        self.received = np.full((n, runs), -1, dtype=np.int64)
        self.own = np.full((n, runs), -1, dtype=np.int64)
        self.agreed_before = np.zeros((n, runs), dtype=bool)  # mediated: accepted a text
        self.conceded = np.zeros((n, runs), dtype=bool)
        self.waited = np.zeros((n, runs), dtype=np.int64)  # rounds with nothing acceptable
        self.stuck = np.zeros(runs, dtype=np.int64)  # rounds the mediator's text stood still
        self.trace: list[dict[str, Any]] | None = [] if trace else None

    def live(self) -> np.ndarray:
        return self.end == RUNNING

    def groups(self, mask: np.ndarray) -> list[tuple[Regime, np.ndarray]]:
        """The runs of ``mask`` grouped by regime: (regime, their indices)."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return []
        regs = self.regime[idx]
        return [(self.s.regimes[int(g)], idx[regs == g]) for g in np.unique(regs)]

    def log(self, row: dict[str, Any]) -> None:
        if self.trace is not None:
            self.trace.append(row)

    def finish(self, runs: np.ndarray, code: int, step: int | np.ndarray) -> None:
        self.end[runs] = code
        self.step[runs] = step


def _levels(st: _State, i: int, t: np.ndarray, exps: np.ndarray | None) -> np.ndarray:
    plan = st.s.plans[i]
    if plan.kind == "tit_for_tat":
        return st.level[i]
    return aspiration(plan, t, None if exps is None else exps[i])


def _accepts(
    st: _State, i: int, reg: Regime, runs: np.ndarray, offer: np.ndarray,
    lo: np.ndarray, hi: np.ndarray, t: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Whether decider i accepts ``offer`` in ``runs`` (its acceptance rule)."""
    plan = st.s.plans[i]
    tab = reg.tables[i]
    if plan.accept == "rational":
        yes = tab.acceptable(offer)
    elif plan.accept == "next":
        mine = tab.worst_in(lo)
        yes = (tab.value[offer] >= tab.value[mine]) & tab.acceptable(offer)
    else:
        yes = tab.accepts(offer, lo, hi)
    if plan.accept_after is not None:
        yes |= (t[runs] >= plan.accept_after) & tab.acceptable(offer)
    return yes


def _event(st: _State, reg: Regime, k: int, i: int, action: str, pkg: int) -> None:
    """Log one event of run 0 with package ``pkg``: each decider's value of it, who finds
    it acceptable, and its distance to the zone (the largest shortfall of a decider's
    value below its reservation: 0 when every decider could accept it on value)."""
    s = st.s
    space = reg.space
    v = reg.values(np.array([pkg]))[:, 0]
    ok = reg.acceptable(np.array([pkg]))[:, 0]
    res = np.array([t.reservation for t in reg.tables])
    st.log({
        "round": k + 1, "step": k, "actor": s.deciders[i] if i >= 0 else (s.mediator or ""),
        "action": action, "offer": space.package(pkg),
        "utilities": {d: float(x) for d, x in zip(s.deciders, v, strict=True)},
        "acceptable_to": [d for d, y in zip(s.deciders, ok, strict=True) if y],
        "zone_distance": float(np.max(np.maximum(res - v, 0.0))),
    })  # fmt: skip


def _need(st: _State, runs: np.ndarray) -> np.ndarray:
    """Whether the standing offers of ``runs`` pass the decision rule."""
    n_veto = int(st.s.veto.sum())
    return (st.n_acc[runs] >= st.s.quota) & (st.vetoes[runs] >= n_veto)


def _mirrored(st: _State, tab: Table, i: int, runs: np.ndarray, offer: np.ndarray) -> np.ndarray:
    """Tit-for-tat's level once decider i receives ``offer`` in ``runs`` (the last two
    offers it received valued with its present preferences)."""
    prev = st.received[i, runs]
    before = np.where(prev >= 0, tab.value[np.maximum(prev, 0)], np.nan)
    st.received[i, runs] = offer
    return mirror(st.level[i, runs], before, tab.value[offer], tab.span)


def _propose(st: _State, i: int, runs: np.ndarray, reg: Regime, lo: np.ndarray, k: int) -> None:
    tab = reg.tables[i]
    new = tab.worst_in(lo)
    before = st.own[i, runs]
    worse = tab.value[new] < tab.value[np.maximum(before, 0)]
    st.conceded[i, runs] |= (before >= 0) & worse
    st.own[i, runs] = new
    st.offer[runs] = new
    st.n_acc[runs] = 1
    st.vetoes[runs] = int(st.s.veto[i])
    st.proposer[runs] = i
    if st.trace is not None and len(runs) and runs[0] == 0:
        _event(st, reg, k, i, "offer", int(new[0]))


def _alternating_step(st: _State, k: int, t: np.ndarray, exps: np.ndarray | None) -> None:
    s = st.s
    for i in range(s.n):
        level = _levels(st, i, t, exps)
        for reg, runs in st.groups(st.live()):
            tab = reg.tables[i]
            lo, hi = tab.bounds(level[runs])
            first = st.offer[runs] < 0
            if first.any():
                _propose(st, i, runs[first], reg, lo[first], k)
            resp = runs[~first]
            if not len(resp):
                continue
            lo_r, hi_r = lo[~first], hi[~first]
            offer = st.offer[resp]
            st.n_acc[resp] = np.where(st.proposer[resp] == i, 0, st.n_acc[resp])
            if s.plans[i].kind == "tit_for_tat":
                st.level[i, resp] = _mirrored(st, tab, i, resp, offer)
                lo_r, hi_r = tab.bounds(st.level[i, resp])
            yes = _accepts(st, i, reg, resp, offer, lo_r, hi_r, t)
            fine = tab.acceptable(offer)
            st.waited[i, resp] = np.where(fine, 0, st.waited[i, resp] + 1)
            acc = resp[yes]
            st.n_acc[acc] += 1
            st.vetoes[acc] += int(s.veto[i])
            if st.trace is not None and len(acc) and acc[0] == 0:
                _event(st, reg, k, i, "accept", int(st.offer[0]))
            done = acc[_need(st, acc)]
            st.agreement[done] = st.offer[done]
            st.finish(done, AGREED, k + 1)
            rej = resp[~yes]
            if len(rej):
                _propose(st, i, rej, reg, lo_r[~yes], k)
        _walk_outs(st, i, k)


def _walk_outs(st: _State, i: int, k: int) -> None:
    """Decider i walks out where its patience ran out."""
    p = st.s.plans[i].patience
    if p is None:
        return
    out = np.flatnonzero(st.live() & (st.waited[i] >= p))
    if len(out):
        st.by[out] = [a.id for a in st.s.sc.actors].index(st.s.deciders[i])
        st.finish(out, WALKED, k + 1)
        if st.trace is not None and out[0] == 0:
            st.log({"round": k + 1, "step": k, "actor": st.s.deciders[i],
                    "action": "walk_out", "why": f"nothing acceptable for {p} rounds"})  # fmt: skip


def _ranked_issues(reg: Regime, i: int, text: np.ndarray) -> np.ndarray:
    """(issues, runs): the issues decider i asks to change in each text, first to last:
    by how much the change (to its best option there, the rest kept) is worth to it (the
    lower issue first on a tie; an issue where the text crosses its red line first)."""
    tab = reg.tables[i]
    space = reg.space
    digits = space.digits(text)
    worth = tab.value if tab.ok.all() else np.where(tab.ok, tab.value, -np.inf)
    best = np.stack([worth[_varied(text, digits, [k], space)].max(1)
                     for k in range(len(space.shape))])  # fmt: skip
    return np.argsort(-best, axis=0, kind="stable")


def _best_text(st: _State, reg: Regime, cand: np.ndarray, stay: np.ndarray) -> np.ndarray:
    """Per run, the mediator's pick among candidate texts ``cand`` (runs, C): by the
    bargaining solution among those acceptable to every decider; else, among those that
    pass the decision rule (quota, vetoes), the least largest shortfall below a
    reservation; else the least shortfall overall; never one that crosses a red line
    (``stay`` when every candidate does). Ties: the first candidate."""
    s = st.s
    space = reg.space
    u = np.stack([t.value[cand] for t in reg.tables])  # (n, runs, C)
    each = np.stack([t.acceptable(cand) for t in reg.tables])  # (n, runs, C)
    fine = np.all(each, axis=0)
    res = np.array([t.reservation for t in reg.tables])
    r = np.broadcast_to(res[:, None], u.shape[:2])
    best_u = np.where(fine[None], u, -np.inf).max(2)
    best_u = np.where(np.isfinite(best_u), best_u, r)
    obj = objectives(u, r, space.capability[space.deciders], best_u)[s.solution]
    short = -np.max(np.maximum(r[..., None] - u, 0.0), axis=0)
    ok_t = np.all(np.stack([t.ok[cand] for t in reg.tables]), axis=0)
    short = np.where(ok_t, short, -np.inf)
    passes = (each.sum(0) >= s.quota) & np.all(each | ~s.veto[:, None, None], axis=0)
    score = np.where(passes.any(1)[:, None], np.where(passes, short, -np.inf), short)
    score = np.where(fine.any(1)[:, None], np.where(fine, obj, -np.inf), score)
    some = np.any(np.isfinite(score), axis=1)
    score = np.where(some[:, None], score, 0.0)
    pick = cand[np.arange(len(cand)), best_index(score, axis=1)]
    return np.where(some, pick, stay)


def _varied(text: np.ndarray, digits: np.ndarray, issues: list[int], space: Any) -> np.ndarray:
    """(runs, C): ``text`` with every combination of options on ``issues`` (in package
    order, so the first of tied candidates is the lowest package)."""
    strides = np.cumprod((1, *space.shape[::-1]))[:-1][::-1]
    grids = np.meshgrid(*[np.arange(space.shape[k]) for k in issues], indexing="ij")
    base = text.copy()
    for k in issues:
        base -= digits[:, k] * strides[k]
    offsets = sum(
        (g.reshape(-1)[None, :] * strides[k] for g, k in zip(grids, issues, strict=True)),
        np.zeros((1, int(np.prod([space.shape[k] for k in issues]))), dtype=np.int64),
    )
    return base[:, None] + offsets


def _mediate(st: _State, reg: Regime, runs: np.ndarray, named: np.ndarray) -> np.ndarray:
    """The mediator's next texts for ``runs`` (``named``: (runs, issues) bool): its target
    is :func:`_best_text` among the texts that change only the named issues, jointly over
    as many of them as :data:`MAX_CANDIDATES` texts allow (in issue order), then issue by
    issue over the rest; the text moves toward it by at most ``step`` options an issue."""
    s = st.s
    space = reg.space
    # runs with the same text and the same named issues get the same next text: work on
    # each distinct pair once
    rows = np.concatenate([st.offer[runs][:, None], named.astype(np.int64)], axis=1)
    uniq, back = np.unique(rows, axis=0, return_inverse=True)
    text = uniq[:, 0].copy()
    named = uniq[:, 1:].astype(bool)
    digits = space.digits(text)
    out = text.copy()
    for key in np.unique(named, axis=0):  # texts naming the same issues share a layout
        issues = [int(k) for k in np.flatnonzero(key)]
        m = np.flatnonzero((named == key).all(1))
        size, joint = 1, []
        for k in issues:
            if size * space.shape[k] > MAX_CANDIDATES:
                break
            size *= space.shape[k]
            joint.append(k)
        target = _best_text(st, reg, _varied(text[m], digits[m], joint, space), text[m])
        for k in issues[len(joint) :]:
            tdig = space.digits(target)
            target = _best_text(st, reg, _varied(target, tdig, [k], space), target)
        tdig = space.digits(target)
        new = digits[m].copy()
        for k in issues:
            new[:, k] += np.clip(tdig[:, k] - new[:, k], -s.step, s.step)
        out[m] = np.ravel_multi_index(tuple(new.T), space.shape)
    return out[back.reshape(-1)]


def _mediated_step(st: _State, k: int, t: np.ndarray, exps: np.ndarray | None) -> None:
    s = st.s
    for reg, runs in st.groups(st.live()):
        text = st.offer[runs]
        n_issues = len(reg.space.shape)
        depth = np.minimum(st.stuck[runs] + 1, n_issues)
        first = np.full((s.n, len(runs)), -1, dtype=np.int64)  # the issue each names first
        named = np.zeros((len(runs), n_issues), dtype=bool)
        accepted = np.zeros((s.n, len(runs)), dtype=bool)
        for i in range(s.n):
            tab = reg.tables[i]
            if s.plans[i].kind == "tit_for_tat":
                st.level[i, runs] = _mirrored(st, tab, i, runs, text)
            lo, hi = tab.bounds(_levels(st, i, t, exps)[runs])
            yes = _accepts(st, i, reg, runs, text, lo, hi, t)
            st.conceded[i, runs] |= yes & ~st.agreed_before[i, runs]  # a concession: it accepts
            st.agreed_before[i, runs] = yes
            accepted[i] = yes
            fine = tab.acceptable(text)
            st.waited[i, runs] = np.where(fine, 0, st.waited[i, runs] + 1)
            no = np.flatnonzero(~yes)
            if len(no):
                ranked = _ranked_issues(reg, i, text[no])
                first[i, no] = ranked[0]
                for d in range(int(depth[no].max())):
                    on = d < depth[no]
                    named[no[on], ranked[d, on]] = True
        st.n_acc[runs] = accepted.sum(0)
        st.vetoes[runs] = (accepted & s.veto[:, None]).sum(0)
        if st.trace is not None and runs[0] == 0:
            _event(st, reg, k, -1, "text", int(text[0]))
            row = st.trace[-1]
            row["accepted_by"] = [d for d, y in zip(s.deciders, accepted[:, 0], strict=True) if y]
            space = reg.space
            pairs = zip(s.deciders, first[:, 0], strict=True)
            row["objections"] = {d: space.issues[int(x)] for d, x in pairs if x >= 0}
        done = _need(st, runs)
        st.agreement[runs[done]] = text[done]
        st.finish(runs[done], AGREED, k + 1)
        go = ~done
        if go.any():
            moving = runs[go]
            new = _mediate(st, reg, moving, named[go])
            st.stuck[moving] = np.where(new == st.offer[moving], st.stuck[moving] + 1, 0)
            st.offer[moving] = new
    for i in range(s.n):
        _walk_outs(st, i, k)


def _strike_probability(st: _State, sh: ShockPlan, runs: np.ndarray) -> np.ndarray:
    """The spoiler model's strike probability of each run's standing text (0 without one)."""
    p = np.zeros(len(runs))
    assert sh.spoiler is not None
    standing = np.zeros(len(st.end), dtype=bool)
    standing[runs[st.offer[runs] >= 0]] = True
    for reg, sub in st.groups(standing):
        space = reg.space
        if space.deal is None or sh.spoiler >= len(space.deal.s_rows):
            continue
        crit = space.criteria(st.offer[sub])
        prob = space.deal.strike(crit)[sh.spoiler]
        p[np.searchsorted(runs, sub)] = prob
    return p


def _shocks(st: _State, r: int, u: np.ndarray | None) -> None:
    """The shocks before round r (1-based), in file order; ``u``: (R, random shocks)."""
    s = st.s
    col = 0
    actors = [a.id for a in s.sc.actors]
    for sh in s.shocks:
        live = st.live() & ~st.fired[:, sh.index]
        if sh.at is not None:
            hit = live if sh.at == r else np.zeros_like(live)
        elif sh.after is not None:
            hit = live & st.conceded[sh.after]
        else:
            assert u is not None
            draw = u[:, col]
            col += 1
            if sh.model:
                runs = np.flatnonzero(live)
                p = np.zeros(len(live))
                p[runs] = _strike_probability(st, sh, runs)
            else:
                p = np.full(len(live), sh.probability)
            hit = live & (draw < p)
        runs = np.flatnonzero(hit)
        if not len(runs):
            continue
        st.fired[runs, sh.index] = True
        if st.trace is not None and runs[0] == 0:
            st.log({"round": r, "step": r - 1, "actor": sh.actor, "action": "shock",
                    "shock": sh.kind, "index": sh.index})  # fmt: skip
        if sh.ends:
            st.by[runs] = actors.index(sh.actor)
            if sh.outcome is not None:
                st.outcome[runs] = sh.outcome
            st.finish(runs, STRUCK if sh.kind == "strike" else WALKED, r - 1)
        else:  # a change of preferences or trust: the runs move to the regime it makes
            for g in np.unique(st.regime[runs]):
                sub = runs[st.regime[runs] == g]
                reg = s.regimes[int(g)]
                st.regime[sub] = s.regimes.get((*reg.applied, sh.index), reg.period)


def _drift(st: _State, r: int) -> None:
    """Move every live run to the period of drift that round r (1-based) falls in."""
    s = st.s
    if s.period is None:
        return
    period = (r - 1) // s.period
    for g in np.unique(st.regime[st.live()]):
        reg = s.regimes[int(g)]
        new = s.regimes.get(reg.applied, period)
        if new != g:
            st.regime[st.live() & (st.regime == g)] = new


def negotiate(
    s: Setup,
    runs: int,
    rng: np.random.Generator,
    trace: bool = False,
    deadlines: np.ndarray | None = None,
    exponents: np.ndarray | None = None,
) -> Batch:
    """Run ``runs`` talks of ``s`` at once (see the module docstring). Random shocks draw
    one uniform per run per random shock before every round, then one per run for the
    no-deal lottery, always in that order, so a batch's results depend only on ``rng``'s
    seed. ``deadlines`` (R,) and ``exponents`` (deciders, R) override the rounds and the
    time-based curves' exponents run by run."""
    st = _State(s, runs, trace)
    n_steps = np.full(runs, s.rounds, dtype=np.int64) if deadlines is None else deadlines
    last = int(n_steps.max()) if runs else 0
    n_random = len(s.random_shocks)
    if s.protocol == "mediated":
        st.offer[:] = s.start if s.start is not None else 0
    for k in range(last):
        u = rng.random((runs, n_random)) if n_random else None
        _drift(st, k + 1)
        _shocks(st, k + 1, u)
        if not st.live().any():
            continue
        t_all = (k + 1) / (n_steps + 1)
        if s.protocol == "mediated":
            _mediated_step(st, k, t_all, exponents)
        else:
            _alternating_step(st, k, t_all, exponents)
        out = np.flatnonzero(st.live() & (n_steps <= k + 1))
        st.finish(out, DEADLINE, n_steps[out])
    lottery = rng.random(runs)
    nodeal = (st.end != AGREED) & (st.outcome < 0)
    if len(s.lottery) and nodeal.any():
        cum = np.cumsum(s.lottery)
        pick = np.minimum(np.searchsorted(cum, lottery * cum[-1], side="right"), len(cum) - 1)
        st.outcome[nodeal] = pick[nodeal]
    if st.trace is not None and runs:
        end = int(st.end[0])
        last = st.trace[-1]["round"] if st.trace else int(st.step[0])
        row: dict[str, Any] = {"round": max(last, int(st.step[0])), "step": int(st.step[0]),
                               "actor": "", "action": ENDS[end]}  # fmt: skip
        if st.outcome[0] >= 0:
            row["outcome"] = s.outcomes[int(st.outcome[0])]
        st.log(row)
    return Batch(st.end, st.step, st.agreement, st.regime, st.by, st.outcome, st.fired,
                 st.trace or [])  # fmt: skip
