"""zopa's simulated talks side by side with NegMAS (a peer implementation, optional).

The contract (:mod:`zopa.simulation.engine`): zopa's ``alternating`` protocol has NegMAS's
``SAOMechanism`` semantics, and zopa's ``boulware``, ``linear`` and ``conceder`` are NegMAS's
``BoulwareTBNegotiator``, ``LinearTBNegotiator`` and ``ConcederTBNegotiator`` on the same
utilities: the same agreement (or none) at the same step. NegMAS is given zopa's own
per-issue weights and utilities (:func:`zopa.scenario.preferences.read_preferences`) and
reservations as ``LinearAdditiveUtilityFunction`` s, so what is compared is the protocol
and the strategies, not the importers (``tests/test_importers.py`` compares those).

- every bilateral ANAC domain of tests/data/anac, each of the 9 pairs of curves, deadlines
  20, 50 and 100;
- three parties of the LLM-Deliberation base game (the others made stakeholders,
  unanimity) in a 3-negotiator ``SAOMechanism``: all 27 triples of curves, 3 deadlines;
- one vectorised :func:`~zopa.simulation.engine.negotiate` call with per-run deadlines and
  exponents against NegMAS run by run (``TimeBasedConcedingNegotiator`` with a float
  ``offering_curve``: NegMAS's ``PolyAspiration`` with that exponent, ``stochastic=False``,
  the very class the three named negotiators specialise), on Amsterdam, on Camera with
  every reservation 0.7 (the ANAC profiles' reservations are 0, so ANAC talks always
  agree) and on the three-party game.

Agreements are compared as packages, and each decider's utility of it within 1e-9.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.io.readers import read
from zopa.scenario.load import validate
from zopa.scenario.preferences import read_preferences
from zopa.scenario.schema import Scenario
from zopa.scenario.values import Values
from zopa.scenario.yamlfile import Lines
from zopa.simulation.engine import AGREED, negotiate
from zopa.simulation.setup import setup
from zopa.simulation.strategies import EXPONENTS
from zopa.space.space import compile_space

pytestmark = pytest.mark.peer

DATA = Path(__file__).parent / "data"
ANAC = DATA / "anac"
BASE = DATA / "llm_deliberation" / "base"
KINDS = ("boulware", "linear", "conceder")
DEADLINES = (20, 50, 100)
TOL = 1e-9
THREE = ("mayor", "SportCo", "DoT")  # the deliberation parties kept as deciders

# A result: (agreed package as a tuple of option ids in issue order, or None; the
# mechanism's final step; each decider's utility of the agreement, or None).
Result = tuple[tuple[str, ...] | None, int, tuple[float, ...] | None]


@pytest.fixture(autouse=True, scope="module")
def _negmas() -> None:
    pytest.importorskip("negmas")


def _bilateral() -> list[str]:
    """The ANAC domains with exactly two profiles (read without validating: cheap)."""
    return sorted(
        f.name
        for f in ANAC.iterdir()
        if f.is_dir() and len(read("genius", f).document()["actors"]) == 2
    )


BILATERAL = _bilateral()
PAIRS = list(itertools.product(KINDS, repeat=2))


@functools.cache
def _scenario(key: str) -> Scenario:
    """An ANAC domain by folder name; ``"NAME@R"``: that domain with every reservation R
    (the ANAC profiles' are 0, so those talks always agree); ``"three"``: the deliberation
    base game with only :data:`THREE` deciding (the others stakeholders), by unanimity."""
    if "@" in key:
        name, r = key.split("@")
        doc = read("genius", ANAC / name).document()
        for p in doc["preferences"].values():
            p["reservation"] = float(r)
        return validate(doc, Lines(), str(ANAC / name))
    if key != "three":
        return read("genius", ANAC / key).to_scenario()
    doc = read("deliberation", BASE).document()
    for a in doc["actors"]:
        a["role"] = "party" if a["id"] in THREE else "stakeholder"
    doc["decision"] = {"rule": "unanimity"}
    return validate(doc, Lines(), str(BASE))


@functools.cache
def _peer(key: str) -> tuple[Any, list[Any]]:
    """:func:`_peer_of` the scenario ``key`` names."""
    return _peer_of(_scenario(key))


def _peer_of(sc: Scenario) -> tuple[Any, list[Any]]:
    """NegMAS's outcome space and the deciders' ``LinearAdditiveUtilityFunction`` s, from
    zopa's own weights, per-issue utilities and reservations."""
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


def _negmas_run(key: str, curves: tuple[str | float, ...], n_steps: int) -> Result:
    """:func:`_negmas_run_on` the scenario ``key`` names."""
    return _negmas_run_on(_peer(key), curves, n_steps)


def _negmas_run_on(
    peer: tuple[Any, list[Any]], curves: tuple[str | float, ...], n_steps: int
) -> Result:
    """One NegMAS ``SAOMechanism`` run: a named curve is NegMAS's named negotiator, a
    float the ``TimeBasedConcedingNegotiator`` with that exponent."""
    from negmas.sao import SAOMechanism
    from negmas.sao.negotiators import (
        BoulwareTBNegotiator,
        ConcederTBNegotiator,
        LinearTBNegotiator,
        TimeBasedConcedingNegotiator,
    )

    named = {"boulware": BoulwareTBNegotiator, "linear": LinearTBNegotiator,
             "conceder": ConcederTBNegotiator}  # fmt: skip
    space, ufuns = peer
    m = SAOMechanism(outcome_space=space, n_steps=n_steps)
    for u, c in zip(ufuns, curves, strict=True):
        if isinstance(c, str):
            m.add(named[c](name=u.name), ufun=u)
        else:
            m.add(TimeBasedConcedingNegotiator(name=u.name, offering_curve=float(c),
                                               stochastic=False), ufun=u)  # fmt: skip
    m.run()
    agr = m.state.agreement
    if agr is None:
        return None, int(m.state.step), None
    return tuple(agr), int(m.state.step), tuple(float(u(agr)) for u in ufuns)


def _zopa_results(sc: Scenario, s: Any, batch: Any) -> list[Result]:
    out: list[Result] = []
    for r in range(len(batch.end)):
        reg = s.regimes[int(batch.regime[r])]
        if batch.end[r] != AGREED:
            out.append((None, int(batch.step[r]), None))
            continue
        pkg = int(batch.agreement[r])
        p = reg.space.package(pkg)
        utils = tuple(float(t.value[pkg]) for t in reg.tables)
        out.append((tuple(p[i.id] for i in sc.issues), int(batch.step[r]), utils))
    return out


def _zopa_run(key: str, kinds: tuple[str, ...], n_steps: int) -> Result:
    """One zopa run with the named strategies and ``rounds=n_steps``."""
    sc = _scenario(key)
    kind = dict(zip([a.id for a in sc.deciders], kinds, strict=True))
    s = setup(sc, rounds=n_steps, strategies=kind)
    return _zopa_results(sc, s, negotiate(s, 1, np.random.default_rng(0)))[0]


def _same(a: Result, b: Result) -> bool:
    if a[1] != b[1] or (a[0] is None) != (b[0] is None):
        return False
    if a[0] is None:
        return True
    assert a[2] is not None and b[2] is not None
    return a[0] == b[0] and all(abs(x - y) <= TOL for x, y in zip(a[2], b[2], strict=True))


def test_the_bilateral_domains_are_found() -> None:
    """The seven bilateral ANAC domains (the nine-party ``party`` domain is not one)."""
    assert BILATERAL == ["Amsterdam", "Camera", "EnglandZimbabwe", "Grocery",
                         "ItexvsCypress", "Laptop", "Travel"]  # fmt: skip


@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
@pytest.mark.parametrize("domain", BILATERAL)
def test_bilateral_anac_against_negmas(domain: str, pair: tuple[str, str]) -> None:
    """Side by side with NegMAS's ``SAOMechanism`` and its named time-based negotiators:
    the same step and agreement at deadlines 20, 50 and 100. Travel (188,160 outcomes)
    runs every pair too: NegMAS sorts its outcomes for each negotiator of each run (about
    0.8 s a run: about 27 s of this file's 40 s)."""
    for n in DEADLINES:
        theirs = _negmas_run(domain, pair, n)
        ours = _zopa_run(domain, pair, n)
        assert _same(ours, theirs), (domain, pair, n, ours, theirs)


@pytest.mark.parametrize("triple", list(itertools.product(KINDS, repeat=3)), ids="-".join)
def test_three_parties_against_negmas(triple: tuple[str, str, str]) -> None:
    """Three deciders of the LLM-Deliberation base game (unanimity) side by side with a
    3-negotiator NegMAS ``SAOMechanism``: the same step and agreement."""
    assert [a.id for a in _scenario("three").deciders] == list(THREE)
    for n in DEADLINES:
        theirs = _negmas_run("three", triple, n)
        ours = _zopa_run("three", triple, n)
        assert _same(ours, theirs), (triple, n, ours, theirs)


def _configs(n_deciders: int, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded per-run deadlines (10..200) and exponents (deciders, runs): half the
    exponents one of the named curves', half log-uniform in [0.1, 10]."""
    rng = np.random.default_rng(seed)
    deadlines = rng.integers(10, 201, size=runs)
    named = rng.choice(np.array(list(EXPONENTS.values())), size=(n_deciders, runs))
    free = 10.0 ** rng.uniform(-1.0, 1.0, size=(n_deciders, runs))
    exps = np.where(rng.random((n_deciders, runs)) < 0.5, named, free)
    return deadlines, exps


@pytest.mark.parametrize(("key", "runs"), [("Amsterdam", 200), ("Camera@0.7", 200), ("three", 100)])
def test_vectorised_runs_against_negmas(key: str, runs: int) -> None:
    """One vectorised ``negotiate`` call over seeded per-run deadlines and exponents, run by
    run side by side with NegMAS's ``TimeBasedConcedingNegotiator`` (``offering_curve`` the
    run's exponent, not stochastic) in an ``SAOMechanism`` of the run's deadline. With
    reservations above 0 (Camera at 0.7, the deliberation game) some talks fail."""
    sc = _scenario(key)
    deadlines, exps = _configs(len(sc.deciders), runs, seed=20260)
    s = setup(sc, rounds=int(deadlines.max()))
    ours = _zopa_results(sc, s, negotiate(s, runs, np.random.default_rng(0),
                                          deadlines=deadlines, exponents=exps))  # fmt: skip
    bad = []
    for r in range(runs):
        theirs = _negmas_run(key, tuple(float(e) for e in exps[:, r]), int(deadlines[r]))
        if not _same(ours[r], theirs):
            bad.append((r, int(deadlines[r]), exps[:, r].tolist(), ours[r], theirs))
    assert not bad, bad
    assert len({o[0] for o in ours}) >= 10  # many different agreements: not vacuous
    if key != "Amsterdam":
        assert any(o[0] is None for o in ours)


# --- random small spaces with many ties ----------------------------------------------------

_GRID = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])  # coarse: many tied package utilities


@st.composite
def _tied_case(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str, str], int]:
    shape = draw(st.lists(st.integers(2, 4), min_size=2, max_size=3))
    issues = [{"id": f"i{k}", "name": f"i{k}",
               "options": [{"id": f"o{j}", "at": 100 * j / (n - 1)} for j in range(n)]}
              for k, n in enumerate(shape)]  # fmt: skip
    prefs = {}
    for a in ("A", "B"):
        prefs[a] = {
            "weights": {f"i{k}": draw(st.sampled_from([1, 2, 3])) for k in range(len(shape))},
            "utilities": {
                f"i{k}": {f"o{j}": draw(_GRID) for j in range(n)} for k, n in enumerate(shape)
            },
            "reservation": draw(st.sampled_from([0.0, 0.2, 0.4, 0.6])),
        }
    doc = {"zopa": 1, "id": "tied", "title": "tied",
           "actors": [{"id": a, "name": a, "role": "party"} for a in ("A", "B")],
           "issues": issues, "preferences": prefs}  # fmt: skip
    pair = (draw(st.sampled_from(KINDS)), draw(st.sampled_from(KINDS)))
    return doc, pair, draw(st.integers(3, 40))


@pytest.mark.peer
@settings(max_examples=150, deadline=None)
@given(_tied_case())
def test_random_tied_spaces_against_negmas(
    case: tuple[dict[str, Any], tuple[str, str], int],
) -> None:
    """Random small spaces whose utilities sit on a coarse grid (so many packages tie, and
    the order NegMAS sorts tied packages in decides the offers), random reservations,
    curves and deadlines: zopa's run against NegMAS's ``SAOMechanism``, side by side."""
    doc, pair, n_steps = case
    sc = validate(doc, Lines(), "<tied>")
    s = setup(sc, rounds=n_steps, strategies=dict(zip(("A", "B"), pair, strict=True)))
    ours = _zopa_results(sc, s, negotiate(s, 1, np.random.default_rng(0)))[0]
    theirs = _negmas_run_on(_peer_of(sc), pair, n_steps)
    assert _same(ours, theirs), (ours, theirs)
