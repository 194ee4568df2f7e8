"""One simulated run of talks, with its trace: what ``zopa simulate`` prints without
``--runs``.

The run is reproducible: its random shocks, no-deal lottery and implementation are drawn
from ``--seed`` (default 0). Without random shocks and implementation it is the
deterministic run NegMAS would play (:mod:`zopa.simulation.engine`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired

import numpy as np
from typing_extensions import TypedDict

from zopa.results import finite, frame, rounded
from zopa.simulation.engine import AGREED, ENDS, negotiate
from zopa.simulation.implementation import implement
from zopa.simulation.setup import Setup

if TYPE_CHECKING:
    import pandas


class TraceJson(TypedDict):
    """One event: an offer or the mediator's text (with each decider's utility and its
    distance to the zone), an acceptance, a shock, a walk-out, or the end."""

    round: int
    step: int
    actor: str
    action: str
    offer: NotRequired[dict[str, str]]
    utilities: NotRequired[dict[str, float]]
    acceptable_to: NotRequired[list[str]]
    zone_distance: NotRequired[float]
    accepted_by: NotRequired[list[str]]
    objections: NotRequired[dict[str, str]]
    shock: NotRequired[str]
    index: NotRequired[int]
    why: NotRequired[str]
    outcome: NotRequired[str]


class ShockJson(TypedDict):
    round: int
    kind: str
    actor: str
    index: int


class KeptJson(TypedDict):
    """The implementation of the deal: periods kept before a renege (all of them: never
    reneged), who reneged or struck, what the deal ended in and the package in force."""

    periods: int
    kept: int
    reneged_by: str | None
    struck_by: str | None
    outcome: str | None
    in_force: dict[str, str] | None


class SimulateRunJson(TypedDict):
    """``zopa simulate --json`` without ``--runs``: one run and its trace."""

    scenario: str
    protocol: str
    rounds: int
    seed: int
    strategies: dict[str, str]
    agreement: dict[str, str] | None
    step: int
    utilities: dict[str, float] | None
    end: str
    ended_by: str | None
    no_deal: (
        str | None
    )  # the no-deal outcome the run ended in: failed talks, a struck or broken deal
    war: bool
    shocks: list[ShockJson]
    implementation: KeptJson | None
    trace: list[TraceJson]


def strategy_names(s: Setup) -> dict[str, str]:
    """Each decider's strategy as a short label (``aspiration(2)`` with its exponent)."""
    out = {}
    for d, p in zip(s.deciders, s.plans, strict=True):
        out[d] = f"aspiration({p.exponent:g})" if p.kind == "aspiration" else p.kind
    return out


def _round_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if "utilities" in out:
        out["utilities"] = {k: rounded(v) for k, v in out["utilities"].items()}
    if "zone_distance" in out:
        out["zone_distance"] = rounded(out["zone_distance"])
    return out


@dataclass
class SimulationRun:
    """One run: its end, agreement, shocks, implementation and trace."""

    scenario: str
    protocol: str
    rounds: int
    seed: int
    strategies: dict[str, str]
    agreement: dict[str, str] | None
    step: int
    utilities: dict[str, float] | None
    end: str
    ended_by: str | None
    no_deal: str | None
    war: bool
    shocks: list[ShockJson]
    implementation: KeptJson | None
    trace: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> SimulateRunJson:
        return {
            "scenario": self.scenario,
            "protocol": self.protocol,
            "rounds": self.rounds,
            "seed": self.seed,
            "strategies": self.strategies,
            "agreement": self.agreement,
            "step": self.step,
            "utilities": (
                {k: rounded(v) for k, v in self.utilities.items()} if self.utilities else None
            ),
            "end": self.end,
            "ended_by": self.ended_by,
            "no_deal": self.no_deal,
            "war": self.war,
            "shocks": self.shocks,
            "implementation": self.implementation,
            "trace": [_round_row(r) for r in self.trace],  # type: ignore[misc]
        }

    def to_frames(self) -> dict[str, pandas.DataFrame]:
        """``trace``: one row per event, the offer's options as ``offer.<issue>`` columns
        and each decider's utility as ``utility.<decider>``."""
        rows = []
        for r in self.trace:
            row = {k: v for k, v in r.items() if k not in ("offer", "utilities")}
            for k, v in (r.get("offer") or {}).items():
                row[f"offer.{k}"] = v
            for k, v in (r.get("utilities") or {}).items():
                row[f"utility.{k}"] = finite(v)
            for k in ("acceptable_to", "accepted_by"):
                if k in row:
                    row[k] = ",".join(row[k])
            if "objections" in row:
                row["objections"] = ",".join(f"{a}:{i}" for a, i in row["objections"].items())
            rows.append(row)
        return {"trace": frame(rows)}


def simulate_once(s: Setup, seed: int = 0) -> SimulationRun:
    """One run of ``s`` from ``seed`` (:func:`zopa.simulation.engine.negotiate` and, with an
    ``implementation:`` block, :func:`zopa.simulation.implementation.implement`)."""
    rng = np.random.default_rng([seed, 0])
    b = negotiate(s, 1, rng, trace=True)
    reg = s.regimes[int(b.regime[0])]
    actors = [a.id for a in s.sc.actors]
    agreed = int(b.end[0]) == AGREED
    pkg = int(b.agreement[0])
    shocks: list[ShockJson] = [
        {"round": int(r["round"]), "kind": str(r["shock"]), "actor": str(r["actor"]),
         "index": int(r["index"])}
        for r in b.trace if r["action"] == "shock"
    ]  # fmt: skip
    kept: KeptJson | None = None
    ended_in = int(b.outcome[0])
    if agreed and s.periods:
        k = implement(s, b, rng)
        out = ended_in = int(k.outcome[0])
        kept = {
            "periods": s.periods,
            "kept": int(k.kept[0]),
            "reneged_by": s.deciders[int(k.reneger[0])] if k.reneger[0] >= 0 else None,
            "struck_by": s.sc.spoilers[int(k.struck[0])].actor if k.struck[0] >= 0 else None,
            "outcome": s.outcomes[out] if out >= 0 else None,
            "in_force": reg.space.package(int(k.package[0])) if out < 0 else None,
        }
    return SimulationRun(
        scenario=s.sc.id,
        protocol=s.protocol,
        rounds=s.rounds,
        seed=seed,
        strategies=strategy_names(s),
        agreement=reg.space.package(pkg) if agreed else None,
        step=int(b.step[0]),
        utilities=(
            {d: float(t.value[pkg]) for d, t in zip(s.deciders, reg.tables, strict=True)}
            if agreed
            else None
        ),
        end=ENDS[int(b.end[0])],
        ended_by=actors[int(b.by[0])] if b.by[0] >= 0 else None,
        no_deal=s.outcomes[ended_in] if ended_in >= 0 else None,
        war=bool(ended_in >= 0 and s.war[ended_in]),
        shocks=shocks,
        implementation=kept,
        trace=b.trace,
    )
