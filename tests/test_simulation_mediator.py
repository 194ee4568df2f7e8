"""The mediator's single negotiating text when the objections cancel: computed by hand."""

from __future__ import annotations

import zopa

TEXT = """
zopa: 1
id: stuck
title: Opposed objections on one issue, a trade on another
actors:
  - {id: A, name: A, role: party}
  - {id: B, name: B, role: party}
  - {id: M, name: Mediator, role: mediator}
issues:
  - id: x
    name: X
    options: [{id: a, at: 0}, {id: b, at: 50}, {id: c, at: 100}]
  - id: y
    name: Y
    options: [{id: p, at: 0}, {id: q, at: 100}]
preferences:
  A:
    weights: {x: 0.7, y: 0.3}
    utilities: {x: {a: 1, b: 0.5, c: 0}, y: {p: 0, q: 1}}
    reservation: 0.5
  B:
    weights: {x: 0.7, y: 0.3}
    utilities: {x: {a: 0, b: 0.5, c: 1}, y: {p: 0, q: 1}}
    reservation: 0.5
simulation:
  protocol: mediated
  rounds: 10
  mediator: {actor: M}
  strategies:
    A: {kind: hardliner, accept: rational}
    B: {kind: hardliner, accept: rational}
"""


def test_objections_that_cancel_open_a_trade_on_the_next_issue() -> None:
    """The first text is the middle: x = b (at 50), y = p (0 and 100 tie; the earlier).
    (b, p) is worth 0.35 to both, below their 0.5: both object, and both name x (moving x
    to their best gains 0.35, moving y to q gains 0.3). Among the texts changing x, (a, p)
    0.7 / 0, (b, p) 0.35 / 0.35, (c, p) 0 / 0.7, none is acceptable to both: the least
    largest shortfall is (b, p)'s 0.15: the text stands still. In round 2 each names its
    two most wanted issues, x and y: (b, q) is worth 0.65 to both, the only text acceptable
    to both (Nash product 0.0225): y moves p -> q. Round 3: both accept (b, q), step 3."""
    j = zopa.simulate(zopa.loads(TEXT)).to_json()
    texts = [r for r in j["trace"] if r["action"] == "text"]
    assert [r["offer"] for r in texts] == [
        {"x": "b", "y": "p"},
        {"x": "b", "y": "p"},
        {"x": "b", "y": "q"},
    ]
    assert texts[0]["objections"] == {"A": "x", "B": "x"}
    assert texts[2]["accepted_by"] == ["A", "B"]
    assert (j["end"], j["step"], j["agreement"]) == ("agreement", 3, {"x": "b", "y": "q"})
    assert j["utilities"] == {"A": 0.65, "B": 0.65}
