"""Tests of the expected-utility model (zopa.forecasting.eum) and the BdM CSV importer.

The reference is ``tests/data/bdm_scholz/Example.log``, the published run log of the public
Python replication of Scholz, Calbert & Smith (2011) on ``ExampleActors.csv`` (origin and
licence in ``tests/data/bdm_scholz/README.md``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.errors import InputError
from zopa.forecasting import eum
from zopa.forecasting.base import ForecastInput
from zopa.forecasting.eum import (
    DIFFERENCES,
    VARIANTS,
    ExpectedUtility,
    Rules,
    format_log,
    simulate_issue,
    win_probabilities,
)
from zopa.io.bdm import read_bdm_csv

DATA = Path(__file__).parent / "data" / "bdm_scholz"
COMPAT = "scholz-python-2011"
PAPER = "scholz-2011"
REL = 1e-12  # the compatibility variant matches the log to the last digit on glibc x86-64

# Published means after rounds 1..10 (Example.log), rounded to 3 decimals.
LOG_MEANS = [7.461, 7.553, 7.590, 7.358, 7.349, 7.415, 7.510, 7.572, 7.325, 7.242]

PROPS = settings(derandomize=True, deadline=None, max_examples=60)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def example() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    inp = read_bdm_csv(DATA / "ExampleActors.csv")
    return list(inp.actors), inp.position[:, 0], inp.capability, inp.salience[:, 0]


def run_example(variant: str, **kw: object) -> eum.EUMRun:
    _, x, c, s = example()
    return simulate_issue(x, c, s, rounds=10, variant=variant, **kw)  # type: ignore[arg-type]


KIND_OF_VERB = {
    "loses confrontation to": "conflict",
    "compromises with": "compromise",
    "capitulates to": "capitulation",
}
MOVE_RE = re.compile(r"^(.+?) (loses confrontation to|compromises with|capitulates to) (.+)$")


def parse_log(text: str) -> dict:
    """Example.log as data: start median/mean, then per round the moves and the two lines."""
    lines = text.splitlines()
    out: dict = {"rounds": []}
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("ROUND "):
            out["rounds"].append({"number": int(line.split()[1]), "moves": []})
        elif m := MOVE_RE.match(line):
            eu_own, eu_other = (float(v) for v in lines[i + 1].strip().split(" vs "))
            new_pos = float(lines[i + 2].strip().removeprefix("new_pos = "))
            kind = KIND_OF_VERB[m.group(2)]
            out["rounds"][-1]["moves"].append(
                (m.group(1), kind, m.group(3), eu_own, eu_other, new_pos)
            )
            i += 2
        elif line.startswith(("Median position: ", "Mean position: ")):
            key = "median" if line.startswith("Median") else "mean"
            value = float(line.split(": ")[1])
            if out["rounds"]:
                out["rounds"][-1][key] = value
            else:
                out["start_" + key] = value
        i += 1
    return out


def reference_run(
    x0: list[float],
    c: list[float],
    s: list[float],
    rules: Rules,
    rounds: int,
    *,
    q: float = 1.0,
    t: float = 1.0,
    centre: str = "median",
) -> tuple[list[list[float]], list[list[int]]]:
    """A loop-by-loop implementation written from the module docstring's equations.

    Returns the positions after every round and each actor's move kind per round.
    """
    n = len(x0)
    spread = max(x0) - min(x0)
    big_d = spread if spread > 0 else 1.0
    w = [c[k] * s[k] for k in range(n)]
    xs = [float(v) for v in x0]
    history, kinds = [list(xs)], []

    def median(v: list[float]) -> float:
        order = sorted(range(n), key=lambda k: v[k])
        total = sum(w)
        cum = 0.0
        for pos, k in enumerate(order):
            cum += w[k]
            if cum >= total / 2 - 1e-12 * total:
                if cum <= total / 2 + 1e-12 * total and pos + 1 < n:
                    return (v[k] + v[order[pos + 1]]) / 2
                return v[k]
        return v[order[-1]]

    for _ in range(rounds):
        x = list(xs)
        m = median(x) if centre == "median" else sum(w[k] * x[k] for k in range(n)) / sum(w)

        all_pairs: dict[tuple[float, ...], float] = {}

        def dist(a: float, b: float) -> float:
            return abs(a - b) / big_d

        def vote(k: int, i: int, j: int, r: list[float], x: list[float] = x) -> float:
            rk = r[k] if rules.vote_risk else 1.0
            return w[k] * (dist(x[k], x[j]) ** rk - dist(x[k], x[i]) ** rk)

        def prob(i: int, j: int, r: list[float], all_pairs: dict = all_pairs) -> float:
            num = sum(max(0.0, vote(k, i, j, r)) for k in range(n))
            if rules.probability == "pair":
                den = sum(abs(vote(k, i, j, r)) for k in range(n))
                return num / den if den > 0 else 0.5
            key = tuple(r)  # the all-pairs sum depends on the round and r only
            if key not in all_pairs:
                every = ((k, a, b) for k in range(n) for a in range(n) for b in range(n))
                all_pairs[key] = sum(abs(vote(k, a, b, r)) for k, a, b in every)
            den = all_pairs[key]
            return num / den if den > 0 else 0.0

        def eu(
            i: int, j: int, rp: float, r: list[float], x: list[float] = x, m: float = m
        ) -> float:
            """EU of i challenging j, seen with risk exponent rp."""
            d = dist(x[i], x[j])
            p = prob(i, j, r)
            us = 2 - 4 * (0.5 - 0.5 * d) ** rp
            uf = 2 - 4 * (0.5 + 0.5 * d) ** rp
            usq = 2 - 4 * 0.5**rp
            e = s[j] * (p * us + (1 - p) * uf) + (1 - s[j]) * us - q * usq
            if rules.better_worse and q != 1.0:
                e2 = 0.25 * (abs(x[i] - m) / big_d + d)
                e -= (1 - q) * (
                    t * (2 - 4 * (0.5 - e2) ** rp) + (1 - t) * (2 - 4 * (0.5 + e2) ** rp)
                )
            return e

        ones = [1.0] * n
        danger = [sum(eu(j, i, 1.0, ones) for j in range(n) if j != i) for i in range(n)]
        hi, lo = max(danger), min(danger)
        flat = not hi - lo > 1e-12 * max(abs(hi), abs(lo))
        big_r = [0.0 if flat else (2 * dg - hi - lo) / (hi - lo) for dg in danger]
        r = [(1 - rr / 3) / (1 + rr / 3) for rr in big_r]

        new, kind = list(x), [0] * n
        for i in range(n):
            offers = []  # (kind, j, target, eu_ij, eu_ji)
            for j in range(n):
                if j == i or x[j] == x[i]:
                    continue
                eij, eji = eu(i, j, r[i], r), eu(j, i, r[i], r)
                if eij > 0 and eji > eij:
                    offers.append((1, j, x[j], eij, eji))
                elif eij < 0 < eji and eji > abs(eij):
                    offers.append((2, j, x[i] + (x[j] - x[i]) * abs(eij / eji), eij, eji))
                elif eij < 0 < eji and eji < abs(eij) and rules.capitulation:
                    offers.append((3, j, x[j], eij, eji))
            if not offers:
                continue
            if rules.choice == "least-move":
                best = min(offers, key=lambda o: abs(o[2] - x[i]))
            else:
                by = {k: [o for o in offers if o[0] == k] for k in (1, 2, 3)}
                if by[1]:
                    best = min(by[1], key=lambda o: abs(o[2] - x[i]))
                elif by[2]:
                    best = min(
                        by[2],
                        key=lambda o: (
                            (abs(o[3]) * x[i] + abs(o[4]) * x[o[1]]) / (abs(o[3]) + abs(o[4]))
                        ),
                    )
                else:
                    best = min(by[3], key=lambda o: abs(o[2] - x[i]))
            new[i], kind[i] = best[2], best[0]
        xs = new
        history.append(list(xs))
        kinds.append(kind)
    return history, kinds


def with_variant(monkeypatch: pytest.MonkeyPatch, rules: Rules) -> str:
    monkeypatch.setitem(VARIANTS, "test-variant", rules)
    return "test-variant"


# --------------------------------------------------------------------------------------
# (1) the published log
# --------------------------------------------------------------------------------------


def test_compat_variant_reproduces_every_move_and_mean_of_published_log() -> None:
    """Compares with the published Example.log: every move (who, what, to whom, the EU pair,
    the new position) and the median/mean lines of all 10 rounds."""
    log = parse_log((DATA / "Example.log").read_text())
    names, *_ = example()
    run = run_example(COMPAT)
    assert len(log["rounds"]) == run.rounds == 10
    assert run.median[0] == log["start_median"] == 7.0
    assert run.mean[0] == pytest.approx(log["start_mean"], rel=REL)
    for rnd, ref in enumerate(log["rounds"], start=1):
        got = [
            (names[m.actor], m.kind, names[m.partner], m.eu_own, m.eu_other, m.to_position)
            for m in run.moves(rnd)
        ]
        assert [g[:3] for g in got] == [r[:3] for r in ref["moves"]], f"round {rnd}"
        for g, r in zip(got, ref["moves"], strict=True):
            assert g[3:] == pytest.approx(r[3:], rel=REL), f"round {rnd}: {r[0]}"
        assert run.mean[rnd] == pytest.approx(ref["mean"], rel=REL)
        # The log's "Median position" after a round is the mean (a bug of that code) ...
        assert ref["median"] == ref["mean"]
    # ... while the true median is another number: Belgium, the median voter, moves.
    assert run.median[1] == pytest.approx(8.415932315426764, rel=REL) != run.mean[1]
    assert run.median[-1] == 7.0
    assert np.round(run.mean[1:], 3).tolist() == LOG_MEANS
    # Only Belgium, Luxembourg and Ireland ever move; nobody capitulates.
    moved = {names[a] for a in np.flatnonzero((run.kind > 0).any(0))}
    assert moved == {"Belgium", "Luxembourg", "Ireland"}
    assert not (run.kind == eum.CAPITULATION).any()


def test_format_log_writes_the_published_log() -> None:
    """format_log of the compatibility run equals the published Example.log line by line
    (text exactly, numbers to 1e-12; byte for byte on glibc x86-64)."""
    names, *_ = example()
    ours = format_log(run_example(COMPAT), names).splitlines()
    ref = (DATA / "Example.log").read_text().splitlines()
    assert len(ours) == len(ref)
    number = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")
    for a, b in zip(ours, ref, strict=True):
        assert number.sub("#", a) == number.sub("#", b)
        fa = [float(v) for v in number.findall(a)]
        fb = [float(v) for v in number.findall(b)]
        assert fa == pytest.approx(fb, rel=REL)


def test_predict_with_compat_variant_matches_log() -> None:
    """The model class on the imported file: the log's final mean and round-1 moves."""
    inp = read_bdm_csv(DATA / "ExampleActors.csv")
    fc = ExpectedUtility(rounds=10, variant=COMPAT, centre="mean").predict(inp)
    assert fc.model == "eum" and fc.issues == ("issue",) and fc.rounds == 10
    assert fc.position[0] == pytest.approx(7.242130958473938, rel=REL)
    assert fc.trajectory is not None and fc.trajectory.shape == (11, 10, 1)
    moves = fc.details["moves"]["issue"]
    assert len(moves) == 10
    assert [(m["actor"], m["kind"], m["partner"], m["to"]) for m in moves[0]] == [
        ("Belgium", "compromise", "France", pytest.approx(8.415932315426764, rel=REL)),
        ("Luxembourg", "conflict", "Belgium", 7.0),
        ("Ireland", "conflict", "Luxembourg", 4.0),
    ]
    log = parse_log((DATA / "Example.log").read_text())
    means = [r["mean"] for r in log["rounds"]]
    assert fc.details["mean"]["issue"][1:] == pytest.approx(means, rel=REL)
    assert np.round(fc.details["mean"]["issue"][1:], 3).tolist() == LOG_MEANS
    # The default forecast centre is the median (7.0 throughout).
    assert ExpectedUtility(variant=COMPAT).predict(inp).position[0] == 7.0


# --------------------------------------------------------------------------------------
# (2) the paper default: differs only where documented; hand-checked invariants
# --------------------------------------------------------------------------------------


def test_variants_differ_exactly_in_the_documented_rules() -> None:
    paper, compat = VARIANTS[PAPER], VARIANTS[COMPAT]
    differing = {
        f.name
        for f in dataclasses.fields(Rules)
        if getattr(paper, f.name) != getattr(compat, f.name)
    }
    assert differing == set(DIFFERENCES)
    assert paper == Rules()  # the default rules are the paper's
    doc = eum.__doc__ or ""
    for name in DIFFERENCES:
        assert f"``{name}``" in doc, f"{name} not documented in the module docstring"


@pytest.mark.parametrize(
    ("rule", "changes_log"),
    [
        ("vote_risk", True),
        ("probability", True),
        ("choice", True),
        ("capitulation", False),  # no capitulation case arises on this example
        ("better_worse", False),  # the same as the paper at Q = 1
    ],
)
def test_each_documented_rule_on_the_example(
    monkeypatch: pytest.MonkeyPatch, rule: str, changes_log: bool
) -> None:
    """Switching one documented rule of the compatibility variant to the paper's."""
    rules = dataclasses.replace(VARIANTS[COMPAT], **{rule: getattr(VARIANTS[PAPER], rule)})
    variant = with_variant(monkeypatch, rules)
    ref, alt = run_example(COMPAT), run_example(variant)
    same = np.array_equal(ref.kind, alt.kind) and np.allclose(ref.positions, alt.positions)
    assert same != changes_log


def test_all_documented_rules_switched_give_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    changes = {name: getattr(VARIANTS[PAPER], name) for name in DIFFERENCES}
    variant = with_variant(monkeypatch, dataclasses.replace(VARIANTS[COMPAT], **changes))
    a, b = run_example(variant), run_example(PAPER)
    assert np.array_equal(a.kind, b.kind) and np.array_equal(a.partner, b.partner)
    assert np.allclose(a.positions, b.positions, rtol=1e-12, atol=0)


def test_paper_default_on_the_example() -> None:
    """Regression values of the paper-faithful run on ExampleActors (documented in the
    report): round 1 moves nine actors, the median stays at 7.0."""
    names, *_ = example()
    run = run_example(PAPER)
    first = [(names[m.actor], m.kind, names[m.partner]) for m in run.moves(1)]
    assert first == [
        ("Netherlands", "compromise", "UK"),
        ("Belgium", "conflict", "Netherlands"),
        ("Luxembourg", "conflict", "Belgium"),
        ("Germany", "compromise", "UK"),
        ("France", "conflict", "Greece"),
        ("Italy", "conflict", "Greece"),
        ("Ireland", "conflict", "Netherlands"),
        ("Denmark", "compromise", "Greece"),
        ("Greece", "compromise", "UK"),
    ]
    assert np.all(run.median == 7.0) and run.forecast == 7.0
    assert run.mean[-1] == pytest.approx(6.904, abs=5e-4)


def test_hand_checked_two_actors() -> None:
    """Two actors at 0 and 1, capabilities 3 and 1, saliences 1: by hand, P_1(2) = 3/4,
    dangers -1 and 1, so r = (2, 1/2); actor 1 sees EU_12 = 0 (no offer); actor 2 sees
    EU_21 = 2 sqrt 2 - 3 < 0 < EU_12 = 2 sqrt 2 - 1 and compromises the fraction
    (3 - 2 sqrt 2) / (2 sqrt 2 - 1) of the way to 0."""
    run = simulate_issue([0.0, 1.0], [3.0, 1.0], [1.0, 1.0], rounds=1)
    p = win_probabilities([0.0, 1.0], [3.0, 1.0], [1.0, 1.0])
    assert p == pytest.approx(np.array([[0.5, 0.75], [0.25, 0.5]]))
    assert run.risk[0] == pytest.approx([2.0, 0.5])
    root2 = math.sqrt(2)
    (move,) = run.moves(1)
    assert (move.actor, move.partner, move.kind) == (1, 0, "compromise")
    assert move.eu_own == pytest.approx(2 * root2 - 3)
    assert move.eu_other == pytest.approx(2 * root2 - 1)
    assert run.positions[1] == pytest.approx([0.0, 1 - (3 - 2 * root2) / (2 * root2 - 1)])
    assert run.mean[1] == pytest.approx(run.positions[1, 1] / 4)


def test_capitulation_happens_in_the_paper_default_only() -> None:
    """x = (2, 1, 0): actor 0 sees EU_01 < 0 < EU_10 < |EU_01| and capitulates to actor 1."""
    x, c, s = [2.0, 1.0, 0.0], [0.6, 0.3, 0.2], [0.8, 0.9, 1.0]
    paper = simulate_issue(x, c, s, rounds=1)
    cap = [m for m in paper.moves(1) if m.kind == "capitulation"]
    assert len(cap) == 1
    (m,) = cap
    assert (m.actor, m.partner, m.to_position) == (0, 1, 1.0)
    assert m.eu_own < 0 < m.eu_other < abs(m.eu_own)
    assert not (simulate_issue(x, c, s, rounds=10, variant=COMPAT).kind == 3).any()


@pytest.mark.parametrize("variant", [PAPER, COMPAT])
def test_an_actor_alone_stays_put(variant: str) -> None:
    run = simulate_issue([4.2], [0.5], [0.7], rounds=5, variant=variant)
    assert np.all(run.positions == 4.2) and not run.kind.any()
    assert np.all(run.mean == 4.2) and np.all(run.median == 4.2)
    assert np.all(run.risk == 1.0)
    same = simulate_issue([3.0] * 4, [0.1, 0.2, 0.3, 0.4], [1, 0.5, 0.2, 0.9], variant=variant)
    assert np.all(same.positions == 3.0) and not same.kind.any()


@pytest.mark.parametrize("variant", [PAPER, COMPAT])
def test_vectorised_core_equals_loop_reference_on_data(variant: str) -> None:
    for name in ("ExampleActors.csv", "Sultan.csv"):
        inp = read_bdm_csv(DATA / name)
        x, c, s = inp.position[:, 0], inp.capability, inp.salience[:, 0]
        run = simulate_issue(x, c, s, rounds=10, variant=variant)
        hist, kinds = reference_run(list(x), list(c), list(s), VARIANTS[variant], 10)
        assert run.kind.tolist() == kinds, name
        assert run.positions == pytest.approx(np.array(hist), rel=1e-9), name


def test_sultan_runs_and_scale_invariance() -> None:
    """Results depend on positions only through (x - min) / D: an affine change of the
    scale moves every trajectory the same way."""
    inp = read_bdm_csv(DATA / "Sultan.csv")
    x, c, s = inp.position[:, 0], inp.capability, inp.salience[:, 0]
    assert inp.actors[0] == "HAWKS" and len(inp.actors) == 17
    for variant in (PAPER, COMPAT):
        a = simulate_issue(x, c, s, variant=variant)
        b = simulate_issue(10 * x - 120, 5 * c, s, variant=variant)
        assert np.array_equal(a.kind, b.kind)
        assert b.positions == pytest.approx(10 * a.positions - 120, rel=1e-9)
        assert b.median == pytest.approx(10 * a.median - 120, rel=1e-9)
        assert a.positions.min() >= x.min() and a.positions.max() <= x.max()


positions_st = st.lists(
    st.one_of(st.integers(0, 10).map(float), st.floats(0, 10)), min_size=1, max_size=6
)


@st.composite
def issues(draw: st.DrawFn) -> tuple[list[float], list[float], list[float]]:
    x = draw(positions_st)
    n = len(x)
    c = draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n))
    s = draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n))
    return x, c, s


@PROPS
@given(issues(), st.sampled_from([PAPER, COMPAT]), st.sampled_from([(1.0, 1.0), (0.6, 0.3)]))
def test_core_equals_loop_reference(
    data: tuple[list[float], list[float], list[float]], variant: str, qt: tuple[float, float]
) -> None:
    """The vectorised core (with libm pow) against the loop reference: same kinds, positions."""
    x, c, s = data
    q, t = qt
    rules = VARIANTS[variant]
    spread = max(x) - min(x)
    batch = eum._simulate(
        np.array([x]),
        np.array([c]),
        np.array([s]),
        np.ones((1, len(x)), dtype=bool),
        np.array([spread if spread > 0 else 1.0]),
        3,
        "median",
        q,
        t,
        rules,
        True,
    )
    hist, kinds = reference_run(x, c, s, rules, 3, q=q, t=t)
    assert batch.kind[:, 0].tolist() == kinds
    assert batch.positions[:, 0] == pytest.approx(np.array(hist), rel=1e-12, abs=1e-12)


@PROPS
@given(issues(), st.sampled_from([PAPER, COMPAT]), st.integers(1, 15))
def test_positions_stay_within_the_starting_range(
    data: tuple[list[float], list[float], list[float]], variant: str, rounds: int
) -> None:
    x, c, s = data
    run = simulate_issue(x, c, s, rounds=rounds, variant=variant)
    assert run.positions.min() >= min(x) and run.positions.max() <= max(x)
    slack = 1e-12 * max(1.0, abs(min(x)), abs(max(x)))  # the mean of equal numbers may round
    assert min(x) - slack <= run.mean[-1] <= max(x) + slack
    assert min(x) <= run.median[-1] <= max(x)
    assert np.all((run.risk >= 0.5 - 1e-12) & (run.risk <= 2 + 1e-12))
    moved = run.kind > 0
    assert np.all((run.positions[1:] != run.positions[:-1]) <= moved)
    assert np.all(np.isnan(run.eu_own[~moved])) and np.all(run.partner[~moved] == -1)


@PROPS
@given(issues())
def test_win_probabilities_are_complementary(
    data: tuple[list[float], list[float], list[float]],
) -> None:
    """Paper: P_i(j) + P_j(i) = 1. Public code: the all-pairs denominator makes it <= 1."""
    x, c, s = data
    p = win_probabilities(x, c, s)
    assert p + p.T == pytest.approx(np.ones((len(x), len(x))))
    assert np.all((p >= 0) & (p <= 1))
    q = win_probabilities(x, c, s, variant=COMPAT)
    assert np.all(q + q.T <= 1 + 1e-12)
    if len(set(x)) >= 3:
        off = ~np.eye(len(x), dtype=bool) & (np.subtract.outer(x, x) != 0)
        assert np.all((q + q.T)[off] < 1)


# --------------------------------------------------------------------------------------
# the model class over several issues
# --------------------------------------------------------------------------------------


def multi_issue(rng: np.random.Generator, n: int = 6, k: int = 4) -> ForecastInput:
    pos = rng.uniform(0, 100, (n, k)).round(1)
    sal = rng.uniform(0.1, 1, (n, k)).round(2)
    pos[0, 1] = np.nan  # actor 0 takes no part in issue 1
    sal[0, 1] = 0.0
    sal[2, 2] = 0.0  # actor 2 has no salience for issue 2: absent there
    pos[1:, 3] = np.nan  # issue 3: actor 0 alone
    sal[1:, 3] = 0.0
    return ForecastInput(
        actors=tuple(f"a{i}" for i in range(n)),
        issues=tuple(f"i{j}" for j in range(k)),
        position=pos,
        salience=sal,
        capability=rng.uniform(0.1, 1, n).round(2),
        options=tuple(("lo", "hi") for _ in range(k)),
        option_at=tuple(np.array([0.0, 100.0]) for _ in range(k)),
        scenario="multi",
    )


@pytest.mark.parametrize("variant", [PAPER, COMPAT])
def test_predict_runs_each_issue_on_its_present_actors(variant: str) -> None:
    inp = multi_issue(np.random.default_rng(7))
    model = ExpectedUtility(rounds=6, variant=variant)
    fc = model.predict(inp)
    assert fc.trajectory is not None and fc.trajectory.shape == (7, 6, 4)
    assert np.all(np.isnan(fc.trajectory[:, 0, 1])) and np.all(np.isnan(fc.trajectory[:, 2, 2]))
    assert np.all(fc.trajectory[:, 0, 3] == inp.position[0, 3])  # alone: stays put
    assert fc.position[3] == inp.position[0, 3]
    for k in range(4):
        here = ~np.isnan(inp.position[:, k]) & (inp.salience[:, k] > 0)
        run = simulate_issue(
            inp.position[here, k],
            inp.capability[here],
            inp.salience[here, k],
            rounds=6,
            variant=variant,
        )
        assert fc.trajectory[:, here, k] == pytest.approx(run.positions, rel=1e-12)
        assert fc.position[k] == pytest.approx(run.forecast, rel=1e-12)
        assert fc.option[k] == inp.nearest_option(k, run.forecast)
        assert len(fc.details["moves"][inp.issues[k]]) == 6
        names = [inp.actors[a] for a in np.flatnonzero(here)]
        logged = [
            (m["actor"], m["kind"], m["partner"]) for m in fc.details["moves"][inp.issues[k]][0]
        ]
        assert logged == [(names[m.actor], m.kind, names[m.partner]) for m in run.moves(1)]
    assert fc.to_json()["rounds"] == 6


def test_predict_scales_and_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    inp = multi_issue(np.random.default_rng(3))
    base = ExpectedUtility(rounds=5).predict(inp)
    # saliences written 0..100 are read on that scale
    pct = dataclasses.replace(inp, salience=inp.salience * 100)
    assert ExpectedUtility(rounds=5).predict(pct).position == pytest.approx(base.position)
    # jittered 0..1 saliences above 1 stay on the 0..1 scale and count as 1
    over = inp.salience.copy()
    over[1, 0] = 1.3
    clipped = over.copy()
    clipped[1, 0] = 1.0
    a = ExpectedUtility(rounds=5).predict(dataclasses.replace(inp, salience=over))
    b = ExpectedUtility(rounds=5).predict(dataclasses.replace(inp, salience=clipped))
    assert np.array_equal(a.trajectory, b.trajectory, equal_nan=True)
    # an explicit scale
    half = ExpectedUtility(rounds=5, salience_scale=2.0).predict(
        dataclasses.replace(inp, salience=inp.salience * 2)
    )
    assert half.position == pytest.approx(base.position)
    # an explicit D changes the dynamics but not the range invariant
    wide = ExpectedUtility(rounds=5, position_range=100.0).predict(inp)
    assert wide.details["position_range"]["i0"] == 100.0
    # issues run in chunks when the vote tensor would be large: same result
    monkeypatch.setattr(eum, "_MAX_BATCH_CELLS", 1)
    chunked = ExpectedUtility(rounds=5).predict(inp)
    assert chunked.position == pytest.approx(base.position, rel=1e-12)
    assert chunked.details["moves"] == base.details["moves"]
    no_moves = ExpectedUtility(rounds=5, keep_moves=False).predict(inp)
    assert "moves" not in no_moves.details


def test_q_below_one_uses_the_better_worse_term() -> None:
    _, x, c, s = example()
    plain = simulate_issue(x, c, s, q=1.0)
    low = simulate_issue(x, c, s, q=0.5, t=0.5)
    assert not np.allclose(plain.positions, low.positions)
    # the public code has no such term: its Q only scales U_sq, and T plays no part
    assert np.array_equal(
        simulate_issue(x, c, s, q=0.5, t=0.0, variant=COMPAT).positions,
        simulate_issue(x, c, s, q=0.5, t=1.0, variant=COMPAT).positions,
    )


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown variant"):
        ExpectedUtility(variant="nope")
    with pytest.raises(ValueError, match="salience"):
        simulate_issue([1, 2], [1, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="position_range"):
        simulate_issue([1, 5], [1, 1], [0.5, 0.5], position_range=2)
    with pytest.raises(ValueError, match="centre"):
        ExpectedUtility(centre="mode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        simulate_issue([], [], [])


# --------------------------------------------------------------------------------------
# (3) the importer
# --------------------------------------------------------------------------------------


def test_read_bdm_csv() -> None:
    inp = read_bdm_csv(DATA / "ExampleActors.csv")
    assert inp.actors[:3] == ("Netherlands", "Belgium", "Luxembourg")
    assert inp.issues == ("issue",) and inp.scenario == "ExampleActors"
    assert inp.position.shape == (10, 1) and inp.position[1, 0] == 7.0
    assert inp.capability[0] == 0.08 and inp.salience[9, 0] == 0.7
    scaled = read_bdm_csv(DATA / "ExampleActors.csv", scale=(1, 10))
    assert scaled.position[:, 0] == pytest.approx((inp.position[:, 0] - 1) / 9 * 100)


HEADER = "Actor,Capability,Position,Salience\n"


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [
        ("", 1, "", "empty file"),
        ("\n\n", 1, "", "empty file"),
        ("Actor,Capability,Position\nA,1,2\n", 1, "Salience", "missing column"),
        (HEADER, 1, "", "no actors"),
        (HEADER + "A,0.5,abc,0.5\n", 2, "Position", "not a number: 'abc'"),
        (HEADER + "A,0.5,1,0.5\nB,-0.1,1,0.5\n", 3, "Capability", "must be > 0"),
        (HEADER + "A,0.5,1,1.5\n", 2, "Salience", "in [0, 1]"),
        (HEADER + "A,0.5,1,-0.2\n", 2, "Salience", "in [0, 1]"),
        (
            HEADER + "A,0.5,1,0.5\n\nA,0.2,2,0.5\n",
            4,
            "Actor",
            "duplicate actor 'A' (first on line 2)",
        ),
        (HEADER + "A,0.5,1\n", 2, "Salience", "missing value"),
        (HEADER + ",0.5,1,0.5\n", 2, "Actor", "missing actor name"),
        (HEADER + "A,nan,1,0.5\n", 2, "Capability", "not a finite number"),
    ],
)
def test_importer_errors_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, fragment: str
) -> None:
    path = tmp_path / "actors.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_bdm_csv(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), line, field)
    assert fragment in problem.message
    where = f"{path}:{line}:" + (f" {field}:" if field else "")
    assert str(err.value).startswith(where)


def test_importer_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "A,x,1,0.5\nB,0.5,1,2\nA,0.5,y,0.5\n")
    with pytest.raises(InputError) as err:
        read_bdm_csv(path)
    found = [(p.line, p.field) for p in err.value.problems]
    assert found == [(2, "Capability"), (3, "Salience"), (4, "Actor"), (4, "Position")]
    assert len(str(err.value).splitlines()) == 4


def test_importer_misc(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_bdm_csv(tmp_path / "missing.csv")
    assert err.value.problems[0].line is None
    path = tmp_path / "bom.csv"
    path.write_text("\ufeff salience , ACTOR,Position,Capability,Note\n0.5,A,3,1,x\n")
    inp = read_bdm_csv(path)
    assert inp.actors == ("A",) and inp.salience[0, 0] == 0.5 and inp.capability[0] == 1
    path.write_text(HEADER + "A,1,12,0.5\n")
    with pytest.raises(InputError, match="outside the scale"):
        read_bdm_csv(path, scale=(0, 10))


names_st = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters=',"\r\n\x00'), min_size=1)
    .map(str.strip)
    .filter(bool)
)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(
    st.lists(
        st.tuples(
            names_st,
            st.floats(0.001, 1e6),
            st.floats(-1e6, 1e6),
            st.floats(0, 1),
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda r: r[0],
    )
)
def test_importer_round_trip(tmp_path_factory: pytest.TempPathFactory, rows: list) -> None:
    path = tmp_path_factory.mktemp("bdm") / "t.csv"
    path.write_text(HEADER + "".join(f"{a},{c!r},{p!r},{s!r}\n" for a, c, p, s in rows))
    inp = read_bdm_csv(path)
    assert inp.actors == tuple(r[0] for r in rows)
    assert inp.capability.tolist() == [r[1] for r in rows]
    assert inp.position[:, 0].tolist() == [r[2] for r in rows]
    assert inp.salience[:, 0].tolist() == [r[3] for r in rows]
