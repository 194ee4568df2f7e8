"""Benchmark: vectorised simulated talks against NegMAS run by run (the simulation layer).

1. ANAC (:func:`anac_case`): 1,000 runs of stacked alternating offers on the ANAC 2011
   Camera domain (tests/data/anac/Camera: 6 issues, 3,600 outcomes: a mid-size domain
   where NegMAS's own per-run cost is the protocol and the strategies rather than sorting
   a huge outcome space, as on Travel's 188,160, nor Python start-up, as on Laptop's 27),
   each run its own seeded configuration: a deadline in 10..200 and, per decider, a
   curve exponent (half of them one of boulware 4, linear 1, conceder 0.25, half
   log-uniform in [0.1, 10]). zopa runs them as ONE vectorised ``negotiate`` call (timed
   from reading the GENIUS folder, ``setup()`` included); NegMAS as 1,000
   ``SAOMechanism`` runs one by one with ``TimeBasedConcedingNegotiator``
   (``offering_curve`` the exponent, ``stochastic=False``: NegMAS's ``PolyAspiration``,
   the class its Boulware/Linear/Conceder negotiators specialise), timed from building
   its ``LinearAdditiveUtilityFunction`` s (from zopa's weights, utilities and
   reservations, as tests/test_simulate_negmas.py builds them). Checks that every run
   ends the same (the same step; both without agreement, or the same package and each
   decider's utility within 1e-9), prints the mismatches and the ratio NegMAS time / zopa
   time (goal >= 50x).

2. Reference (:func:`reference_case`): 10^4 runs of the bundled US-Iran scenario as its
   ``simulation:`` block plays it (the mediated text, shocks each round, the implementation
   of agreed deals), through ``zopa.simulate(sc, runs=10_000)`` on one process, timed from
   loading the scenario (goal: under 30 s on the 2-core machine). The baseline, measured
   in the same run: the same engine one run at a time (``runs=1``, 200 runs, scaled to
   10^4), the cost a run-by-run loop (as NegMAS runs) would pay; the ratio is printed.

Run: ``python bench/bench_simulate.py [--runs 1000] [--domain Camera] [--seed 1]``
(about 30 s on one core, almost all of it NegMAS).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from zopa.io.readers import read
from zopa.scenario.preferences import read_preferences
from zopa.scenario.schema import Scenario
from zopa.scenario.values import Values
from zopa.simulation.engine import AGREED, negotiate
from zopa.simulation.setup import Setup, setup
from zopa.simulation.strategies import EXPONENTS
from zopa.space.space import compile_space

ANAC = Path(__file__).resolve().parent.parent / "tests" / "data" / "anac"
TOL = 1e-9

# (agreed package as option ids in issue order, or None; final step; utilities, or None)
Result = tuple[tuple[str, ...] | None, int, tuple[float, ...] | None]


def configs(n_deciders: int, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded per-run deadlines (10..200) and exponents (deciders, runs): half one of the
    named curves', half log-uniform in [0.1, 10]."""
    rng = np.random.default_rng(seed)
    deadlines = rng.integers(10, 201, size=runs)
    named = rng.choice(np.array(list(EXPONENTS.values())), size=(n_deciders, runs))
    free = 10.0 ** rng.uniform(-1.0, 1.0, size=(n_deciders, runs))
    return deadlines, np.where(rng.random((n_deciders, runs)) < 0.5, named, free)


def zopa_results(sc: Scenario, s: Setup, batch: Any) -> list[Result]:
    """A batch's runs as :data:`Result` s."""
    out: list[Result] = []
    for r in range(len(batch.end)):
        if batch.end[r] != AGREED:
            out.append((None, int(batch.step[r]), None))
            continue
        reg = s.regimes[int(batch.regime[r])]
        pkg = int(batch.agreement[r])
        p = reg.space.package(pkg)
        utils = tuple(float(t.value[pkg]) for t in reg.tables)
        out.append((tuple(p[i.id] for i in sc.issues), int(batch.step[r]), utils))
    return out


def negmas_ufuns(sc: Scenario) -> tuple[Any, list[Any]]:
    """NegMAS's outcome space and the deciders' linear-additive ufuns, from zopa's own
    weights, per-issue utilities and reservations."""
    from negmas.outcomes import make_issue, make_os
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.value_fun import TableFun

    space = make_os([make_issue([o.id for o in i.options], name=i.id) for i in sc.issues])
    prefs = read_preferences(sc, Values(sc))
    compiled = compile_space(sc)
    actors = list(compiled.actors)
    ufuns = []
    for a in sc.deciders:
        values, weights = [], []
        for issue in sc.issues:
            p = prefs[a.id].get(issue.id)  # None: an issue the decider does not weigh
            xs = [0.0] * len(issue.options) if p is None else [float(x) for x in p.utility]
            values.append(TableFun({o.id: x for o, x in zip(issue.options, xs, strict=True)}))
            weights.append(0.0 if p is None else float(p.weight))
        ufuns.append(
            LinearAdditiveUtilityFunction(
                values=values,
                weights=weights,
                outcome_space=space,
                reserved_value=float(compiled.reservation[actors.index(a.id)]),
                name=a.id,
            )
        )
    return space, ufuns


def negmas_run(space: Any, ufuns: list[Any], exps: np.ndarray, n_steps: int) -> Result:
    """One NegMAS ``SAOMechanism`` run, one time-based negotiator per ufun."""
    from negmas.sao import SAOMechanism
    from negmas.sao.negotiators import TimeBasedConcedingNegotiator

    m = SAOMechanism(outcome_space=space, n_steps=n_steps)
    for u, e in zip(ufuns, exps, strict=True):
        m.add(TimeBasedConcedingNegotiator(name=u.name, offering_curve=float(e),
                                           stochastic=False), ufun=u)  # fmt: skip
    m.run()
    agr = m.state.agreement
    if agr is None:
        return None, int(m.state.step), None
    return tuple(agr), int(m.state.step), tuple(float(u(agr)) for u in ufuns)


def same(a: Result, b: Result) -> bool:
    """The same step, and both without agreement or the same package and utilities."""
    if a[1] != b[1] or (a[0] is None) != (b[0] is None):
        return False
    if a[0] is None or a[2] is None or b[2] is None:
        return a[0] is None
    return a[0] == b[0] and all(abs(x - y) <= TOL for x, y in zip(a[2], b[2], strict=True))


def anac_case(runs: int, domain: str, seed: int) -> None:
    """Case 1 (see the module docstring)."""
    import negmas  # noqa: F401  (imported outside the timings)

    folder = ANAC / domain
    t0 = time.perf_counter()
    sc = read("genius", folder).to_scenario()
    t_read = time.perf_counter() - t0
    deadlines, exps = configs(len(sc.deciders), runs, seed)
    s = setup(sc, rounds=int(deadlines.max()))
    batch = negotiate(s, runs, np.random.default_rng(seed), deadlines=deadlines, exponents=exps)
    t_zopa = time.perf_counter() - t0
    ours = zopa_results(sc, s, batch)

    t0 = time.perf_counter()
    space, ufuns = negmas_ufuns(sc)
    theirs = [negmas_run(space, ufuns, exps[:, r], int(deadlines[r])) for r in range(runs)]
    t_negmas = time.perf_counter() - t0

    bad = [r for r in range(runs) if not same(ours[r], theirs[r])]
    agreed = sum(o[0] is not None for o in ours)
    print(
        f"simulate, ANAC {domain} ({sc.n_packages():,} outcomes, {len(sc.deciders)} deciders),"
        f" {runs:,} runs (deadlines 10..200, per-run exponents, seed {seed}):"
    )
    print(
        f"  zopa, one vectorised negotiate call: {t_zopa:.3f} s (reading the domain"
        f" {t_read:.3f} s); NegMAS SAOMechanism run by run: {t_negmas:.2f} s"
        f" ({t_negmas / runs * 1e3:.1f} ms a run)"
    )
    print(
        f"  ratio NegMAS / zopa {t_negmas / t_zopa:.0f}x (goal >= 50x); agreements {agreed:,},"
        f" {len({o[0] for o in ours}):,} distinct; mismatches {len(bad)} of {runs:,}"
    )
    for r in bad:
        print(
            f"    MISMATCH run {r}: deadline {int(deadlines[r])}, exponents"
            f" {[round(float(e), 6) for e in exps[:, r]]}: zopa {ours[r]}, NegMAS {theirs[r]}"
        )


def reference_case(runs: int, seed: int) -> None:
    """Case 2 (see the module docstring)."""
    import zopa
    from zopa.simulation.run import simulate_once

    t0 = time.perf_counter()
    sc = zopa.reference()
    res = zopa.simulate(sc, runs=runs, seed=seed)
    t_batch = time.perf_counter() - t0
    j = res.to_json()
    one = 200
    s = res.setup
    t0 = time.perf_counter()
    for r in range(one):
        simulate_once(s, seed + r)
    t_one = (time.perf_counter() - t0) / one
    sim = sc.simulation
    shocks = len(sim.shocks) if sim is not None else 0
    print(
        f"simulate, reference scenario ({sc.n_packages():,} packages), {runs:,} runs, "
        f"{j['protocol']} protocol, {j['rounds']} rounds, {shocks} shocks, implementation "
        f"{'yes' if s.periods else 'no'} (seed {seed}):"
    )
    print(
        f"  zopa, vectorised in blocks of 2,000: {t_batch:.2f} s (goal < 30 s); run by run:"
        f" {t_one * 1e3:.1f} ms a run, {t_one * runs:.1f} s for {runs:,}; ratio"
        f" {t_one * runs / t_batch:.0f}x"
    )
    print(
        f"  P(agreement) {j['p_agreement']['value']}, P(war) {j['p_war']['value']},"
        f" ends {j['ends']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--domain", default="Camera", help="a folder of tests/data/anac")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    anac_case(args.runs, args.domain, args.seed)
    reference_case(10_000, args.seed)


if __name__ == "__main__":
    main()
