"""What a simulation runs on: a scenario's ``simulation:`` block with its numbers resolved.

:func:`setup` reads the block (or its defaults: stacked alternating offers, 50 rounds,
every decider Boulware), applies the command line's overrides (``--rounds``,
``--strategy ID=KIND``, ``--protocol``) and resolves every number to a float: strategy
exponents and acceptance times, shock probabilities, the no-deal lottery.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zopa.scenario.preferences import option_places
from zopa.scenario.schema import Scenario, Shock, Simulation, Strategy
from zopa.scenario.values import Values
from zopa.simulation.regimes import Regime, Regimes
from zopa.simulation.strategies import Plan

DEFAULT_ROUNDS = 50
DEFAULT_KIND = "boulware"  # NegMAS's default aspiration curve


@dataclass(frozen=True)
class ShockPlan:
    """One shock, resolved: who, when, what it ends in."""

    index: int
    kind: str
    actor: str
    at: int | None  # before this round (1-based)
    probability: float | None  # each round
    model: bool  # a spoiler's strike at the spoiler model's probability of the standing text
    spoiler: int | None  # index in ``spoilers:``
    after: int | None  # decider index whose first concession triggers it
    outcome: int | None  # no-deal outcome it leads to
    shock: Shock

    @property
    def ends(self) -> bool:
        return self.kind in ("strike", "walk_out")

    @property
    def random(self) -> bool:
        return self.probability is not None or self.model


@dataclass
class Setup:
    """Everything a batch of runs shares."""

    sc: Scenario
    protocol: str
    rounds: int
    deciders: list[str]
    plans: list[Plan]
    veto: np.ndarray  # (n,) bool
    quota: int
    regimes: Regimes
    shocks: list[ShockPlan]
    outcomes: list[str]
    lottery: np.ndarray  # (outcomes,) no-deal probabilities, normalised
    war: np.ndarray  # (outcomes,) bool
    mediator: str | None = None
    start: int | None = None  # the mediator's first text (package index)
    solution: str = "nash"
    step: int = 1
    periods: int | None = None  # implementation periods
    renege: dict[int, int] = field(default_factory=dict)  # decider -> no-deal outcome
    period: int | None = None  # rounds per period of drift

    @property
    def n(self) -> int:
        return len(self.deciders)

    @property
    def base(self) -> Regime:
        """The regime before any shock (compiled on first use)."""
        return self.regimes[self.regimes.get(())]

    @property
    def random_shocks(self) -> list[ShockPlan]:
        return [s for s in self.shocks if s.random]


def _parsed(kind: str, given: Strategy | None) -> Strategy:
    """A strategy from its command-line form, ``KIND`` or ``aspiration:E``: the curve
    replaces the file's; the file's acceptance rule and patience stay."""
    name, _, exp = kind.partition(":")
    curve = Strategy.model_validate({"kind": name, **({"exponent": float(exp)} if exp else {})})
    if given is None:
        return curve
    return given.model_copy(update={"kind": curve.kind, "exponent": curve.exponent})


def _plan(s: Strategy, val: Values) -> Plan:
    return Plan(
        kind=s.kind,
        exponent=val.scalar(s.exponent) if s.exponent is not None else None,
        accept=s.accept,
        accept_after=val.scalar(s.accept_after) if s.accept_after is not None else None,
        patience=s.patience,
    )


def setup(
    sc: Scenario,
    rounds: int | None = None,
    strategies: dict[str, str] | None = None,
    protocol: str | None = None,
) -> Setup:
    """The :class:`Setup` of ``sc``'s ``simulation:`` block (defaults without one), with the
    overrides: ``rounds`` (the deadline), ``strategies`` (decider -> kind) and
    ``protocol``. Overrides are checked by :func:`zopa.api.simulate`."""
    sim = sc.simulation or Simulation()
    val = Values(sc)
    deciders = [a.id for a in sc.deciders]
    plans = []
    for d in deciders:
        given = sim.strategies.get(d)
        kind = (strategies or {}).get(d)
        if kind is not None:
            given = _parsed(kind, given)
        plans.append(_plan(given, val) if given is not None else Plan(DEFAULT_KIND))
    quota = len(deciders)
    if sc.decision.rule == "quota" and sc.decision.at_least is not None:
        quota = sc.decision.at_least
    outcomes = [o.id for o in sc.no_deal]
    spoilers = {sp.actor: k for k, sp in enumerate(sc.spoilers)}
    plans_s = []
    for k, sh in enumerate(sim.shocks):
        sp = spoilers.get(sh.actor) if sh.kind == "strike" else None
        target = sh.outcome
        if target is None and sp is not None:
            target = sc.spoilers[sp].outcome
        trigger = sh.at is None and sh.probability is None and sh.after_concession_by is None
        plans_s.append(
            ShockPlan(
                index=k,
                kind=sh.kind,
                actor=sh.actor,
                at=sh.at,
                probability=val.scalar(sh.probability) if sh.probability is not None else None,
                model=sp is not None and trigger,
                spoiler=sp,
                after=deciders.index(sh.after_concession_by) if sh.after_concession_by else None,
                outcome=outcomes.index(target) if target is not None else None,
                shock=sh,
            )
        )
    p = np.array([val.scalar(o.probability) for o in sc.no_deal], dtype=float)
    lottery = p / p.sum() if p.size and p.sum() > 0 else p
    periods = sc.dynamics.periods if (sim.period is not None and sc.dynamics) else None
    regimes = Regimes(sc, list(sim.shocks), periods)
    out = Setup(
        sc=sc,
        protocol=protocol or sim.protocol,
        rounds=rounds or sim.rounds,
        deciders=deciders,
        plans=plans,
        veto=np.array([a.role == "veto" for a in sc.deciders]),
        quota=quota,
        regimes=regimes,
        shocks=plans_s,
        outcomes=outcomes,
        lottery=lottery,
        war=np.array([o.war for o in sc.no_deal], dtype=bool),
        period=sim.period,
    )
    if sim.mediator is not None:
        out.mediator = sim.mediator.actor
        out.solution = sim.mediator.solution
        out.step = sim.mediator.step
        space = out.base.space
        if sim.mediator.start is not None:
            out.start = space.references[sim.mediator.start]
        else:
            # on the file's issues (a compound issue keeps the package numbers)
            shape = tuple(len(i.options) for i in sc.issues)
            out.start = middle(option_places(sc, val), shape)
    if sim.implementation is not None:
        out.periods = sim.implementation.periods
        out.renege = {deciders.index(d): outcomes.index(o)
                      for d, o in sim.implementation.renege.items()}  # fmt: skip
    return out


def middle(option_at: tuple[np.ndarray, ...], shape: tuple[int, ...]) -> int:
    """The package whose option on every issue is nearest the middle of its scale (50; on
    a tie, the earlier option): the mediator's first text when none is named."""
    digits = [int(np.argmin(np.abs(np.asarray(at, dtype=float) - 50.0))) for at in option_at]
    return int(np.ravel_multi_index(digits, shape))
