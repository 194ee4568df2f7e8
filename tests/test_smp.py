"""Tests of KTAB's Spatial Model of Politics (zopa.forecasting.smp) and KTAB's file readers.

The reproduction tests compare with KTAB's reference runs of 30 May 2017, read from the
log extracts in tests/data/ktab (see the README there): the number of turns, every
actor's position at every state (KTAB prints them to 0.1 on the 0..100 scale), the
stopping statistic of every turn and the final winning probabilities.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zopa.errors import InputError
from zopa.forecasting.base import ForecastInput
from zopa.forecasting.smp import (
    KtabPrng,
    SmpParams,
    SpatialModel,
    ThreadOrder,
    ktab_saliences,
    run_smp,
    scalar_pce,
)
from zopa.io.ktab import (
    read,
    read_csv,
    read_xml,
    to_forecast_input,
    to_scenario_dict,
)

DATA = Path(__file__).parent / "data" / "ktab"
TOL = 0.5  # on the 0..100 scale


# ---------------------------------------------------------------------------------------
# reading KTAB's logs


@dataclass
class Reference:
    turns: int
    history: dict[str, np.ndarray]  # actor -> (states, dims) on 0..100
    probability: dict[str, np.ndarray]  # actor -> (states,)
    fractional_change: list[float]  # one per turn
    parameters: dict[str, str]
    thread_order: list[ThreadOrder]


def reference(name: str) -> Reference:
    """Parse ``20170530_ref-<name>-extract.txt``."""
    lines = (DATA / f"20170530_ref-{name}-extract.txt").read_text().splitlines()
    states = next(
        int(m.group(1)) for ln in lines if (m := re.match(r"There were (\d+) states", ln))
    )
    start = lines.index("History of actor positions over time: ")
    stop = lines.index("History of actors' winning probabilities: ")
    history: dict[str, list[list[float]]] = {}
    for ln in lines[start + 1 : stop]:
        head, values = ln.split(":", 1)
        actor = head.split(",")[0]
        history.setdefault(actor, []).append([float(v) for v in values.split()])
    probability = {}
    for ln in lines[stop + 1 :]:
        if ", prob :" not in ln:
            break
        head, values = ln.split(":", 1)
        probability[head.split(",")[0]] = np.array([float(v) for v in values.split()])
    change = [
        float(m.group(1)) for ln in lines if (m := re.match(r"Fractional change .*: (\S+)", ln))
    ]
    parameters = {}
    for ln in lines:
        m = re.match(
            r"(VictoryProbModel|VotingRule|PCEModel|StateTransitions|BigRRange|"
            r"BigRAdjust|ThirdPartyCommit|InterVecBrgn|BargnModel): (\S+)",
            ln,
        )
        if m:
            parameters[m.group(1)] = m.group(2)
    return Reference(
        turns=states - 1,
        history={a: np.array(v).T for a, v in history.items()},
        probability=probability,
        fractional_change=change,
        parameters=parameters,
        thread_order=thread_orders(lines),
    )


def thread_orders(lines: list[str]) -> list[ThreadOrder]:
    """Per turn: the order in which KTAB's threads queued the initiators' bargains (a
    linear extension of the order of the bargains in every queue) and resolved the queues.
    """
    turns: list[tuple[list[list[int]], list[int]]] = []
    for ln in lines:
        if ln.startswith("Bargains to be resolved"):
            turns.append(([], []))
        elif ln.startswith("Bargains involving actor") and turns:
            pairs = re.findall(r"\[\d+, (\d+):(\d+)\]", ln)
            turns[-1][0].append([int(i) for i, j in pairs if i != j])
        elif (m := re.match(r"Doing scalarPCE for the \d+ bargains of actor (\d+)", ln)) and turns:
            turns[-1][1].append(int(m.group(1)))
    out = []
    for queues, resolution in turns:
        n = len(queues)
        after: dict[int, set[int]] = {i: set() for i in range(n)}
        for q in queues:
            for a, b in itertools.pairwise(q):
                after[a].add(b)
        order: list[int] = []
        while len(order) < n:  # the smallest actor with no unplaced predecessor first
            placed = set(order)
            ready = [
                i
                for i in range(n)
                if i not in placed and not any(i in after[a] for a in range(n) if a not in placed)
            ]
            order.append(ready[0])
        out.append(ThreadOrder(tuple(order), tuple(resolution)))
    return out


def compare(result, data, ref: Reference) -> None:
    """Turns, every position at every state, the stopping statistic, final probabilities."""
    assert result.turns == ref.turns
    for a, actor in enumerate(data.actors):
        mine = result.positions[:, a, :] * 100.0
        assert mine.shape == ref.history[actor].shape
        assert np.max(np.abs(mine[-1] - ref.history[actor][-1])) <= TOL, actor
        # printed to 0.1: the whole trajectory agrees to the printing precision
        assert np.max(np.abs(mine - ref.history[actor])) <= 0.05 + 1e-9, actor
        assert np.max(np.abs(result.probabilities[:, a] - ref.probability[actor])) <= 5e-5 + 1e-9
    change = [t.fractional_change for t in result.history]
    assert np.allclose(change, ref.fractional_change, atol=5e-5 + 1e-9, rtol=0)


# ---------------------------------------------------------------------------------------
# reproduction of KTAB's reference runs


def test_reproduces_soe_pol_comp() -> None:
    """SOE-Pol-Comp.csv with KTAB's defaults vs 20170530_ref-SOE-Pol-Comp.txt (extract):
    27 turns (28 states), every position within 0.05 (KTAB prints to 0.1)."""
    data = read_csv(DATA / "SOE-Pol-Comp.csv")
    ref = reference("SOE-Pol-Comp")
    assert SmpParams.from_ktab(ref.parameters) == SmpParams()
    result = run_smp(data.position / 100, data.salience / 100, data.capability)
    compare(result, data, ref)
    assert ref.turns == 27
    # WY never moves
    assert np.allclose(result.positions[:, 12, :], result.positions[0, 12, :])


def test_reproduces_dummy_data_3dim() -> None:
    """dummyData_3Dim.csv with KTAB's defaults vs 20170530_ref-dummyData_3Dim.txt
    (extract): 10 turns, every position within 0.05."""
    data = read_csv(DATA / "dummyData_3Dim.csv")
    ref = reference("dummyData_3Dim")
    assert SmpParams.from_ktab(ref.parameters) == SmpParams()
    result = run_smp(data.position / 100, data.salience / 100, data.capability)
    compare(result, data, ref)


def test_reproduces_smp_example() -> None:
    """smpExample-20170530.xml (MarkovIncentive, PropCbc, Stochastic with the file's PRNG
    seed, ideal adjustments) vs 20170530_ref-smpExample.txt (extract): 14 turns, every
    position within 0.05. KTAB ran the bargaining phases in threads; the order the log
    shows is replayed (without it the stochastic run takes another path)."""
    data = read_xml(DATA / "smpExample-20170530.xml")
    ref = reference("smpExample")
    params = SmpParams.from_ktab(data.parameters)
    assert params == SmpParams.from_ktab(ref.parameters)
    assert params.state_transitions == "Stochastic"
    result = run_smp(
        data.position / 100,
        data.salience / 100,
        data.capability,
        params=params,
        accommodation=data.accommodation,
        seed=data.seed,
        thread_order=ref.thread_order,
    )
    compare(result, data, ref)
    # ideals lag behind positions where the accommodation matrix is not the identity
    assert not np.allclose(result.ideals[1], result.positions[1])


def test_spatial_model_forecasts_soe() -> None:
    """The forecast is the final position of the most probable actor (KTAB's winning
    probabilities: MOF, SHX and HLJ share the top position at the final state)."""
    inputs = to_forecast_input(read(DATA / "SOE-Pol-Comp.csv"))
    forecast = SpatialModel().predict(inputs)
    ref = reference("SOE-Pol-Comp")
    assert forecast.model == "smp"
    assert forecast.rounds == 27
    assert forecast.trajectory is not None and forecast.trajectory.shape == (28, 13, 2)
    best = max(ref.probability, key=lambda a: ref.probability[a][-1])
    assert forecast.details["most_probable"] == best == "MOF"
    assert np.allclose(forecast.position, ref.history["MOF"][-1], atol=0.05 + 1e-9)
    assert forecast.option == ("p040", "p030")
    assert forecast.details["salience_scale"] == "percent"
    out = forecast.to_json()
    assert out["rounds"] == 27 and set(out["issues"]) == {"policy_position", "competitive_position"}
    expected = forecast.details["expected"]
    assert np.all((expected >= 0) & (expected <= 100))


# ---------------------------------------------------------------------------------------
# the model's pieces and invariants


def test_ktab_prng_is_mt19937_64_with_qtrans() -> None:
    prng = KtabPrng(5489)
    for _ in range(9999):
        prng.next_u64()
    assert prng.next_u64() == 9981545732273789042  # the C++ standard's check value
    u = [KtabPrng(3507583219545544127).uniform() for _ in range(1)]
    assert 0.0 <= u[0] <= 1.0
    assert KtabPrng(7).prob_sel(np.array([0.0, 0.0, 1.0])) == 2


def test_params_validate() -> None:
    assert SmpParams(voting_rule="Prop").voting_rule == "Proportional"
    with pytest.raises(ValueError, match="pce"):
        SmpParams(pce="Nope")
    with pytest.raises(ValueError, match="bargain_model"):
        SmpParams(bargain_model="PWCompInterp")


def test_ktab_saliences_scales() -> None:
    s, scale = ktab_saliences(np.array([[24.0, 48.0], [44.7, 41.3]]))
    assert scale == "percent" and np.allclose(s, [[0.24, 0.48], [0.447, 0.413]])
    s, scale = ktab_saliences(np.array([[0.7, 0.3], [0.2, 0.2]]))
    assert scale == "normalise" and np.allclose(s.sum(axis=1), 1.0)
    s, scale = ktab_saliences(np.array([[80.0, 70.0], [0.0, 0.0]]))
    assert scale == "normalise" and np.allclose(s, [[80 / 150, 70 / 150], [0, 0]])
    with pytest.raises(ValueError):
        ktab_saliences(np.array([[80.0, 70.0]]), "percent")


def test_unanimous_actors_do_not_move() -> None:
    x = np.full((4, 2), 0.3)
    s = np.full((4, 2), 0.4)
    result = run_smp(x, s, np.array([1.0, 2.0, 3.0, 4.0]))
    assert result.turns == 2
    assert np.allclose(result.positions, 0.3)
    assert np.all(result.history[0].target == -1)


def test_input_checks() -> None:
    with pytest.raises(ValueError):
        run_smp(np.array([[50.0], [20.0]]), np.array([[0.5], [0.5]]), np.ones(2))
    with pytest.raises(ValueError):
        run_smp(np.array([[0.5], [0.2]]), np.array([[0.7, 0.6]]).T * 2, np.ones(2))
    with pytest.raises(ValueError, match="permutation"):
        run_smp(
            np.array([[0.1], [0.9], [0.5]]),
            np.full((3, 1), 0.5),
            np.ones(3),
            thread_order=[ThreadOrder((0, 0, 1), (0, 1, 2))],
        )


actors_dims = st.tuples(st.integers(2, 6), st.integers(1, 3))


@st.composite
def smp_inputs(draw):
    n, d = draw(actors_dims)
    unit = st.floats(0.0, 1.0, allow_nan=False)
    x = np.array(draw(st.lists(unit, min_size=n * d, max_size=n * d))).reshape(n, d)
    raw = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n * d, max_size=n * d)))
    total = np.array(draw(st.lists(st.floats(0.3, 1.0), min_size=n, max_size=n)))
    s = raw.reshape(n, d)
    s = s / s.sum(axis=1, keepdims=True) * total[:, None]
    c = np.array(draw(st.lists(st.floats(1.0, 200.0), min_size=n, max_size=n)))
    return x, s, c


@settings(max_examples=40, deadline=None)
@given(smp_inputs())
def test_invariants(inputs) -> None:
    """Positions stay inside the initial bounding box (bargains interpolate, to 4
    decimals); shapes, turns and probabilities are consistent; ideals track positions."""
    x, s, c = inputs
    result = run_smp(x, s, c, max_turns=15)
    n, d = x.shape
    assert 1 <= result.turns <= 15
    assert result.positions.shape == (result.turns + 1, n, d)
    assert len(result.history) == result.turns
    lo, hi = x.min(axis=0), x.max(axis=0)
    assert np.all(result.positions >= lo - 5e-5) and np.all(result.positions <= hi + 5e-5)
    assert np.array_equal(result.ideals, result.positions)
    assert np.all((result.probabilities >= 0) & (result.probabilities <= 1 + 1e-12))
    assert np.all(result.risk >= -0.5 - 1e-6) and np.all(result.risk <= 1 + 1e-6)
    for turn in result.history:
        for k in range(n):
            p = turn.bargain_prob[k]
            assert p.size == len(turn.queue[k]) and abs(p.sum() - 1) < 1e-9
        moved = np.any(result.positions[turn.turn] != result.positions[turn.turn - 1], axis=1)
        assert np.all(turn.chosen[moved] > 0)
    if result.turns < 15:
        assert result.history[-1].fractional_change < 0.02


def test_permuting_actors_permutes_the_run() -> None:
    rng = np.random.default_rng(7)
    x = rng.random((6, 2))
    s = rng.dirichlet(np.ones(2), size=6) * 0.8
    c = rng.uniform(10, 100, size=6)
    perm = rng.permutation(6)
    a = run_smp(x, s, c)
    b = run_smp(x[perm], s[perm], c[perm])
    assert a.turns == b.turns
    assert np.allclose(a.positions[:, perm], b.positions, atol=1e-9)


def test_spatial_model_absent_actor_and_scales() -> None:
    """An absent actor (NaN) gets salience 0 and the capability-weighted mean there;
    weights summing to 1 are read as already normalised."""
    inputs = ForecastInput(
        actors=("a", "b", "c"),
        issues=("x", "y"),
        position=np.array([[10.0, 80.0], [90.0, np.nan], [40.0, 20.0]]),
        salience=np.array([[0.5, 0.5], [1.0, 0.0], [0.3, 0.7]]),
        capability=np.array([1.0, 2.0, 3.0]),
    )
    forecast = SpatialModel().predict(inputs)
    assert forecast.details["salience_scale"] == "normalise"
    assert forecast.details["imputed"].tolist() == [[False, False], [False, True], [False, False]]
    traj = forecast.trajectory
    assert traj is not None and traj.shape == (forecast.rounds + 1, 3, 2)
    assert traj[0, 1, 1] == pytest.approx((1 * 80 + 3 * 20) / 4)
    assert np.all((forecast.position >= 0) & (forecast.position <= 100))
    # the forecast on y is a present actor's final position
    assert forecast.position[1] in {traj[-1, 0, 1], traj[-1, 2, 1]}
    # one actor: no run
    one = ForecastInput(("a",), ("x",), np.array([[30.0]]), np.array([[50.0]]), np.ones(1))
    assert SpatialModel().predict(one).position.tolist() == [30.0]


# ---------------------------------------------------------------------------------------
# KTAB file readers


def test_csv_and_xml_spellings_agree() -> None:
    a = read(DATA / "dummyData_3Dim.csv")
    b = read(DATA / "dummyData_3Dim-no-final-comma.csv")
    c = read(DATA / "dummyData_3Dim.xml")
    for other in (b, c):
        assert other.actors == a.actors and other.dimensions == a.dimensions
        assert np.array_equal(other.capability, a.capability)
        assert np.array_equal(other.position, a.position)
        assert np.array_equal(other.salience, a.salience)
    assert a.name == "DummyData_3Dim" and a.description == "Dummy scenario to test reading format"
    assert a.dimensions == ("Pstn1", "Pstn2", "Pstn3")
    assert c.seed == 3707583219545544125 and c.accommodation is None


def test_xml_parameters_seed_and_accommodation() -> None:
    data = read(DATA / "smpExample-20170530.xml")
    assert data.parameters["PCEModel"] == "MarkovIncentive"
    assert data.seed == 3507583219545544127
    acc = data.accommodation
    assert acc is not None
    assert acc[0, 0] == 0.87 and acc[1, 0] == 0.07 and acc[2, 3] == 0.13 and acc[4, 4] == 1.0
    # the file at KTAB's HEAD leaves Alice's first coordinate empty: a missing position
    head = read(DATA / "smpExample.xml")
    assert np.isnan(head.position[0, 0]) and np.isnan(head.position).sum() == 1
    inputs = to_forecast_input(head)
    assert inputs.salience[0, 0] == 0.0 and not inputs.present[0, 0]
    sc = to_scenario_dict(head)
    assert "firstdim" not in sc["preferences"]["Alice"]["ideal"]
    assert "firstdim" not in sc["preferences"]["Alice"]["weights"]
    forecast = SpatialModel().predict(inputs)
    assert forecast.position.shape == (3,)


def test_to_scenario_dict_is_a_valid_scenario() -> None:
    from zopa.scenario.load import validate
    from zopa.scenario.yamlfile import Lines

    data = read(DATA / "SOE-Pol-Comp.csv")
    sc = to_scenario_dict(data)
    json.dumps(sc)  # plain data
    assert sc["zopa"] == 1 and sc["id"] == "soe-pol-comp"
    assert [i["id"] for i in sc["issues"]] == ["policy_position", "competitive_position"]
    options = sc["issues"][0]["options"]
    assert [o["id"] for o in options][:3] == ["p000", "p010", "p020"] and len(options) == 11
    assert options[-1] == {"id": "p100", "at": 100}
    xj = sc["actors"][0]
    assert xj == {
        "id": "XJ",
        "name": "XJ",
        "role": "party",
        "capability": 100.0,
        "description": "Xi Jinping",
    }
    assert sc["preferences"]["XJ"] == {
        "weights": {"policy_position": 24.0, "competitive_position": 48.0},
        "ideal": {"policy_position": 30.0, "competitive_position": 20.0},
        "reservation": 0.0,
    }
    scenario = validate(sc, Lines(), "soe")
    assert len(scenario.actors) == 13
    assert to_scenario_dict(read(DATA / "dummyData_3Dim-no-final-comma.csv"))["id"] == (
        "dummydata_3dim-no-final-comma"
    )


CSV_OK = (
    "Scen, A test, 3, 2,\n"
    "Actor,Description,Power,P1,S1,P2,S2,\n"
    "A,first,10,20,30,40,50,\n"
    "B,second,20,30,40,50,60,\n"
    "C,third,30,40,50,60,10,\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problem(err: pytest.ExceptionInfo[InputError]) -> tuple[int | None, str, str]:
    p = err.value.problems[0]
    return p.line, p.field, p.message


def test_csv_ok(tmp_path: Path) -> None:
    data = read(write(tmp_path, "ok.csv", CSV_OK))
    assert data.actors == ("A", "B", "C") and data.dimensions == ("P1", "P2")
    assert data.position.tolist() == [[20, 40], [30, 50], [40, 60]]


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (CSV_OK.replace("3, 2", "4, 2"), 6, "numActors", "declares 4 actors"),
        (CSV_OK.replace("3, 2", "2, 2"), 5, "numActors", "3 actor rows"),
        (CSV_OK.replace("3, 2", "x, 2"), 1, "numActors", "positive integer"),
        (CSV_OK.replace("B,second,20", "B,second,lots"), 4, "Power", "capability"),
        (CSV_OK.replace("30,40,50,60,10", "30,40,abc,60,10"), 5, "S1", "salience"),
        (CSV_OK.replace("A,first,10,20", "A,first,10,120"), 3, "P1", "0..100"),
        (CSV_OK.replace("20,30,40,50,60", "20,30,40,50,61"), 4, "salience", "more than 100"),
        (CSV_OK.replace("A,first,10,20,30,40,50,", "A,first,10,20,30,40"), 3, "", "expected 7"),
        (CSV_OK.replace("P2,S2,", "P2,"), 2, "header", "expected 7 columns"),
        (CSV_OK.replace("B,second", "A,second"), 4, "Actor", "duplicate"),
    ],
)
def test_csv_errors(tmp_path: Path, text: str, line: int, field: str, words: str) -> None:
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as err:
        read(path)
    got_line, got_field, message = problem(err)
    assert (got_line, got_field) == (line, field)
    assert words in message
    assert str(path) in str(err.value)


def test_csv_reports_every_problem(tmp_path: Path) -> None:
    text = CSV_OK.replace("A,first,10", "A,first,-1").replace("60,10,", "60,x,")
    with pytest.raises(InputError) as err:
        read(write(tmp_path, "two.csv", text))
    assert [(p.line, p.field) for p in err.value.problems] == [(3, "Power"), (5, "S2")]


def test_csv_empty_and_binary(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read(write(tmp_path, "empty.csv", "\n\n"))
    path = tmp_path / "bin.csv"
    path.write_bytes(b"a,b,1,1\n\xff\xfe")
    with pytest.raises(InputError) as err:
        read(path)
    assert problem(err)[0] == 2


XML_OK = """<?xml version="1.0" encoding="UTF-8"?>
<Scenario>
  <name>T</name>
  <desc>test</desc>
  <prngSeed>42</prngSeed>
  <Dimensions><dName>D1</dName><dName>D2</dName></Dimensions>
  <Actors>
    <Actor><name>A</name><description>a</description><capability>10</capability>
      <Position><dCoord>20</dCoord><dCoord>30</dCoord></Position>
      <Salience><dSal>40</dSal><dSal>50</dSal></Salience>
    </Actor>
    <Actor><name>B</name><description>b</description><capability>20</capability>
      <Position><dCoord>60</dCoord><dCoord>70</dCoord></Position>
      <Salience><dSal>10</dSal><dSal>20</dSal></Salience>
    </Actor>
  </Actors>
</Scenario>
"""


def test_xml_ok(tmp_path: Path) -> None:
    data = read(write(tmp_path, "ok.xml", XML_OK))
    assert data.actors == ("A", "B") and data.seed == 42 and data.parameters == {}
    assert data.salience.tolist() == [[40, 50], [10, 20]]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("</Actors>", "</Actor>", 16, "", "malformed XML"),
        ("<dCoord>60</dCoord>", "<dCoord>sixty</dCoord>", 13, "dCoord", "number"),
        ("<dCoord>60</dCoord>", "", 13, "Position", "1 <dCoord> for 2"),
        ("<dSal>20</dSal>", "<dSal>95</dSal>", 14, "Salience", "more than 100"),
        ("<capability>20</capability>", "<capability>-2</capability>", 12, "capability", ">= 0"),
        ("<prngSeed>42</prngSeed>", "<prngSeed>x</prngSeed>", 5, "prngSeed", "integer"),
        ("<name>B</name>", "<name>A</name>", 12, "name", "duplicate"),
        (
            "</Actors>",
            "</Actors><IdealAdjustment><iaPair><adjustingIdeal>Z</adjustingIdeal>"
            "<referencePos>A</referencePos><adjust>0.5</adjust></iaPair></IdealAdjustment>",
            16,
            "adjustingIdeal",
            "unknown actor",
        ),
        (
            "<Dimensions>",
            "<ModelParameters><PCEModel>Best</PCEModel></ModelParameters><Dimensions>",
            6,
            "PCEModel",
            "must be one of",
        ),
    ],
)
def test_xml_errors(tmp_path: Path, old: str, new: str, line: int, field: str, words: str) -> None:
    assert old in XML_OK
    path = write(tmp_path, "bad.xml", XML_OK.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        read(path)
    got_line, got_field, message = problem(err)
    assert (got_line, got_field) == (line, field)
    assert words in message
    assert str(path) in str(err.value)


def test_xml_rejects_entities(tmp_path: Path) -> None:
    text = XML_OK.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE Scenario [<!ENTITY x "y">]>',
    )
    with pytest.raises(InputError, match="not allowed"):
        read(write(tmp_path, "dtd.xml", text))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 14),
    dims=st.integers(1, 3),
    seed=st.integers(0, 2**31),
    rule=st.sampled_from(["Proportional", "PropCbc", "Cubic", "Binary", "PropBin", "ASymProsp"]),
    victory=st.sampled_from(["Linear", "Square", "Quartic", "Binary"]),
)
def test_queues_stacked_equal_queue_by_queue(
    n: int, dims: int, seed: int, rule: str, victory: str
) -> None:
    """A turn's queue PCEs, stacked by queue length, against scalar_pce queue by queue
    (the path before): the same bits, so the same runs (positions, probabilities, every
    queue's probabilities and choice) under every voting rule and victory model."""
    import zopa.forecasting.smp as smp

    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, dims))
    s = rng.uniform(0.05, 1, (n, dims))
    s = s / s.sum(axis=1, keepdims=True) * rng.uniform(0.3, 1, (n, 1))
    cap = rng.uniform(1, 100, n)
    params = SmpParams(voting_rule=rule, victory_prob=victory)
    fast = run_smp(x, s, cap, params=params, max_turns=30)

    def one_by_one(sq, b_util, cols, weight, p):  # type: ignore[no-untyped-def]
        return [
            scalar_pce(np.column_stack([sq] + [b_util[:, c] for c in cs]), weight, p) for cs in cols
        ]

    original = smp._queue_pces
    smp._queue_pces = one_by_one  # type: ignore[assignment]
    try:
        slow = run_smp(x, s, cap, params=params, max_turns=30)
    finally:
        smp._queue_pces = original
    assert fast.turns == slow.turns
    assert np.array_equal(fast.positions, slow.positions)
    assert np.array_equal(fast.probabilities, slow.probabilities)
    for a, b in zip(fast.history, slow.history, strict=True):
        assert np.array_equal(a.chosen, b.chosen)
        pairs = zip(a.bargain_prob, b.bargain_prob, strict=True)
        assert all(np.array_equal(p, q) for p, q in pairs)
