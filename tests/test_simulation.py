"""Simulated talks (:mod:`zopa.simulation`) on toys whose every number is computed by hand.

The fixtures (tests/data/sim_*.yaml) number their six packages price * 2 + delivery (the
last issue varies fastest)::

    package   0 low,fast  1 low,slow  2 mid,fast  3 mid,slow  4 high,fast  5 high,slow
    A         0.3         0.0         0.72        0.42        1.0          0.7
    B         0.6         1.0         0.3         0.7         0.0          0.4

(A: 0.7 price + 0.3 delivery, price low/mid/high 0/0.6/1, delivery fast/slow 1/0;
B: 0.6 price + 0.4 delivery, price 1/0.5/0, delivery 0/1.) In sim_plain.yaml A's
reservation is 0.4 and B's 0.35, and values are these weighted sums (no credibility, no
spoiler), so the NegMAS semantics of the engine can be played by hand:

- step k (0-based) of R rounds is at relative time t = (k + 1) / (R + 1);
- a time-based decider's level is ``lo = umin + a (umax - umin) - 1e-4`` with aspiration
  ``a = 1 - t ** e`` (linear e = 1), umin its reservation (above its worst package), umax
  its best value; it offers the worst package worth at least its reservation and ``lo``
  and accepts offers worth ``lo`` or more;
- A acts first in each step, then B; an offer that the other accepts in step k is agreed
  with ``step = k + 1``; at the deadline ``step = R``.

With R = 13 (t = round / 14), A's level ``0.4 + 0.6 (1 - t) - 1e-4`` drops below 0.72 (its
second best) only at round 7 (t = 0.5: 0.6999; at round 6, 0.742757), and below 0.42 never
(that needs t >= 0.9665). B's level ``0.35 + 0.65 (1 - t) - 1e-4`` is above 0.7 until round
6 (0.721329), in (0.6, 0.7] in rounds 7-8 (0.6749, 0.628471), in (0.4, 0.6] in rounds 9-12
(0.582043 ... 0.442757) and 0.396329 <= 0.4 in round 13. Hence (checked against NegMAS's
``SAOMechanism`` with two ``LinearTBNegotiator`` s: the same agreement at the same step):

- A offers 4 in rounds 1-6 and 5 in rounds 7-13;
- B offers 1 in rounds 1-6, 3 in rounds 7-8, 0 in rounds 9-12 and accepts 5 in round 13.
"""

from __future__ import annotations

import json
import math
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import zopa
from zopa.cli.main import app, main
from zopa.scenario.schema import Scenario
from zopa.simulation.setup import setup
from zopa.studies import rounds

DATA = Path(__file__).parent / "data"
PLAIN = DATA / "sim_plain.yaml"
TOY = DATA / "sim_toy.yaml"
QUOTA = DATA / "sim_quota.yaml"

PACKAGES = [("low", "fast"), ("low", "slow"), ("mid", "fast"), ("mid", "slow"),
            ("high", "fast"), ("high", "slow")]  # fmt: skip
LINEAR = {"A": {"kind": "linear"}, "B": {"kind": "linear"}}


def pkg(n: int) -> dict[str, str]:
    """Package ``n`` as zopa prints it."""
    price, delivery = PACKAGES[n]
    return {"price": price, "delivery": delivery}


def number(offer: dict[str, str]) -> int:
    return PACKAGES.index((offer["price"], offer["delivery"]))


def scenario(path: Path, simulation: dict[str, Any] | None = None, **fields: Any) -> Scenario:
    """The fixture at ``path`` with its ``simulation:`` block (and top-level ``fields``)
    replaced, read from text (so that ``source_text`` is set)."""
    doc = yaml.safe_load(path.read_text())
    if simulation is not None:
        doc["simulation"] = simulation
    doc.update(fields)
    return zopa.loads(yaml.safe_dump(doc, sort_keys=False), path.name)


def plain(rounds: int = 13, strategies: dict[str, Any] | None = None, **sim: Any) -> Scenario:
    """sim_plain.yaml, alternating offers, both deciders linear unless said otherwise."""
    return scenario(PLAIN, {"rounds": rounds, "strategies": strategies or LINEAR, **sim})


def one(sc: Scenario, **kw: Any) -> dict[str, Any]:
    return dict(zopa.simulate(sc, **kw).to_json())


def many(sc: Scenario, runs: int = 4000, **kw: Any) -> dict[str, Any]:
    return dict(zopa.simulate(sc, runs=runs, **kw).to_json())


def moves(j: dict[str, Any], actor: str, action: str = "offer") -> list[int]:
    """The packages of ``actor``'s events of kind ``action`` in the trace, in order."""
    return [number(r["offer"]) for r in j["trace"] if r["actor"] == actor and r["action"] == action]


def rounds_of(j: dict[str, Any], actor: str, action: str = "offer") -> list[int]:
    return [r["round"] for r in j["trace"] if r["actor"] == actor and r["action"] == action]


def within(p: float, n: int, value: float | None, k: float = 4.0) -> bool:
    """Whether a share of n runs is within k standard errors sqrt(p (1 - p) / n) of p."""
    assert value is not None
    return abs(value - p) <= k * math.sqrt(p * (1 - p) / n) + 1e-12


# --- alternating offers, played by hand ---------------------------------------------------


def test_linear_against_linear_agrees_in_the_last_round() -> None:
    """See the module docstring: B accepts A's package 5 (high, slow) in round 13, where
    its level 0.35 + 0.65 / 14 - 1e-4 = 0.396329 <= 0.4 = B's value of it. Step 13,
    utilities A 0.7, B 0.4."""
    j = one(plain())
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 13, pkg(5))
    assert j["utilities"] == {"A": 0.7, "B": 0.4}
    assert moves(j, "A") == [4] * 6 + [5] * 7
    assert moves(j, "B") == [1] * 6 + [3] * 2 + [0] * 4
    assert moves(j, "B", "accept") == [5] and rounds_of(j, "B", "accept") == [13]
    assert j["trace"][-1] == {"round": 13, "step": 13, "actor": "", "action": "agreement"}
    first = j["trace"][0]  # A's package 4: A 1.0, B 0.0 (B short of 0.35 by 0.35)
    assert first["utilities"] == {"A": 1.0, "B": 0.0} and first["acceptable_to"] == ["A"]
    assert first["zone_distance"] == pytest.approx(0.35)
    assert (first["round"], first["step"]) == (1, 0)


def test_deadline_without_agreement() -> None:
    """R = 9 (t = round / 10): B would accept 5 only at level <= 0.4, i.e. t >= 0.9229, but
    t is at most 0.9: no agreement, step 9; the no-deal outcome is drawn from the lottery."""
    j = one(plain(rounds=9))
    assert (j["end"], j["step"], j["agreement"], j["utilities"]) == ("deadline", 9, None, None)
    assert j["no_deal"] in ("stalemate", "war") and j["ended_by"] is None
    assert j["trace"][-1]["action"] == "deadline" and j["trace"][-1]["outcome"] == j["no_deal"]


def test_hardliner_offers_its_best_and_never_agrees() -> None:
    """A hardliner: a = 1, level 1 - 1e-4: it offers package 4 (its best, 1.0) every round
    and accepts only that. B (linear) offers as in the module docstring and in round 13,
    at level 0.396329, rejects 4 (worth 0 to it) and offers 5 (0.4). Deadline at 13."""
    j = one(plain(strategies={"A": {"kind": "hardliner"}, "B": {"kind": "linear"}}))
    assert (j["end"], j["step"], j["agreement"]) == ("deadline", 13, None)
    assert moves(j, "A") == [4] * 13
    assert moves(j, "B") == [1] * 6 + [3] * 2 + [0] * 4 + [5]
    assert j["strategies"] == {"A": "hardliner", "B": "linear"}


def test_tit_for_tat_concedes_what_it_was_conceded() -> None:
    """A tit-for-tat (level 1: lo = 0.9999), B linear. A is offered B's 1 (worth 0 to A) in
    rounds 2-7: no gain, A keeps offering 4. In round 8 it is offered 3 (0.42): a gain of
    0.42 over A's range 1 - 0.4 = 0.6 is 0.7, its level drops to 0.3 and lo to
    0.4 + 0.6 * 0.3 - 1e-4 = 0.5799: it rejects 3 and offers 5 (0.7). Later offers (3 again,
    then 0, worth 0.3) gain nothing. In round 13 B accepts 5 (as against a linear A)."""
    j = one(plain(strategies={"A": {"kind": "tit_for_tat"}, "B": {"kind": "linear"}}))
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 13, pkg(5))
    assert moves(j, "A") == [4] * 7 + [5] * 6  # a linear A offers 5 from round 7
    assert moves(j, "B") == [1] * 6 + [3] * 2 + [0] * 4
    assert j["strategies"]["A"] == "tit_for_tat"


def test_tit_for_tat_against_a_concession_of_0_4() -> None:
    """B tit-for-tat, A linear. B is offered 4 (0 to B) in rounds 1-6: level 1, it offers
    1. In round 7 A offers 5 (0.4 to B): a gain of 0.4 over B's range 0.65, level
    1 - 0.4 / 0.65, lo = 0.35 + 0.65 - 0.4 - 1e-4 = 0.5999: B rejects 5 and offers 0 (0.6),
    and again every later round (no further gain). Deadline."""
    j = one(plain(strategies={"A": {"kind": "linear"}, "B": {"kind": "tit_for_tat"}}))
    assert (j["end"], j["step"]) == ("deadline", 13)
    assert moves(j, "A") == [4] * 6 + [5] * 7
    assert moves(j, "B") == [1] * 6 + [0] * 7


def test_accept_rational_takes_the_first_acceptable_offer() -> None:
    """A accepts any offer worth its reservation 0.4: B's 1 (0) in rounds 2-7 no, B's round-7
    offer 3 (0.42) yes, in round 8: agreement on (mid, slow) at step 8, A 0.42, B 0.7."""
    strategies = {"A": {"kind": "linear", "accept": "rational"}, "B": {"kind": "linear"}}
    j = one(plain(strategies=strategies))
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 8, pkg(3))
    assert j["utilities"] == {"A": 0.42, "B": 0.7}
    assert moves(j, "A", "accept") == [3] and rounds_of(j, "A", "accept") == [8]


@pytest.mark.parametrize(
    ("after", "step", "agreed"),
    [
        (0.5, 8, 3),  # round 8 (t = 8/14 = 0.571 >= 0.5): A takes B's 3 (0.42 >= 0.4)
        (0.6, 9, 3),  # round 8 is too early; round 9 (t = 0.643) B's 3 again: taken
        (0.65, 13, 5),  # from round 10 (t = 0.714) A is offered only 0 (0.3): as linear
    ],
)
def test_accept_after(after: float, step: int, agreed: int) -> None:
    """``accept_after: T``: from relative time T on, A accepts any offer worth its
    reservation. B offers 3 (0.42 to A) in rounds 7 and 8 only (A sees them in rounds 8, 9)."""
    strategies = {"A": {"kind": "linear", "accept_after": after}, "B": {"kind": "linear"}}
    j = one(plain(strategies=strategies))
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", step, pkg(agreed))


def test_accept_next_matches_the_offer_it_would_make() -> None:
    """``accept: next``: A accepts an offer worth at least the package it would offer now:
    1.0 (package 4) in rounds 1-6, 0.7 (package 5) from round 7. It is offered 1 (0), 3
    (0.42) and 0 (0.3): never enough, so the run is the linear one (B accepts in round 13).
    (On a finite space, an offer worth at least ``lo`` is worth at least the worst package
    at or above ``lo``: ``next`` and ``aspiration`` differ only within NegMAS's 1e-6.)"""
    strategies = {"A": {"kind": "linear", "accept": "next"}, "B": {"kind": "linear"}}
    j = one(plain(strategies=strategies))
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 13, pkg(5))
    assert moves(j, "A") == [4] * 6 + [5] * 7
    # B with ``next`` in round 13: its next offer would be 5 (0.4 >= 0.396329): accepts 5
    strategies = {"A": {"kind": "linear"}, "B": {"kind": "linear", "accept": "next"}}
    assert one(plain(strategies=strategies))["step"] == 13


def test_aspiration_curve_with_an_exponent() -> None:
    """``aspiration`` with exponent 1 is the linear curve: the same run; on the command
    line ``aspiration:1`` too, labelled aspiration(1)."""
    sc = plain(strategies={"A": {"kind": "aspiration", "exponent": 1}, "B": {"kind": "linear"}})
    j = one(sc)
    assert (j["step"], j["agreement"]) == (13, pkg(5))
    assert j["strategies"] == {"A": "aspiration(1)", "B": "linear"}
    j = one(plain(), strategies=["B=aspiration:1"])
    assert (j["step"], j["agreement"], j["strategies"]["B"]) == (13, pkg(5), "aspiration(1)")


def test_overrides_rounds_and_strategy() -> None:
    """``rounds=9`` gives the deadline run above; ``A=hardliner`` the hardliner run."""
    j = one(plain(), rounds=9)
    assert (j["rounds"], j["step"], j["end"]) == (9, 9, "deadline")
    j = one(plain(), strategies={"A": "hardliner"})
    assert moves(j, "A") == [4] * 13 and j["end"] == "deadline"


# --- shocks ---------------------------------------------------------------------------------


def test_scheduled_strike_ends_talks_before_its_round() -> None:
    """A strikes ``at: 3``: talks end before round 3, step 3 - 1 = 2, in the outcome the
    strike names (war). Rounds 1 and 2 are played as without it."""
    sc = plain(shocks=[{"kind": "strike", "actor": "A", "at": 3, "outcome": "war"}])
    j = one(sc)
    assert (j["end"], j["step"], j["ended_by"], j["no_deal"], j["war"]) == (
        "strike", 2, "A", "war", True)  # fmt: skip
    assert (j["agreement"], j["utilities"]) == (None, None)
    assert j["shocks"] == [{"round": 3, "kind": "strike", "actor": "A", "index": 0}]
    assert moves(j, "A") == [4, 4] and moves(j, "B") == [1, 1]
    m = many(sc, runs=2500)
    assert m["ends"] == {"strike": 1.0} and m["no_deal"] == {"war": 1.0}
    assert m["p_war"] == {"value": 1.0, "stderr": 0.0}
    assert m["shocks"] == [{"index": 0, "kind": "strike", "actor": "A", "share": 1.0}]
    assert m["p_agreement"]["value"] == 0.0 and m["rounds_to_agreement"]["mean"] is None


def _toy_mediated(shocks: list[dict[str, Any]], **more: Any) -> Scenario:
    sim = {"protocol": "mediated", "rounds": 10, "strategies": LINEAR,
           "mediator": {"actor": "M", "start": "opening"}, "shocks": shocks, **more}  # fmt: skip
    return scenario(TOY, sim)


def test_spoiler_strike_with_probability_1_and_0() -> None:
    """S (a spoiler) strikes with probability 1: before round 1, step 0, in S's outcome
    (war: the spoiler's ``outcome``). With probability 0 it never strikes: the run is the
    run without the shock."""
    j = one(_toy_mediated([{"kind": "strike", "actor": "S", "probability": 1}]))
    assert (j["end"], j["step"], j["ended_by"], j["no_deal"], j["war"]) == (
        "strike", 0, "S", "war", True)  # fmt: skip
    assert j["shocks"] == [{"round": 1, "kind": "strike", "actor": "S", "index": 0}]
    assert [r["action"] for r in j["trace"]] == ["shock", "strike"]
    never = one(_toy_mediated([{"kind": "strike", "actor": "S", "probability": 0}]))
    without = one(_toy_mediated([]))
    assert never["shocks"] == [] and never["trace"][:-1] == without["trace"][:-1]
    assert (never["end"], never["step"]) == (without["end"], without["step"]) == ("deadline", 10)
    m = many(_toy_mediated([{"kind": "strike", "actor": "S", "probability": 0}]), runs=2500)
    assert m["shocks"][0]["share"] == 0.0 and "strike" not in m["ends"]


def test_spoiler_strike_at_the_spoiler_models_probability() -> None:
    """A spoiler's strike with no trigger strikes the standing text with the spoiler
    model's probability: before round 1 the mediator's text is the start (mid, slow),
    which S values at 0.5, so P = 0.2 / (1 + exp((0.5 - 0.5) / 0.1)) = 0.1. With one round
    that is the only chance. Alternating offers have no standing offer before round 1:
    P = 0."""
    sc = _toy_mediated([{"kind": "strike", "actor": "S"}], rounds=1)
    m = many(sc)
    assert within(0.1, 4000, m["shocks"][0]["share"])
    assert set(m["ends"]) == {"strike", "deadline"}
    assert m["ends"]["strike"] == m["shocks"][0]["share"]
    # A rejects the text (its deal value 0.378 < 0.4): the rest reach the deadline, and
    # war with the lottery's 0.25: P(war) = 0.1 + 0.9 * 0.25 = 0.325
    assert within(0.325, 4000, m["p_war"]["value"])
    m = many(sc, protocol="alternating")
    assert m["shocks"][0]["share"] == 0.0


def test_walk_out_shock() -> None:
    """B walks out ``at: 4``: talks end before round 4, step 3, in the named outcome."""
    shock = {"kind": "walk_out", "actor": "B", "at": 4, "outcome": "stalemate"}
    j = one(plain(shocks=[shock]))
    assert (j["end"], j["step"], j["ended_by"], j["no_deal"], j["war"]) == (
        "walk_out", 3, "B", "stalemate", False)  # fmt: skip
    assert moves(j, "A") == [4, 4, 4] and moves(j, "B") == [1, 1, 1]


def test_walk_out_without_an_outcome_draws_the_lottery() -> None:
    """Without ``outcome:`` a walk-out ends in the no-deal lottery: war with 0.4."""
    m = many(plain(shocks=[{"kind": "walk_out", "actor": "B", "at": 2}]))
    assert m["ends"] == {"walk_out": 1.0} and set(m["no_deal"]) == {"stalemate", "war"}
    assert within(0.4, 4000, m["p_war"]["value"]) and m["no_deal"]["war"] == m["p_war"]["value"]


def test_goalposts_move_after_a_concession() -> None:
    """B moves the goalposts after A's first concession: A concedes in round 7 (4, worth
    1.0, to 5, worth 0.7), so before round 8 B gets a red line on price high and a
    reservation of 0.5. Round 7 is played with B's old preferences (it offers 3). From
    round 8, B's allowed packages are 0-3, umin = max(0.3, 0.5) = 0.5, lo = 0.5 + 0.5 (1 -
    t) - 1e-4: round 8 0.714186 -> 1 (its 3, 0.7, is too little now; without the shock it
    offers 3: 0.628471), rounds 9-11 0.678471, 0.642757, 0.607043 -> 3, rounds 12-13
    0.571329, 0.535614 -> 0. B never accepts 5 (its red line): deadline."""
    shock = {"kind": "goalposts", "actor": "B", "after_concession_by": "A",
             "red_lines": [{"issue": "price", "not": ["high"]}], "reservation": 0.5}  # fmt: skip
    j = one(plain(shocks=[shock]))
    assert j["shocks"] == [{"round": 8, "kind": "goalposts", "actor": "B", "index": 0}]
    assert moves(j, "A") == [4] * 6 + [5] * 7
    assert moves(j, "B") == [1] * 6 + [3, 1, 3, 3, 3, 0, 0]
    assert (j["end"], j["step"], j["agreement"]) == ("deadline", 13, None)
    after = [r for r in j["trace"] if r["action"] == "offer" and r["round"] >= 8]
    assert all(r["acceptable_to"] == ["A"] for r in after if r["actor"] == "A")  # red line
    without = one(plain())
    assert moves(without, "B")[7] == 3


def test_goalposts_weights_change_the_values_from_the_next_round() -> None:
    """Goalposts that rewrite B's weights (price 0.2, delivery 0.8) after A's concession
    (round 7): from round 8 B values 5 (high, slow) at 0.8 and accepts it at level
    0.35 + 0.65 * 6/14 - 1e-4 = 0.628471: agreement at step 8 (without: 13)."""
    shock = {"kind": "goalposts", "actor": "B", "after_concession_by": "A",
             "weights": {"price": 0.2, "delivery": 0.8}}  # fmt: skip
    j = one(plain(shocks=[shock]))
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 8, pkg(5))
    assert j["utilities"] == {"A": 0.7, "B": 0.8}  # 0.2 * 0 + 0.8 * 1
    round7 = next(r for r in j["trace"] if r["round"] == 7 and r["actor"] == "A")
    assert round7["utilities"] == {"A": 0.7, "B": 0.4}  # still the old weights


def test_preferences_shock() -> None:
    """B's weights become price 0.2, delivery 0.8 before round 2: B's values are then
    0.2, 1.0, 0.1, 0.9, 0.0, 0.8 (rational: 5, 3, 1). B's levels: round 2 0.907043 -> 1,
    rounds 3-4 0.860614, 0.814186 -> 3 (0.9), rounds 5-6 0.767757, 0.721329 -> 5 (0.8).
    A is offered 5 (0.7) in round 6 (level 0.742757: no) and round 7 (0.6999: yes):
    agreement at step 7, utilities A 0.7, B 0.8."""
    shock = {"kind": "preferences", "actor": "B", "at": 2,
             "weights": {"price": 0.2, "delivery": 0.8}}  # fmt: skip
    j = one(plain(shocks=[shock]))
    assert j["shocks"] == [{"round": 2, "kind": "preferences", "actor": "B", "index": 0}]
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 7, pkg(5))
    assert j["utilities"] == {"A": 0.7, "B": 0.8}
    assert moves(j, "B") == [1, 1, 3, 3, 5, 5] and moves(j, "A", "accept") == [5]
    assert [r["utilities"]["B"] for r in j["trace"] if r["actor"] == "A"] == [0.0] * 6 + [0.8]


def test_own_preference_shock_is_no_concession() -> None:
    """A's price utilities become 0 / 0.3 / 0.5 before round 2: A's values are then 0.3, 0,
    0.51, 0.21, 0.65, 0.35 (rational 2 and 4, umax 0.65). A keeps offering its best, 4,
    while lo = 0.4 + 0.25 (1 - t) - 1e-4 > 0.51, i.e. in rounds 1-7, and concedes to 2
    (0.51) in round 8 (lo 0.507043). B's goalposts after A's concession belong before
    round 9, not before round 3 (where A offered the same package, its best, again)."""
    shocks = [
        {"kind": "preferences", "actor": "A", "at": 2,
         "utilities": {"price": {"low": 0.0, "mid": 0.3, "high": 0.5}}},
        {"kind": "goalposts", "actor": "B", "after_concession_by": "A", "reservation": 0.36},
    ]  # fmt: skip
    j = one(plain(shocks=shocks))
    assert moves(j, "A")[:8] == [4] * 7 + [2]
    assert [(s["round"], s["kind"]) for s in j["shocks"]] == [(2, "preferences"), (9, "goalposts")]


@pytest.mark.parametrize(
    ("who", "patience", "end", "step"),
    [
        ("A", 3, "walk_out", 4),  # offered 1 (0 < 0.4) in rounds 2, 3, 4: out in round 4
        ("B", 6, "walk_out", 6),  # offered 4 (0 < 0.35) in rounds 1-6: out in round 6
        ("B", 7, "agreement", 13),  # offered 5 (0.4 >= 0.35) in round 7: the count restarts
    ],
)
def test_patience_walk_outs(who: str, patience: int, end: str, step: int) -> None:
    """``patience: p``: a decider walks out after p rounds running in which the offer it
    was facing was not acceptable to it (A acts first: it faces no offer in round 1)."""
    strategies = {**LINEAR, who: {"kind": "linear", "patience": patience}}
    j = one(plain(strategies=strategies))
    assert (j["end"], j["step"]) == (end, step)
    if end == "walk_out":
        assert j["ended_by"] == who and j["agreement"] is None
        out = [r for r in j["trace"] if r["action"] == "walk_out"]  # the event, and the end
        assert out[-1] == {
            "round": step,
            "step": step,
            "actor": "",
            "action": "walk_out",
            "outcome": j["no_deal"],
        }
        why = f"nothing acceptable for {patience} rounds"
        event = {"round": step, "step": step - 1, "actor": who, "action": "walk_out", "why": why}
        assert out[:-1] == [event]


def test_trust_shock_changes_deal_values() -> None:
    """sim_toy.yaml: A trusts B 0.9 and B trusts A 0.8; if B reneges a high price becomes
    mid, if A reneges fast delivery becomes slow; S strikes with P = 0.2 / (1 + exp((U_S -
    0.5) / 0.1)) into war (A 0, B 0.1). A's deal value of package 5 (high, slow):
    K = tau * 0.7 + (1 - tau) * 0.42 (B reneged: (mid, slow)), P = 0.2 / (1 + e ** -5) =
    0.198661, V = (1 - P) K. Before the shock (tau 0.9): 0.801339 * 0.672 = 0.538500;
    after A's trust in B drops by 0.2 (tau 0.7): 0.801339 * 0.616 = 0.493625."""
    sc = _toy_mediated([{"kind": "trust", "actor": "A", "at": 3, "trust": {"A": {"B": -0.2}}}])
    s = setup(sc)
    before, after = s.base, s.regimes[s.regimes.get((0,))]
    p = 0.2 / (1 + math.exp(-5))
    assert before.tables[0].value[5] == pytest.approx((1 - p) * (0.9 * 0.7 + 0.1 * 0.42))
    assert after.tables[0].value[5] == pytest.approx((1 - p) * (0.7 * 0.7 + 0.3 * 0.42))
    assert after.tables[0].value[5] == pytest.approx(0.4936246, abs=1e-7)
    for d in range(6):  # every package, both deciders
        assert before.tables[0].value[d] == pytest.approx(deal_value("A", d, 0.9))
        assert after.tables[0].value[d] == pytest.approx(deal_value("A", d, 0.7))
        assert after.tables[1].value[d] == pytest.approx(deal_value("B", d, 0.8))
    # the run reads the shocked values from round 3 on (alternating: A offers 4 and 5)
    j = one(sc, protocol="alternating")
    assert j["shocks"] == [{"round": 3, "kind": "trust", "actor": "A", "index": 0}]
    seen = set()
    for r in j["trace"]:
        if "offer" in r:
            d = number(r["offer"])
            seen.add(d)
            tau = 0.9 if r["round"] < 3 else 0.7
            assert r["utilities"]["A"] == pytest.approx(deal_value("A", d, tau), abs=1e-9)
            assert r["utilities"]["B"] == pytest.approx(deal_value("B", d, 0.8), abs=1e-9)
    assert {4, 5} & seen  # packages whose value the shock changes


def test_trust_shock_on_a_pair_without_trust_starts_from_1() -> None:
    """B's trust in A is not written (1); a shock of -0.5 makes it 0.5: B's deal value of
    package 4 (high, fast; A reneging makes it (high, slow), worth 0.4 to B) is
    (1 - P) (0.5 * 0 + 0.5 * 0.4) + P * 0.1 with P = 0.2 / (1 + e ** -5)."""
    doc = yaml.safe_load(TOY.read_text())
    doc["credibility"] = {"trust": {"A": {"B": 0.9}}}
    doc["simulation"]["shocks"] = [{"kind": "trust", "actor": "B", "at": 2,
                                    "trust": {"B": {"A": -0.5}}}]  # fmt: skip
    s = setup(zopa.loads(yaml.safe_dump(doc, sort_keys=False), TOY.name))
    before, after = s.base, s.regimes[s.regimes.get((0,))]
    p = 0.2 / (1 + math.exp(-5))
    assert after.tables[1].value[4] == pytest.approx((1 - p) * 0.2 + p * 0.1)
    for d in range(6):
        assert before.tables[1].value[d] == pytest.approx(deal_value("B", d, 1.0))
        assert after.tables[1].value[d] == pytest.approx(deal_value("B", d, 0.5))
        assert after.tables[0].value[d] == pytest.approx(deal_value("A", d, 0.9))


U = {"A": [0.3, 0.0, 0.72, 0.42, 1.0, 0.7], "B": [0.6, 1.0, 0.3, 0.7, 0.0, 0.4],
     "S": [1.0, 1.0, 0.5, 0.5, 0.0, 0.0]}  # fmt: skip
REVERTS = {"A": {0: 1, 2: 3, 4: 5}, "B": {4: 2, 5: 3}}  # package -> package if X reneges
WAR = {"A": 0.0, "B": 0.1}


def deal_value(i: str, d: int, tau: float, pmax: float = 0.2) -> float:
    """sim_toy.yaml's deal value (src/zopa/space/deal.py) of package d for decider i who
    trusts the other one j with tau: K = tau U_i(d) + (1 - tau) U_i(r_j(d)); P = pmax /
    (1 + exp((U_S(d) - 0.5) / 0.1)); V = (1 - P) K + P v_i(war)."""
    j = "B" if i == "A" else "A"
    kept = tau * U[i][d] + (1 - tau) * U[i][REVERTS[j].get(d, d)]
    p = pmax / (1 + math.exp((U["S"][d] - 0.5) / 0.1))
    return (1 - p) * kept + p * WAR[i]


def test_drift_by_period() -> None:
    """B's reservation is a parameter drifting by +0.1 a period, 4 rounds a period (3
    periods at most): 0.35 in rounds 1-4, 0.45 in 5-8, 0.55 in 9-12, 0.65 in 13. B's level
    ``r + (1 - r)(1 - t) - 1e-4``: rounds 5-7 0.803471, 0.764186, 0.7249 -> 1; round 8
    0.685614 -> 3 (0.7); round 9 0.710614 -> 1; rounds 10-12 0.678471, 0.646329, 0.614186
    -> 3 (0 is worth 0.6); round 13 0.6749 -> it rejects A's 5 (0.4) and offers 3.
    A never takes 3 (0.42): deadline."""
    doc = yaml.safe_load(PLAIN.read_text())
    doc["parameters"] = {"resB": 0.35}
    doc["preferences"]["B"]["reservation"] = {"expr": "resB"}
    doc["dynamics"] = {"periods": 3, "discount": 0.9, "drift": {"resB": 0.1}}
    doc["simulation"] = {"rounds": 13, "strategies": LINEAR, "period": 4}
    j = one(zopa.loads(yaml.safe_dump(doc, sort_keys=False), PLAIN.name))
    assert moves(j, "B") == [1] * 7 + [3, 1, 3, 3, 3, 3]
    assert moves(j, "A") == [4] * 6 + [5] * 7
    assert (j["end"], j["step"]) == ("deadline", 13)


# --- the mediator -----------------------------------------------------------------------------


def mediated(**mediator: Any) -> Scenario:
    return plain(protocol="mediated", mediator={"actor": "M", **mediator})


def test_mediator_first_text_objections_and_moves() -> None:
    """Start: the reference package ``opening`` (low, fast): A 0.3, B 0.6; neither accepts.
    A names the issue whose best change is worth most to it: price (to high: 1.0) over
    delivery (to slow: 0.0 < 0.3 kept); B names delivery (to slow: 1.0) over price
    (0.6 kept). Candidates: every package; acceptable to both: 3 (A 0.42, B 0.7) and 5
    (A 0.7, B 0.4); Nash products (0.42 - 0.4)(0.7 - 0.35) = 0.007 and (0.7 - 0.4)(0.4 -
    0.35) = 0.015: the target is 5. One option a round: price low -> mid, delivery fast ->
    slow: round 2's text is 3. There A names delivery (fast: 0.72 > price high: 0.7) and B
    price (low: 1.0 > 0.7 kept): the target is 5 again: price mid -> high. From round 3 the
    text is 5 and stays (every candidate is a package; once A accepts and B alone objects,
    to price, the Nash target among (low|mid|high, slow) is 5 still, and B, its text stood
    still, names both issues). A accepts it from round 7 (level 0.6999 <= 0.7), B only in
    round 13 (0.396329 <= 0.4): agreement at step 13."""
    j = one(mediated(start="opening"))
    texts = [r for r in j["trace"] if r["action"] == "text"]
    assert [number(r["offer"]) for r in texts] == [0, 3] + [5] * 11
    assert all(r["actor"] == "M" for r in texts)
    assert texts[0]["objections"] == {"A": "price", "B": "delivery"}
    assert texts[1]["objections"] == {"A": "delivery", "B": "price"}
    assert texts[2]["objections"] == {"A": "delivery", "B": "price"}  # delivery fast: 1.0
    assert [r["accepted_by"] for r in texts] == [[]] * 6 + [["A"]] * 6 + [["A", "B"]]
    assert texts[6]["objections"] == {"B": "price"}
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 13, pkg(5))
    assert j["protocol"] == "mediated"


def test_mediator_step_moves_two_options_at_once() -> None:
    """``step: 2``: from (low, fast) toward 5, price low -> high at once: round 2's text is 5."""
    j = one(mediated(start="opening", step=2))
    assert [number(r["offer"]) for r in j["trace"] if r["action"] == "text"][:3] == [0, 5, 5]


def test_mediator_starts_in_the_middle_of_every_issue() -> None:
    """Without ``start``: price mid (at 50), delivery fast (0 and 100 tie with 50: the first).
    Text (mid, fast): A 0.72, B 0.3; A names price (high: 1.0), B delivery (slow: 0.7 >
    price low: 0.6); the target is 5 and the next text 5 (both issues one step)."""
    j = one(mediated())
    texts = [r for r in j["trace"] if r["action"] == "text"]
    assert number(texts[0]["offer"]) == 2 and texts[0]["utilities"] == {"A": 0.72, "B": 0.3}
    assert texts[0]["objections"] == {"A": "price", "B": "delivery"}
    assert number(texts[1]["offer"]) == 5


@pytest.mark.parametrize(
    ("solution", "target"),
    [
        ("nash", 5),  # 0.007 < 0.015
        ("egalitarian", 5),  # least gains min(0.02, 0.35) = 0.02 < min(0.3, 0.05) = 0.05
        ("kalai_smorodinsky", 5),  # best gains 0.3 and 0.35: min(0.067, 1) < min(1, 0.143)
        ("utilitarian", 3),  # sums 0.42 + 0.7 = 1.12 > 0.7 + 0.4 = 1.1
    ],
)
def test_mediator_bargaining_solution(solution: str, target: int) -> None:
    """Among the acceptable candidates 3 and 5 of round 1, each solution's pick; from
    (low, fast) one step toward 5 is 3, toward 3 is 3 too, so round 3's text tells them
    apart. Toward 3 the text stays at 3, which A never accepts (0.42 needs t >= 0.9665):
    deadline."""
    j = one(mediated(start="opening", solution=solution))
    texts = [number(r["offer"]) for r in j["trace"] if r["action"] == "text"]
    assert texts[:3] == [0, 3, target]
    assert j["end"] == ("agreement" if target == 5 else "deadline")


def test_mediated_agreement_under_a_quota_with_a_veto() -> None:
    """sim_quota.yaml: any two of A (veto), C, B, A among them; everyone accepts any text
    worth its reservation. The text (high, fast): A 1.0, C 0.54 >= 0.5, B 0.0: two with
    the veto: agreement in round 1.

    The text (mid, slow): A 0.42 < 0.45, C 1.0, B 0.7: two, but not the veto: no agreement.
    A names delivery (fast: 0.72 > price high: 0.7); of the texts changing delivery, 2
    (B 0.3 < 0.35) and 3 (A short), none is acceptable to all, but 2 passes the decision
    rule (A 0.72 and C 0.9 accept it: two with the veto): the mediator moves to 2. Round 2:
    A and C accept 2: agreement at step 2 on (mid, fast)."""
    j = one(scenario(QUOTA))
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 1, pkg(4))
    assert j["trace"][0]["accepted_by"] == ["A", "C"]
    doc = yaml.safe_load(QUOTA.read_text())
    doc["simulation"]["mediator"]["start"] = "buyer"
    j = one(scenario(QUOTA, doc["simulation"]))
    texts = [r for r in j["trace"] if r["action"] == "text"]
    assert [number(r["offer"]) for r in texts] == [3, 2]
    assert [r["accepted_by"] for r in texts] == [["C", "B"], ["A", "C"]]
    assert texts[0]["objections"] == {"A": "delivery"}
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 2, pkg(2))


def test_alternating_agreement_under_a_quota_with_a_veto() -> None:
    """Alternating offers in sim_quota.yaml (A, C, B in file order). A (hardliner, the
    veto) offers 4; C with ``accept: rational`` takes it (0.54 >= 0.5): two with the veto,
    agreement at step 1. With C a hardliner it offers its best, 3 (1.0), B accepts it
    (0.7): two, without the veto: talks go on (to the deadline)."""
    strategies = {"A": {"kind": "hardliner"}, "C": {"kind": "hardliner", "accept": "rational"},
                  "B": {"kind": "hardliner", "accept": "rational"}}  # fmt: skip
    j = one(scenario(QUOTA, {"rounds": 3, "strategies": strategies}))
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 1, pkg(4))
    assert moves(j, "C", "accept") == [4]
    strategies["C"] = {"kind": "hardliner"}
    j = one(scenario(QUOTA, {"rounds": 3, "strategies": strategies}))
    assert (j["end"], j["step"]) == ("deadline", 3)
    assert moves(j, "C") == [3] * 3 and moves(j, "B", "accept") == [3] * 3


# --- implementation -------------------------------------------------------------------------


def implementation(
    trust: dict[str, Any],
    renege: dict[str, str] | None = None,
    pmax: float = 0.0,
    shocks: list[dict[str, Any]] | None = None,
) -> Scenario:
    """sim_toy.yaml with the given trust, agreeing on the tabled (high, slow) in round 1
    (both accept any text worth their reservation), then 4 periods of implementation.
    Deal values of 5 with S's strike probability P: A (1 - P)(tau_AB 0.7 + (1 - tau_AB)
    0.42), B (1 - P) 0.4 + P 0.1 (A's reverts leave (high, slow) as it is). With pmax 0
    (P = 0): A at least 0.42 >= 0.4, B 0.4 >= 0.3; with full trust and pmax 0.2 (P =
    0.198661): A 0.560937, B 0.340402. Both accept in round 1."""
    doc = yaml.safe_load(TOY.read_text())
    doc["credibility"] = {"trust": trust}
    doc["spoilers"][0]["max_probability"] = pmax
    rational = {"kind": "hardliner", "accept": "rational"}
    doc["simulation"] = {
        "protocol": "mediated", "rounds": 5, "strategies": {"A": rational, "B": rational},
        "mediator": {"actor": "M", "start": "tabled"}, "shocks": shocks or [],
        "implementation": {"periods": 4, "renege": renege or {}},
    }  # fmt: skip
    return zopa.loads(yaml.safe_dump(doc, sort_keys=False), TOY.name)


def kept(periods: int, by: str | None, outcome: str | None, in_force: Any) -> dict[str, Any]:
    """The ``implementation`` of a one-run JSON over 4 periods, no spoiler strike."""
    return {"periods": 4, "kept": periods, "reneged_by": by, "struck_by": None,
            "outcome": outcome, "in_force": in_force}  # fmt: skip


def test_full_trust_nobody_reneges() -> None:
    """tau = 1: q = 1 ** (1/4) = 1, and a uniform draw is below 1: kept all 4 periods."""
    sc = implementation({"A": {"B": 1}, "B": {"A": 1}})
    j = one(sc)
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 1, pkg(5))
    assert j["implementation"] == kept(4, None, None, pkg(5))
    m = many(sc, runs=2500)
    assert [k["given_agreement"] for k in m["p_kept"]] == [1.0] * 4
    assert [k["period"] for k in m["p_kept"]] == [1, 2, 3, 4] and m["p_war"]["value"] == 0.0


def test_no_trust_reneges_in_the_first_period() -> None:
    """tau = 0 for both: q = 0, both renege in period 1; the reneger is the first decider
    in file order, A, whose reverts leave (high, slow) as it is (only fast delivery
    reverts for A): in force, no outcome (A is not in ``renege:``)."""
    j = one(implementation({"A": {"B": 0}, "B": {"A": 0}}, renege={"B": "war"}))
    assert j["implementation"] == kept(0, "A", None, pkg(5))
    assert j["war"] is False


def test_renege_reverts_or_leads_to_the_named_outcome() -> None:
    """Only B is distrusted (A trusts B 0, B trusts A 1): B reneges in period 1. Without
    ``renege:`` the price reverts as ``reverts: {B: mid}`` says: (mid, slow) in force.
    With ``renege: {B: war}``: the deal ends in war, counted in P(war)."""
    trust = {"A": {"B": 0}, "B": {"A": 1}}
    j = one(implementation(trust))
    assert j["implementation"] == kept(0, "B", None, pkg(3))
    assert j["agreement"] == pkg(5) and j["war"] is False
    sc = implementation(trust, renege={"B": "war"})
    j = one(sc)
    assert j["implementation"] == kept(0, "B", "war", None)
    assert j["war"] is True and j["no_deal"] == "war"  # talks agreed; the deal ended in war
    m = many(sc, runs=2500)
    assert m["p_agreement"]["value"] == 1.0 and m["p_war"]["value"] == 1.0
    assert m["no_deal"] == {"war": 1.0} and [k["p"] for k in m["p_kept"]] == [0.0] * 4
    f = zopa.simulate(sc, runs=10).to_frames()["runs"]
    assert list(f["reneged_by"]) == ["B"] * 10 and list(f["outcome"]) == ["war"] * 10
    assert list(f["war"]) == [True] * 10 and list(f["kept"]) == [0] * 10


def test_keeping_compounds_to_the_trust() -> None:
    """A trusts B 0.64: B keeps the deal each period with q = 0.64 ** (1/4) = 0.894427, so
    P(kept after k periods | agreement) = 0.64 ** (k / 4): 0.894427, 0.8, 0.715542, 0.64
    (each within 4 standard errors of 4000 runs)."""
    m = many(implementation({"A": {"B": 0.64}, "B": {"A": 1}}))
    assert m["p_agreement"]["value"] == 1.0
    got = [k["given_agreement"] for k in m["p_kept"]]
    for k, g in enumerate(got, 1):
        assert within(0.64 ** (k / 4), 4000, g), (k, g)
    assert got == sorted(got, reverse=True)


def test_spoiler_strikes_the_deal_at_signing() -> None:
    """S strikes the signed (high, slow), which it values at 0, with P = 0.2 / (1 + e ** -5)
    = 0.198661 into war: P(war) and 1 - P(kept | agreement) both about P."""
    p = 0.2 / (1 + math.exp(-5))
    m = many(implementation({"A": {"B": 1}, "B": {"A": 1}}, pmax=0.2))
    assert m["p_agreement"]["value"] == 1.0
    assert within(p, 4000, m["p_war"]["value"]) and m["no_deal"] == {"war": m["p_war"]["value"]}
    assert all(within(1 - p, 4000, k["given_agreement"]) for k in m["p_kept"])


def test_implementation_reads_the_shocked_trust() -> None:
    """A trust shock before round 1 takes A's trust in B from 1 to 0: B reneges at once."""
    shock = {"kind": "trust", "actor": "A", "at": 1, "trust": {"A": {"B": -1}}}
    j = one(implementation({"A": {"B": 1}, "B": {"A": 1}}, {"B": "war"}, shocks=[shock]))
    assert j["agreement"] == pkg(5)  # A's value 0.42 (B reneged: mid price) >= 0.4
    assert j["utilities"]["A"] == pytest.approx(0.42)
    assert (j["implementation"]["reneged_by"], j["implementation"]["outcome"]) == ("B", "war")


# --- determinism and the output -------------------------------------------------------------


def test_same_seed_same_bytes_for_any_number_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """sim_toy.yaml as written (random strikes and walk-outs, a trust shock, reneging):
    2,500 runs are two blocks; one process and two give the same bytes, another seed
    other bytes."""
    sc = zopa.load(TOY)
    assert sc.source_text is not None
    a = zopa.simulate(sc, runs=2500, seed=3)
    used: list[int] = []

    def pool(n: int) -> Any:
        used.append(n)
        return real_pool(n)

    real_pool = rounds.worker_pool
    monkeypatch.setattr(rounds, "worker_pool", pool)
    b = zopa.simulate(sc, runs=2500, seed=3, workers=2)
    assert used == [2]  # two processes ran the two blocks
    assert json.dumps(a.to_json()) == json.dumps(b.to_json())
    for f in ("end", "step", "agreement", "outcome", "kept", "reneger", "fired"):
        assert np.array_equal(getattr(a.per_run, f), getattr(b.per_run, f)), f
    c = zopa.simulate(sc, runs=2500, seed=4)
    assert json.dumps(c.to_json()) != json.dumps(a.to_json())
    j = a.to_json()
    assert 0 < j["ends"]["strike"] < 1 and 0 < j["ends"]["walk_out"] < 1
    assert json.dumps(one(sc, seed=5)) == json.dumps(one(sc, seed=5))


def test_one_run_json_and_frames() -> None:
    r = zopa.simulate(plain())
    j = r.to_json()
    assert {"scenario", "agreement", "step", "utilities"} <= set(j)
    assert set(j) == {"scenario", "protocol", "rounds", "seed", "strategies", "agreement",
                      "step", "utilities", "end", "ended_by", "no_deal", "war", "shocks",
                      "implementation", "trace"}  # fmt: skip
    assert (j["scenario"], j["protocol"], j["rounds"], j["seed"]) == (
        "sim-plain", "alternating", 13, 0)  # fmt: skip
    json.dumps(j, allow_nan=False)
    f = r.to_frames()
    assert set(f) == {"trace"} and len(f["trace"]) == len(j["trace"]) == 27  # 26 moves, end
    assert {"offer.price", "offer.delivery", "utility.A", "utility.B"} <= set(f["trace"].columns)
    assert list(f["trace"]["offer.price"][:2]) == ["high", "low"]
    dead = zopa.simulate(plain(rounds=9)).to_json()
    assert dead["agreement"] is None and dead["utilities"] is None


def test_many_runs_json_and_frames() -> None:
    """Without random shocks every run is the linear run: agreement at 13 on (high, slow)."""
    r = zopa.simulate(plain(), runs=3)
    j = r.to_json()
    assert j["runs"] == 3 and j["p_agreement"] == {"value": 1.0, "stderr": 0.0}
    assert j["rounds_to_agreement"] == {"mean": 13.0, "stderr": 0.0, "p05": 13.0, "p50": 13.0,
                                        "p95": 13.0}  # fmt: skip
    assert j["agreed_terms"] == {"price": {"high": 1.0}, "delivery": {"slow": 1.0}}
    assert j["ends"] == {"agreement": 1.0} and j["p_kept"] == [] and j["shocks"] == []
    f = r.to_frames()
    assert set(f) == {"runs", "agreed_terms"} and len(f["runs"]) == 3
    assert list(f["runs"]["price"]) == ["high"] * 3 and list(f["runs"]["step"]) == [13] * 3
    dead = zopa.simulate(plain(rounds=9), runs=3).to_frames()["runs"]
    assert list(dead["end"]) == ["deadline"] * 3 and list(dead["price"]) == [None] * 3


# --- the command line -----------------------------------------------------------------------


def test_cli_simulate_json_and_tables() -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["simulate", str(PLAIN), "--json"])
    assert r.exit_code == 0, r.output
    j = json.loads(r.stdout)
    assert (j["step"], j["agreement"]) == (13, pkg(5))
    r = runner.invoke(app, ["simulate", str(PLAIN), "--json", "--rounds", "9",
                            "--strategy", "A=hardliner"])  # fmt: skip
    j = json.loads(r.stdout)
    assert (j["step"], j["agreement"], j["strategies"]["A"]) == (9, None, "hardliner")
    r = runner.invoke(app, ["simulate", str(PLAIN), "--runs", "10", "--seed", "2", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["runs"] == 10
    for args in ([], ["--runs", "10"], ["--protocol", "mediated"]):
        f = TOY if args[:1] == ["--protocol"] else PLAIN
        r = runner.invoke(app, ["simulate", str(f), *args])
        assert r.exit_code == 0, r.output


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``zopa ARGS`` as the console entry point runs it (exit status, stderr)."""
    handlers = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    argv, sys.argv = sys.argv, ["zopa", *args]
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    finally:
        sys.argv = argv
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategy", "X=linear"], "--strategy: 'X' is not a decider (deciders: A, B)"),
        (["--strategy", "A=bluff"], "--strategy: unknown strategy 'bluff' (known: boulware, "
         "linear, conceder, hardliner, tit_for_tat, aspiration; aspiration:E, exponent E)"),
        (["--strategy", "A=aspiration"],
         "--strategy: 'aspiration': aspiration, and only it, takes an exponent (aspiration:2)"),
        (["--strategy", "A"], "--strategy: 'A': write ID=KIND, e.g. USA=boulware"),
        (["--protocol", "mediated"], "--protocol: protocol mediated needs a mediator: the "
         "scenario's simulation: block has none"),
        (["--protocol", "auction"],
         "--protocol: unknown protocol 'auction' (known: alternating, mediated)"),
        (["--rounds", "0"],
         "--rounds: 0 is out of range: must be between 1 and 10,000 (the longest deadline)"),
        (["--runs", "0"], "--runs: 0 is out of range: must be at least 1"),
    ],
)  # fmt: skip
def test_cli_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, err = cli(capsys, "simulate", str(PLAIN), *args)
    assert code == 2 and err == message + "\n"
    assert "Traceback" not in err


BASE = PLAIN.read_text().split("simulation:\n")[0]
BAD = {
    "unknown actor": (
        "simulation:\n  shocks:\n    - kind: walk_out\n      actor: X\n      at: 2\n",
        3, "simulation.shocks[0].actor", "unknown actor 'X' (known: A, B, H, M)"),
    "strike by a stakeholder": (
        "simulation:\n  shocks:\n    - kind: strike\n      actor: H\n      at: 2\n"
        "      outcome: war\n",
        3, "simulation.shocks[0].actor", "'H' is neither a decider nor a spoiler"),
    "two triggers": (
        "simulation:\n  rounds: 5\n  shocks:\n    - {kind: walk_out, actor: A, at: 2}\n"
        "    - {kind: walk_out, actor: B, at: 2, probability: 0.1}\n",
        4, "simulation.shocks[1]",
        "give one of at, probability or after_concession_by, not at and probability"),
    "goalposts without changes": (
        "simulation:\n  shocks:\n    - {kind: goalposts, actor: B, after_concession_by: A}\n",
        2, "simulation.shocks[0]",
        "a goalposts shock changes weights, utilities, red_lines or reservation: give one"),
    "unknown outcome": (
        "simulation:\n  shocks:\n    - kind: strike\n      actor: A\n      at: 2\n"
        "      outcome: peace\n",
        5, "simulation.shocks[0].outcome", "unknown no_deal outcome 'peace' (known: "
        "stalemate, war)"),
    "mediator not a mediator": (
        "simulation:\n  protocol: mediated\n  mediator:\n    actor: A\n",
        3, "simulation.mediator.actor", "'A' has role party, not mediator"),
    "period without dynamics": (
        "simulation:\n  rounds: 5\n  period: 2\n",
        2, "simulation.period", "period (rounds per period of drift) needs dynamics:"),
    "aspiration without exponent": (
        "simulation:\n  strategies:\n    B: {kind: linear}\n    A: {kind: aspiration}\n",
        3, "simulation.strategies.A",
        "kind aspiration needs an exponent (u(t) = 1 - t ** exponent)"),
    "strategy of a non-decider": (
        "simulation:\n  strategies:\n    M: {kind: linear}\n",
        2, "simulation.strategies.M", "'M' is not a decider"),
    "decider strike without outcome": (
        "simulation:\n  shocks:\n    - {kind: strike, actor: B, at: 4}\n",
        2, "simulation.shocks[0].outcome",
        "a decider's strike names the no-deal outcome it leads to (outcome:)"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_cli_bad_simulation_block_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    """Each bad ``simulation:`` block: exit 2, one line ``FILE:LINE: field: message``
    (LINE counted from the ``simulation:`` line, which is line 0 here)."""
    block, offset, field, message = BAD[case]
    f = tmp_path / "bad.yaml"
    f.write_text(BASE + block)
    line = BASE.count("\n") + 1 + offset
    code, err = cli(capsys, "simulate", str(f))
    assert code == 2 and "Traceback" not in err
    assert err == f"{f}:{line}: {field}: {message}\n"
    code, err2 = cli(capsys, "validate", str(f))
    assert (code, err2) == (2, err)
