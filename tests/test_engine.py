"""The engine against the brute-force oracle (tests/oracle.py) on random scenarios.

Every figure of ``analyze`` (zone, unanimous set, binding counts, Pareto frontier, the
five solutions, top and closest packages) is compared with plain-Python enumeration of
every package (the oracle reads the scenario dict, not the compiled space); frontier
invariants are checked on the engine's own output.
Utilities are drawn on a 0.05 grid so that ties (and the tie-break rule) are common.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oracle import brute

from zopa.analysis.analyze import analyze, frontier
from zopa.analysis.scan import scan
from zopa.scenario.load import load_scenario, validate
from zopa.scenario.yamlfile import Lines
from zopa.space.space import compile_space

DATA = Path(__file__).parent / "data"


@st.composite
def scenarios(
    draw: Any, max_issues: int = 4, max_options: int = 4, max_deciders: int = 4
) -> dict[str, Any]:
    n_dec = draw(st.integers(1, max_deciders))
    n_issues = draw(st.integers(1, max_issues))
    issues = []
    for k in range(n_issues):
        n_opt = draw(st.integers(1, max_options))
        issues.append(
            {
                "id": f"i{k}",
                "name": f"issue {k}",
                "options": [
                    {"id": f"o{j}", "at": 100 * j / max(1, n_opt - 1)} for j in range(n_opt)
                ],
            }
        )
    grid = st.integers(0, 20).map(lambda x: x / 20)
    roles = draw(st.lists(st.sampled_from(["party", "veto"]), min_size=n_dec, max_size=n_dec))
    actors = [
        {"id": f"D{i}", "name": f"d{i}", "role": roles[i], "capability": draw(st.integers(1, 5))}
        for i in range(n_dec)
    ]
    actors.append({"id": "S", "name": "spoiler", "role": "spoiler"})
    prefs: dict[str, Any] = {}
    for a in actors[:n_dec]:
        weights = {i["id"]: draw(st.integers(0, 4)) for i in issues}
        if sum(weights.values()) == 0:
            weights[issues[0]["id"]] = 1
        utilities, ideal = {}, {}
        for i in issues:
            if weights[i["id"]] == 0:
                continue
            if draw(st.booleans()):
                utilities[i["id"]] = {o["id"]: draw(grid) for o in i["options"]}
            else:
                ideal[i["id"]] = draw(st.integers(0, 10)) * 10
        red_lines = []
        for i in issues:
            if draw(st.integers(0, 4)) == 0:
                banned = draw(
                    st.lists(
                        st.sampled_from([o["id"] for o in i["options"]]), min_size=1, unique=True
                    )
                )
                red_lines.append({"issue": i["id"], "not": banned})
        p: dict[str, Any] = {"weights": weights, "reservation": draw(grid) * 0.8}
        if utilities:
            p["utilities"] = utilities
        if ideal:
            p["ideal"] = ideal
        if red_lines:
            p["red_lines"] = red_lines
        prefs[a["id"]] = p
    data: dict[str, Any] = {
        "zopa": 1,
        "id": "random",
        "title": "random",
        "actors": actors,
        "issues": issues,
        "preferences": prefs,
    }
    if n_dec > 1 and draw(st.booleans()):
        data["decision"] = {"rule": "quota", "at_least": draw(st.integers(1, n_dec))}
    return data


@st.composite
def model_scenarios(draw: Any) -> dict[str, Any]:
    """Random scenarios with the no-deal model: outcomes, credibility, spoilers, influence,
    reference-package constraints (each present or not)."""
    data = draw(scenarios(max_issues=3, max_options=3))
    dec = [a["id"] for a in data["actors"] if a["role"] in ("party", "veto")]
    grid = st.integers(0, 20).map(lambda x: x / 20)
    issues = data["issues"]
    # the spoiler S gets preferences
    data["preferences"]["S"] = {
        "weights": {i["id"]: 1 for i in issues},
        "utilities": {i["id"]: {o["id"]: draw(grid) for o in i["options"]} for i in issues},
    }
    if draw(st.booleans()):
        p = draw(st.integers(1, 9)) / 10
        data["no_deal"] = [
            {"id": "calm", "name": "calm", "probability": p,
             "values": {a: draw(grid) for a in [*dec, "S"]}},
            {"id": "strike", "name": "strike", "probability": round(1 - p, 10), "war": True,
             "values": {a: draw(grid) for a in [*dec, "S"]}},
        ]  # fmt: skip
        for d in dec:
            if draw(st.booleans()):
                data["preferences"][d].pop("reservation", None)
        if draw(st.booleans()):
            data["spoilers"] = [
                {"actor": "S", "outcome": "strike", "max_probability": draw(grid),
                 "threshold": draw(grid), "scale": draw(st.sampled_from([0.05, 0.1, 0.3]))}
            ]  # fmt: skip
    if len(dec) > 1 and draw(st.booleans()):
        data["credibility"] = {
            "trust": {
                i: {j: draw(grid) for j in dec if j != i and draw(st.booleans())} for i in dec
            }
        }
        for i in issues:
            for o in i["options"]:
                if draw(st.integers(0, 2)) == 0:
                    o["reverts"] = {
                        draw(st.sampled_from(dec)): draw(st.sampled_from(i["options"]))["id"]
                    }
                if draw(st.integers(0, 3)) == 0:
                    a, b = draw(st.permutations(dec))[:2]
                    o["trust"] = {a: {b: draw(st.integers(-4, 4)) / 10}}
    if draw(st.booleans()):
        i = dec[0]
        w = draw(st.integers(1, 5)) / 10
        data["influence"] = {i: {"S": w}}
    if draw(st.booleans()):
        data["reference_packages"] = [
            {"id": "ref", "name": "ref",
             "package": {i["id"]: draw(st.sampled_from(i["options"]))["id"] for i in issues}}
        ]  # fmt: skip
        data["constraints"] = [{"actor": dec[-1], "beats": "ref", "margin": draw(grid) / 4}]
    return data


def _check(data: dict[str, Any], **kw: Any) -> None:
    sc = validate(data, Lines(), "<random>")
    space = compile_space(sc)
    got = analyze(space, top=5, closest=3, **kw)
    want = brute(data)
    assert got.outcomes == want["outcomes"]
    assert got.zone == want["zone"]
    assert got.unanimous == want["unanimous"]
    for b in got.binding:
        assert b.red_lines_remove == want["red_removed"][b.decider]
        assert b.reservation_removes == want["res_removed"][b.decider]
        assert b.sole_objector == want["sole"][b.decider]
    assert got.pareto_size == len(want["front"])
    assert [p.index for p in got.pareto] == want["front"]
    for name, s in got.solutions.items():
        w = want["solutions"][name]
        if w is None:
            assert s is None, name
        else:
            assert s is not None, name
            assert s.index == w[0], name
            assert s.value == pytest.approx(w[1], abs=1e-9), name
    # Kalai-Smorodinsky by its own second pass (no frontier guess) agrees too
    again = scan(space, top=0, closest=0).solutions["kalai_smorodinsky"]
    w = want["solutions"]["kalai_smorodinsky"]
    assert (again is None) if w is None else (again is not None and again[0] == w[0])
    rows = want["rows"]
    # top packages: zone ranked by Nash product of clipped gains, ties by index
    res = want["reservation"]
    dec = want["deciders"]
    ranked = sorted(
        (r for r in rows if r["zone"]),
        key=lambda r: (-np.prod([max(r["u"][d] - res[d], 0) for d in dec]), r["index"]),
    )
    nash = [np.prod([max(r["u"][d] - res[d], 0) for d in dec]) for r in ranked]
    got_top = [p.index for p in got.top]
    assert len(got_top) == min(5, len(ranked))
    for i, idx in enumerate(got_top):  # same values in the same order (ties may reorder)
        assert np.prod([max(got.top[i].gains[d], 0) for d in dec]) == pytest.approx(nash[i])
        assert rows[idx]["zone"]

    # closest: smallest (red-line violations, largest shortfall)
    def key(r: dict[str, Any]) -> float:
        return r["crossed"] * 10 + r["short"]

    if want["zone"] == 0:  # closest packages are reported when there is no zone
        keys = sorted(key(r) for r in rows)[:3]
        assert [key(rows[c.index]) for c in got.closest] == pytest.approx(keys)
    else:
        assert got.closest == []
    # frontier invariants on the engine's own output
    zone_idx = [r["index"] for r in rows if r["zone"]]
    front = {p.index for p in got.pareto}
    assert front <= set(zone_idx)
    for p in got.pareto:
        for r in rows:
            if r["zone"]:
                u = r["u"]
                assert not (
                    all(u[d] >= p.utilities[d] - 1e-9 for d in dec)
                    and any(u[d] > p.utilities[d] + 1e-9 for d in dec)
                )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_matches_brute_force(data: dict[str, Any]) -> None:
    """Zone, binding, frontier, solutions, top, closest == brute-force oracle."""
    _check(data)


def _issue(k: int, n: int) -> dict[str, Any]:
    opts = [{"id": f"o{j}", "at": 100 * j / max(1, n - 1)} for j in range(n)]
    return {"id": f"i{k}", "name": f"issue {k}", "options": opts}


# Found by hypothesis: D0 values packages 4 and 11 equally (3/11 * 0.65 on issue i1, or
# 3/11 * 0.2 + 3/11 * 0.45 on i1 and i4), and 4 is better for D1, so 4 dominates 11. Each
# issue's weighted utility rounded to the grid on its own made 11 one grid step better for
# D0 (a frontier of 4 packages, not 3); whole sums on the grid tie. Under quota 1, D1's and
# D2's red lines on i0 (one option) leave D0 the only winning coalition.
TIES_OF_SUMS: dict[str, Any] = {
    "zopa": 1,
    "id": "random",
    "title": "random",
    "actors": [
        *({"id": f"D{i}", "name": f"d{i}", "role": "party", "capability": 1} for i in range(3)),
        {"id": "S", "name": "spoiler", "role": "spoiler"},
    ],
    "issues": [_issue(0, 1), _issue(1, 3), _issue(2, 1), _issue(3, 1), _issue(4, 4)],
    "preferences": {
        "D0": {
            "weights": {"i0": 0, "i1": 3, "i2": 1, "i3": 4, "i4": 3},
            "reservation": 0.0,
            "utilities": {"i1": {"o0": 0.0, "o1": 0.65, "o2": 0.2},
                          "i4": {"o0": 0.0, "o1": 0.0, "o2": 0.0, "o3": 0.45}},
            "ideal": {"i2": 0, "i3": 0},
        },
        "D1": {
            "weights": {"i0": 1, "i1": 1, "i2": 0, "i3": 0, "i4": 1},
            "reservation": 0.0,
            "utilities": {"i1": {"o0": 0.0, "o1": 0.0, "o2": 0.05}},
            "ideal": {"i0": 0, "i4": 0},
            "red_lines": [{"issue": "i0", "not": ["o0"]}, {"issue": "i1", "not": ["o0"]},
                          {"issue": "i3", "not": ["o0"]}],
        },
        "D2": {
            "weights": {"i0": 1, "i1": 0, "i2": 0, "i3": 0, "i4": 0},
            "reservation": 0.0,
            "ideal": {"i0": 0},
            "red_lines": [{"issue": "i0", "not": ["o0"]}],
        },
    },
    "decision": {"rule": "quota", "at_least": 1},
}  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_issues=5, max_options=4))
@example(TIES_OF_SUMS)
def test_engine_matches_brute_force_in_small_chunks(data: dict[str, Any]) -> None:
    """The same with chunks of 7 packages on 2 threads: chunk seams change nothing."""
    _check(data, chunk=7, threads=2)


def test_frontier_compares_whole_sums_on_the_grid() -> None:
    """Values equal up to float rounding tie, however the sums are made up: 4 dominates 11."""
    space = compile_space(validate(TIES_OF_SUMS, Lines(), "<ties>"))
    assert brute(TIES_OF_SUMS)["front"] == [4, 7, 8]
    assert frontier(space).tolist() == [4, 7, 8]
    assert frontier(space, threads=1, chunk=5, max_coalitions=0).tolist() == [4, 7, 8]
    _check(TIES_OF_SUMS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_streamed_frontier_equals_issue_by_issue(data: dict[str, Any]) -> None:
    """The chunk-streamed frontier (fallback) equals the issue-by-issue construction."""
    space = compile_space(validate(data, Lines(), "<random>"))
    a = frontier(space, threads=1, chunk=5, max_coalitions=0)
    b = frontier(space)
    assert a.tolist() == b.tolist() == brute(data)["front"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_scenarios())
def test_deal_model_matches_brute_force(data: dict[str, Any]) -> None:
    """With credibility, spoilers, influence, constraints and derived reservations: every
    figure equals the oracle's plain-Python deal values (tests/oracle.py)."""
    _check(data)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_scenarios())
def test_deal_model_in_small_chunks(data: dict[str, Any]) -> None:
    """The same with chunks of 5 packages on 2 threads."""
    _check(data, chunk=5, threads=2)


def test_toy_scenario_figures() -> None:
    """The toy scenario (tests/data/toy.yaml): zone 2, Nash high/slow (0.7, 0.5), value 0.06."""
    a = analyze(compile_space(load_scenario(DATA / "toy.yaml")))
    j = a.to_json()
    assert j["outcomes"] == 6 and j["deciders"] == ["A", "B"]
    assert j["agreement_zone"]["size"] == 2 and j["agreement_zone"]["unanimous"] == 2
    assert j["pareto"]["size"] == 2
    want = {
        "nash": 0.06,
        "kalai_smorodinsky": 0.4444444444,
        "utilitarian": 1.2,
        "egalitarian": 0.2,
    }
    for name, value in want.items():
        s = j["solutions"][name]
        assert s["package"] == {"price": "high", "delivery": "slow"}
        assert s["utilities"] == {"A": 0.7, "B": 0.5}
        assert s["value"] == pytest.approx(value, abs=1e-9)


def test_empty_zone_reports_closest() -> None:
    """With reservations nobody can meet, the closest packages and shortfalls are reported."""
    data = {
        "zopa": 1,
        "id": "nodeal",
        "title": "no deal",
        "actors": [
            {"id": "A", "name": "a", "role": "party"},
            {"id": "B", "name": "b", "role": "party"},
        ],
        "issues": [
            {"id": "x", "name": "x", "options": [{"id": f"o{j}", "at": j * 25} for j in range(5)]}
        ],
        "preferences": {
            "A": {"weights": {"x": 1}, "ideal": {"x": 0}, "reservation": 0.7},
            "B": {"weights": {"x": 1}, "ideal": {"x": 100}, "reservation": 0.7},
        },
    }
    a = analyze(compile_space(validate(data, Lines(), "t")))
    assert a.zone == 0 and all(s is None for s in a.solutions.values())
    best = a.closest[0]
    assert best.package == {"x": "o2"}  # the midpoint: both fall 0.2 short
    assert best.shortfall == pytest.approx({"A": 0.2, "B": 0.2})
    assert a.to_json()["closest"][0]["largest_shortfall"] == pytest.approx(0.2)
    assert a.to_json()["solutions"] == {k: None for k in a.solutions}


@pytest.mark.parametrize("name", ["toy.yaml", "toy_nodeal.yaml", "ordinal.yaml"])
def test_broadcast_tables_equal_the_gather(name: str) -> None:
    """Space.utilities_all / red_line_ok_all (broadcasting the issues' tables) against the
    per-package gather over every index: equal bit for bit."""
    space = compile_space(load_scenario(Path(__file__).parent / "data" / name))
    idx = np.arange(space.size, dtype=np.int64)
    actors = np.arange(len(space.actors))
    assert np.array_equal(space.utilities_all(actors), space.utilities(idx, actors))
    assert np.array_equal(space.red_line_ok_all(actors), space.red_line_ok(idx, actors))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=5),
    st.integers(0, 5),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_tail_block_by_broadcast_equals_the_gather(
    shape: list[int], split: int, rows: int, seed: int
) -> None:
    """The scan's tail block (scan._part_all, broadcasting) against scan._part's gather
    over every sub-package index: equal bit for bit, signed zeros and red lines included."""
    from zopa.analysis import scan as scan_mod

    rng = np.random.default_rng(seed)
    tables = [rng.choice([-0.0, 0.0, 0.1, 0.3, 1e-17, 0.7], (rows, n)) for n in shape]
    allowed = [rng.random((3, n)) > 0.3 for n in shape]
    issues = range(min(split, len(shape)), len(shape))
    index = np.arange(int(np.prod([shape[k] for k in issues], dtype=np.int64)))
    u, bad = scan_mod._part(tables, allowed, issues, index)
    u2, bad2 = scan_mod._part_all(tables, allowed, issues)
    assert u.dtype == u2.dtype and bad.dtype == bad2.dtype
    assert u.tobytes() == u2.tobytes() and bad.tobytes() == bad2.tobytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_issues=3, max_options=3, max_deciders=9))
def test_many_deciders_match_brute_force(data: dict[str, Any]) -> None:
    """Up to 9 deciders (vetoes and quota rules included): the frontier is streamed from
    the scan instead of built issue by issue; everything still equals the brute-force
    oracle, in one chunk and in chunks of 4 on 2 threads."""
    _check(data)
    _check(data, chunk=4, threads=2)


def test_filter_estimate_prices_a_zone_all_on_its_frontier(monkeypatch: pytest.MonkeyPatch) -> None:
    """The frontier's cost estimate against its own terms: in 28 random dimensions every
    sampled package is on the frontier, and a comparison costs 1 + DENSE x 0.3 times the
    plain rate; in 3 dimensions few are, and the plain rate holds. The estimate grows with
    the zone (about as its square when all of it is on the frontier)."""
    import zopa.analysis.scan as scan_module
    from zopa.analysis.scan import DENSE, filter_seconds

    rng = np.random.default_rng(1)
    dense, sparse = rng.integers(0, 2**20, (2000, 28)), rng.integers(0, 2**20, (2000, 3))
    with_factor = filter_seconds(dense, 80_000), filter_seconds(sparse, 80_000)
    monkeypatch.setattr(scan_module, "DENSE", 0.0)
    plain = filter_seconds(dense, 80_000), filter_seconds(sparse, 80_000)
    assert with_factor[0] / plain[0] == pytest.approx(1 + DENSE * 0.3)
    assert with_factor[1] == plain[1]
    assert filter_seconds(dense, 160_000) / plain[0] == pytest.approx(4, rel=0.01)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_issues=3, max_options=3, max_deciders=8))
def test_frontier_budget_leaves_the_rest_alone(data: dict[str, Any]) -> None:
    """With no time for the frontier it is reported as not computed (with an estimate)
    whenever it is streamed; the zone, binding, solutions and top are those of the
    unlimited run."""
    space = compile_space(validate(data, Lines(), "<random>"))
    full = analyze(space, frontier_budget=None)
    none = analyze(space, frontier_budget=0.0)
    streamed = len(space.deciders) > 3 and full.zone > 0
    if streamed:
        assert none.pareto_size is None and none.pareto == []
        assert none.pareto_estimate is not None and none.pareto_estimate > 0
        assert none.to_json()["pareto"]["computed"] is False
    else:
        assert none.pareto_size == full.pareto_size
    a, b = full.to_json(), none.to_json()
    for key in ("agreement_zone", "binding", "solutions", "top", "closest"):
        assert a[key] == b[key], key
    assert full.pareto_size == len(brute(data)["front"])


def _brute_mask(q: np.ndarray) -> np.ndarray:
    """Undominated rows by the definition, pair by pair (the oracle for the filters)."""
    n = len(q)
    return np.array(
        [not any((q[j] >= q[i]).all() and (q[j] > q[i]).any() for j in range(n))
         for i in range(n)],
        dtype=bool,
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda d: st.lists(
            st.lists(st.integers(0, 4), min_size=d, max_size=d), min_size=1, max_size=60
        )
    ),
    st.integers(1, 5),
)
def test_dominance_filter_and_merge_match_pairwise(rows: list[list[int]], parts: int) -> None:
    """pareto_mask (1 to 12 columns, many ties) and the running front merged from chunk
    fronts both equal the pairwise definition."""
    from zopa.analysis.pareto import RunningFront, pareto_mask

    q = np.array(rows, dtype=np.int64)
    want = _brute_mask(q)
    assert pareto_mask(q).tolist() == want.tolist()
    running = RunningFront(q.shape[1])
    for chunk in np.array_split(np.arange(len(q)), parts):
        if len(chunk):
            m = pareto_mask(q[chunk])
            running.add(chunk[m], q[chunk][m])
    assert running.result().tolist() == np.flatnonzero(want).tolist()


def test_filter_past_its_deadline_stops() -> None:
    """A filter already past its deadline raises OverBudget instead of running on."""
    import time

    from zopa.analysis.pareto import OverBudget, pareto_mask

    q = np.random.default_rng(0).integers(0, 1000, size=(5000, 8))
    with pytest.raises(OverBudget):
        pareto_mask(q, deadline=time.monotonic() - 1)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 8000), min_size=1, max_size=3),
    st.integers(1, 12),
    st.sampled_from([2, 40, 10**6]),
    st.integers(0, 12),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_top_n_sift_equals_sorting(
    sizes: list[int], n: int, spread: int, planted: int, seed: int, nan: bool
) -> None:
    """TopN, streamed (sifting blocks of over 4 SIFT n keys by a sample's n-th key),
    equals sorting every (key, index) pair and taking the first n: keys with many ties
    (a few planted below all others, which a sample misses), NaN too (never among the
    first n while there are n others)."""
    from zopa.analysis.scan import TopN

    rng = np.random.default_rng(seed)
    top, pairs, start = TopN(n), [], 0
    for size in sizes:
        key = rng.integers(0, spread, size=size) / 8
        key[rng.integers(0, size, size=min(size, planted))] = -1.0
        if nan:
            key[::7] = np.nan
        idx = np.arange(start, start + size)
        start += size
        top.update(key, idx)
        pairs += [(k, int(i)) for k, i in zip(key, idx, strict=True) if not np.isnan(k)]
    want = sorted(pairs)[:n]
    got = list(zip(top.key.tolist(), top.idx.tolist(), strict=True))
    assert got[: len(want)] == want


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=300),
    st.sampled_from([1.0, 0.5, 1 / 3, 0.2, 1 / 28]),
    st.sampled_from([0.0, 1e-14, 1e-13, 5e-13, 1e-12, 2e-12]),
    st.floats(1e-6, 1e6),
)
def test_power_of_near_best_equals_power_of_all(
    steps: list[int], power: float, eps: float, scale: float
) -> None:
    """Weighted Nash with equal shares: the tie rule over ``p ** power`` taken only where
    near_power_best keeps ``p`` picks the same package, with the same value, as over the
    power of every ``p`` (values a few TIE apart around the best, and zeros)."""
    from zopa.analysis.solutions import Best, near_power_best

    p = np.array([0.0 if s == 6 else scale * (1 - s * eps) for s in steps])
    idx = np.arange(len(p))
    whole = Best()
    whole.update(p**power, idx)
    near = near_power_best(p, power)
    part = Best()
    part.update(p[near] ** power, idx[near])
    assert part.result() == whole.result()


def test_engine_when_every_package_is_accepted() -> None:
    """No red lines, reservations 0, equal capabilities: each chunk takes the everyone-
    accepts path, weighted Nash the power-of-the-product path and the top packages the
    sift (2,401 packages in chunks of 2,401 and 343); all equal the brute-force oracle."""
    rng = np.random.default_rng(7)
    issues = [_issue(k, 7) for k in range(4)]
    data: dict[str, Any] = {
        "zopa": 1,
        "id": "all-accept",
        "title": "all accept",
        "actors": [
            {"id": f"D{i}", "name": f"d{i}", "role": "party", "capability": 2} for i in range(3)
        ],
        "issues": issues,
        "preferences": {
            f"D{i}": {
                "weights": {s["id"]: 1 for s in issues},
                "reservation": 0.0,
                "utilities": {
                    s["id"]: {o["id"]: float(rng.integers(0, 21)) / 20 for o in s["options"]}
                    for s in issues
                },
            }
            for i in range(3)
        },
    }
    _check(data)
    _check(data, chunk=343, threads=2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_scenarios(), st.sampled_from([0, 5, 40]))
def test_kept_deal_values_give_the_second_pass_s_kalai_smorodinsky(
    data: dict[str, Any], keep: int
) -> None:
    """With a deal model (no frontier guess) Kalai-Smorodinsky is found from the unanimous
    set's deal values the pass keeps; when they pass KEEP, by a second pass: the same
    package and value either way, in chunks of 7 on 2 threads too."""
    import zopa.analysis.scan as scan_module

    space = compile_space(validate(data, Lines(), "<random>"))
    kept = scan(space, top=0, closest=0).solutions["kalai_smorodinsky"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scan_module, "KEEP", keep)
        again = scan(space, top=0, closest=0, chunk=7, threads=2).solutions["kalai_smorodinsky"]
    assert again == kept
