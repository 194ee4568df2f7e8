"""Whole-file checks of a scenario: cross-references, unique ids, completeness.

:func:`cross_check` returns every problem as ``(path, message)``; the loader turns the
paths into line numbers. Weights, utilities, ideals and red lines name existing issues and
options; every decider has preferences; ids are unique and no issue or option id is a
reserved key; every issue an actor weighs has utilities or an ideal (not both); utilities
``given`` another issue cover its options and join two adjacent issues, one pair per
issue; cited
sources exist; expressions compile and parameters do not depend on themselves; plain
no-deal probabilities sum to 1; a quota asks for no more deciders than there are; the
no-deal model (outcomes, conflict, dynamics, credibility, spoilers, influence, reference
packages, constraints) names existing actors, deciders, outcomes and packages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from zopa.scenario.compound import conditional_utilities
from zopa.scenario.numbers import walk
from zopa.scenario.schema import (
    RESERVED_KEYS,
    ConditionalUtility,
    Number,
    Order,
    Preferences,
    Scenario,
    UtilityMap,
    UtilityOrder,
)
from zopa.scenario.shocks import changed_preferences
from zopa.scenario.supports import check_supports
from zopa.scenario.yamlfile import Path_, dotted

Found = tuple[tuple[str | int, ...], str]


def cross_check(sc: Scenario, raw: dict[str, Any]) -> list[Found]:
    """Every cross-reference problem in ``sc`` (``raw`` is the file's data, for source refs)."""
    out: list[Found] = []
    out += _unique("sources", [s.id for s in sc.sources])
    out += _unique("actors", [a.id for a in sc.actors])
    out += _unique("issues", [i.id for i in sc.issues])
    for k, iss in enumerate(sc.issues):
        out += _unique(("issues", k, "options"), [o.id for o in iss.options])
        if iss.id in RESERVED_KEYS:
            out.append((("issues", k, "id"), f"'{iss.id}' is a reserved word"))
        for j, o in enumerate(iss.options):
            if o.id in RESERVED_KEYS:
                out.append((("issues", k, "options", j, "id"), f"'{o.id}' is a reserved word"))

    source_ids = {s.id for s in sc.sources}
    for path, ref in _source_refs(raw):
        if ref not in source_ids:
            known = ", ".join(sorted(source_ids)) or "none are declared under sources:"
            out.append(((*path, "ref"), f"unknown source '{ref}' (known: {known})"))

    actors = {a.id for a in sc.actors}
    issues = {i.id: {o.id for o in i.options} for i in sc.issues}
    option_order = {i.id: [o.id for o in i.options] for i in sc.issues}
    if not sc.deciders:
        out.append((("actors",), "no decider: at least one actor must have role party or veto"))
    for a in sc.deciders:
        if a.id not in sc.preferences:
            out.append((("preferences",), f"decider '{a.id}' (role {a.role}) has no preferences"))
    for actor, pref in sc.preferences.items():
        out += _preference_problems(
            actor, pref, ("preferences", actor), actors, issues, option_order
        )

    out += _interaction_problems(sc)
    out += _check_model(sc, raw, actors, issues)
    if sc.simulation is not None:
        out += _simulation_problems(sc, actors, issues, option_order)
    out += check_supports(sc)
    d = sc.decision
    n_dec = len(sc.deciders)
    if d.rule == "quota":
        if d.at_least is None:
            out.append((("decision",), "rule quota needs at_least"))
        elif d.at_least > n_dec:
            out.append(
                (("decision", "at_least"), f"{d.at_least} is more than the {n_dec} deciders")
            )
    elif d.at_least is not None:
        out.append((("decision", "at_least"), "at_least goes with rule: quota only"))
    return out


def _preference_problems(
    actor: str,
    pref: Preferences,
    base: tuple[str | int, ...],
    actors: set[str],
    issues: dict[str, set[str]],
    option_order: dict[str, list[str]],
) -> list[Found]:
    """Problems of one actor's preferences (written at ``base``)."""
    out: list[Found] = []
    if actor not in actors:
        out.append((base, f"unknown actor '{actor}'"))
    if isinstance(pref.weights, Order):
        out += _order_problems(pref.weights, (*base, "weights"), "issue", issues)
        weights = dict.fromkeys(pref.weights.items(), Number(value=1.0))
    else:
        weights = pref.weights.numbers()
    for issue in weights if not isinstance(pref.weights, Order) else ():
        if issue not in issues:
            out.append(((*base, "weights", issue), _unknown("issue", issue, issues)))
    if (
        weights
        and all(w.kind != "expr" for w in weights.values())
        and sum(float(w) for w in weights.values()) <= 0
    ):
        out.append(((*base, "weights"), "weights must not all be zero"))
    if not weights:
        out.append(((*base, "weights"), "no weights: give a salience for at least one issue"))
    ideal = pref.ideal.numbers() if pref.ideal is not None else {}
    for issue in ideal:
        if issue not in issues:
            out.append(((*base, "ideal", issue), _unknown("issue", issue, issues)))
    for issue, umap in pref.utilities.items():
        if issue not in issues:
            out.append(((*base, "utilities", issue), _unknown("issue", issue, issues)))
            continue
        at = (*base, "utilities", issue)
        if isinstance(umap, ConditionalUtility):
            out += _conditional_problems(umap, at, issue, issues, option_order)
        else:
            out += _utility_problems(umap, at, issue, issues, option_order)
        if issue in ideal:
            out.append(
                ((*base, "ideal", issue), "give utilities or an ideal for an issue, not both")
            )
    for issue in [*pref.utilities, *ideal]:
        if issue in issues and issue not in weights and not isinstance(pref.weights, Order):
            out.append(
                ((*base, "weights"), f"no weight for issue '{issue}' (write 0 to ignore it)")
            )
    for issue, w in weights.items():
        if (
            issue in issues
            and (w.kind == "expr" or float(w) > 0)
            and issue not in pref.utilities
            and issue not in ideal
        ):
            out.append(
                ((*base, "weights", issue), "weighted issue has neither utilities nor an ideal")
            )
    for r, line in enumerate(pref.red_lines):
        where = (*base, "red_lines", r)
        if line.issue not in issues:
            out.append(((*where, "issue"), _unknown("issue", line.issue, issues)))
            continue
        for j, opt in enumerate(line.not_):
            if opt not in issues[line.issue]:
                out.append(
                    (
                        (*where, "not", j),
                        _unknown(f"option of issue '{line.issue}'", opt, issues[line.issue]),
                    )
                )
    return out


def _utility_problems(
    umap: UtilityMap | UtilityOrder,
    at: Path_,
    issue: str,
    issues: dict[str, set[str]],
    option_order: dict[str, list[str]],
) -> list[Found]:
    """One issue's utilities (a map or an order, written at ``at``): they name options of
    the issue, every one of them."""
    out: list[Found] = []
    what = f"option of issue '{issue}'"
    if isinstance(umap, Order):
        return out + _order_problems(umap, at, what, issues[issue], option_order[issue])
    given = umap.numbers()
    for opt in given:
        if opt not in issues[issue]:
            out.append(((*at, opt), _unknown(what, opt, issues[issue])))
    missing = [o for o in option_order[issue] if o not in given]
    if missing:
        out.append((at, f"no utility for option(s) {', '.join(missing)}"))
    return out


def _conditional_problems(
    cu: ConditionalUtility,
    at: Path_,
    issue: str,
    issues: dict[str, set[str]],
    option_order: dict[str, list[str]],
) -> list[Found]:
    """Utilities ``given`` another issue (written at ``at``): ``given`` is another issue,
    ``values`` has an entry for each of its options (and no other), each entry names every
    option of ``issue``. Adjacency and chains: :func:`_interaction_problems`."""
    out: list[Found] = []
    if cu.given == issue:
        return [((*at, "given"), f"utilities of '{issue}' cannot be given '{issue}' itself:"
                                 " name another issue")]  # fmt: skip
    if cu.given not in issues:
        return [((*at, "given"), _unknown("issue", cu.given, issues))]
    what = f"option of issue '{cu.given}' (the given issue)"
    for g, inner in cu.values.items():
        if g not in issues[cu.given]:
            out.append(((*at, "values", g), _unknown(what, g, issues[cu.given])))
        else:
            out += _utility_problems(inner, (*at, "values", g), issue, issues, option_order)
    missing = [g for g in option_order[cu.given] if g not in cu.values]
    if missing:
        opts = ", ".join(missing)
        msg = f"no utilities of '{issue}' for option(s) {opts} of the given issue '{cu.given}'"
        out.append(((*at, "values"), msg))
    return out


def _interaction_problems(sc: Scenario) -> list[Found]:
    """Issues joined by ``given:`` (in preferences and shocks) are next to each other in
    the file, and each issue interacts with one other issue at most (no chains; one
    ``given`` per issue: the same pair may be written either way round)."""
    ids = [i.id for i in sc.issues]
    out: list[Found] = []
    partner: dict[str, tuple[str, Path_]] = {}
    for at, issue, u in conditional_utilities(sc):
        given = u.given
        if issue not in ids or given not in ids or issue == given:
            continue  # reported with the actor's preferences
        if abs(ids.index(issue) - ids.index(given)) != 1:
            out.append(((*at, "given"), f"issues '{issue}' and '{given}' interact (given:) but"
                        " are not next to each other in the file: place them next to each"
                        " other under issues: (the two become one compound issue)"))  # fmt: skip
            continue
        bad = None
        for x, y in ((issue, given), (given, issue)):
            if x in partner and partner[x][0] != y:
                other, where = partner[x]
                bad = (f"issue '{x}' already interacts with '{other}' (at {dotted(where)}):"
                       " an issue interacts with one other issue at most (no chains of"
                       " given:)")  # fmt: skip
        if bad is not None:
            out.append(((*at, "given"), bad))
            continue
        partner.setdefault(issue, (given, at))
        partner.setdefault(given, (issue, at))
    return out


def _unique(where: str | tuple[str | int, ...], ids: list[str]) -> list[Found]:
    base = (where,) if isinstance(where, str) else where
    seen: dict[str, int] = {}
    out: list[Found] = []
    for i, x in enumerate(ids):
        if x in seen:
            out.append(((*base, i, "id"), f"duplicate id '{x}' (also at position {seen[x] + 1})"))
        else:
            seen[x] = i
    return out


def _order_problems(
    order: Order, where: Path_, what: str, known: Any, every: list[str] | None = None
) -> list[tuple[Path_, str]]:
    """An order's unknown ids (located at the id) and, when it must name ``every`` id
    once (a utility order names every option of its issue), the ones it misses."""
    out: list[tuple[Path_, str]] = []
    for g, group in enumerate(order.order):
        members = (
            [(group, (g,))]
            if isinstance(group, str)
            else [(x, (g, i)) for i, x in enumerate(group)]
        )
        for x, at in members:
            if x not in known:
                out.append(((*where, "order", *at), _unknown(what, x, known)))
    missing = [x for x in every or [] if x not in order.items()]
    if missing:
        out.append(((*where, "order"), f"the order misses option(s) {', '.join(missing)}:"
                    " a utility order names every option exactly once"))  # fmt: skip
    return out


def _influence_problems(
    at: tuple[str | int, ...], who: str, row: Any, with_prefs: Any
) -> list[tuple[tuple[str | int, ...], str]]:
    """Influence weights on ``who``: other actors with preferences, summing to at most 1."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for whom in row.numbers():
        if whom not in with_prefs or whom == who:
            out.append(((*at, whom), f"'{whom}' is not another actor with preferences"))
    total = sum(float(w) for w in row.numbers().values() if w.kind != "expr")
    if total > 1 + 1e-9:
        out.append((at, f"influence weights sum to {total:g}, more than 1"))
    return out


def _unknown(kind: str, name: str, known: Any) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"unknown {kind} '{name}' (known: {shown})"


def _source_refs(data: Any) -> Iterator[tuple[Path_, str]]:
    """Every ``source: {ref: ...}`` of the raw data: its path and the id it cites."""

    def cites(path: Path_, node: Any) -> bool:
        return (
            bool(path)
            and path[-1] == "source"
            and isinstance(node, dict)
            and isinstance(node.get("ref"), str)
        )

    for path, node in walk(data, lambda p, x: not cites(p, x)):
        if cites(path, node):
            yield path, node["ref"]


_PARAM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_model(
    sc: Scenario, raw: dict[str, Any], actors: set[str], issues: dict[str, set[str]]
) -> list[Found]:
    """Cross-checks of the no-deal model: parameters, outcomes, conflict, credibility..."""
    out: list[Found] = []
    deciders = {a.id for a in sc.deciders}
    with_prefs = set(sc.preferences)
    strikers = {sp.actor for sp in sc.spoilers}
    refs = {r.id for r in sc.reference_packages}
    names = set(sc.parameters)
    for name in sc.parameters:
        if not _PARAM.match(name) or name.startswith("__"):
            out.append((("parameters", name), "a parameter name must be a plain identifier"))
    out += _expressions(raw, names)
    outcomes = {o.id for o in sc.no_deal}
    out += _unique("no_deal", [o.id for o in sc.no_deal])
    if sc.no_deal:
        plain = [o.probability for o in sc.no_deal if o.probability.kind != "expr"]
        if len(plain) == len(sc.no_deal):
            total = sum(float(p) for p in plain)
            if abs(total - 1.0) > 1e-6:
                out.append((("no_deal",), f"probabilities sum to {total:g}, not 1"))
    for k, outcome in enumerate(sc.no_deal):
        for a in outcome.values.numbers():
            if a not in actors:
                out.append((("no_deal", k, "values", a), f"unknown actor '{a}'"))
    for dec_actor in sc.deciders:
        p = sc.preferences.get(dec_actor.id)
        if p is not None and p.reservation is None and sc.no_deal:
            missing = [o.id for o in sc.no_deal if dec_actor.id not in o.values.numbers()]
            if missing:
                out.append(
                    (
                        ("preferences", dec_actor.id),
                        f"no reservation and no no_deal value for {', '.join(missing)} "
                        "(the reservation is the expected no-deal value)",
                    )
                )
    if sc.conflict is not None:
        c = sc.conflict
        for pos, a in enumerate(c.between):
            if a not in deciders:
                out.append((("conflict", "between", pos), f"'{a}' is not a decider"))
        if len(set(c.between)) != 2:
            out.append((("conflict", "between"), "a conflict is between two different deciders"))
        for a in c.between:
            if a not in c.cost.numbers():
                out.append((("conflict", "cost"), f"no cost of fighting for '{a}'"))
        for a in c.cost.numbers():
            if a not in c.between:
                out.append((("conflict", "cost", a), f"'{a}' is not in the conflict"))
        for a, n in c.cost_belief.items():
            if a not in c.between:
                out.append((("conflict", "cost_belief", a), f"'{a}' is not in the conflict"))
            elif not n.uncertain:
                out.append(
                    (("conflict", "cost_belief", a), "a belief about a cost is a distribution")
                )
    if sc.dynamics is not None:
        for name in sc.dynamics.drift.numbers():
            if name == "prevails":
                if sc.conflict is None:
                    out.append((("dynamics", "drift", name), "prevails drifts only with conflict:"))
            elif name not in names:
                out.append(
                    (("dynamics", "drift", name), _unknown("parameter", name, names | {"prevails"}))
                )
    if sc.credibility is not None:
        for i, row in sc.credibility.trust.items():
            if i not in deciders:
                out.append((("credibility", "trust", i), f"'{i}' is not a decider"))
            for trusted in row.numbers():
                if trusted not in deciders or trusted == i:
                    out.append(
                        (
                            ("credibility", "trust", i, trusted),
                            f"'{trusted}' is not another decider",
                        )
                    )
    for k, iss in enumerate(sc.issues):
        for jo, opt in enumerate(iss.options):
            base = ("issues", k, "options", jo)
            for truster, changes in opt.trust.items():
                if sc.credibility is None:
                    out.append(((*base, "trust"), "trust changes need a credibility: block"))
                    break
                for t in [truster, *changes.numbers()]:
                    if t not in deciders:
                        out.append(((*base, "trust", truster), f"'{t}' is not a decider"))
            if opt.delivered is not None:
                other = opt.delivered.otherwise
                if other not in issues[iss.id] or other == opt.id:
                    out.append(
                        (
                            (*base, "delivered", "otherwise"),
                            _unknown(
                                f"other option of issue '{iss.id}'",
                                other,
                                [o for o in issues[iss.id] if o != opt.id],
                            ),
                        )
                    )
                elif next(o for o in iss.options if o.id == other).delivered is not None:
                    out.append(
                        (
                            (*base, "delivered", "otherwise"),
                            f"'{other}' has a delivered: of its own (one step only)",
                        )
                    )
            for a, target in opt.reverts.items():
                if a not in deciders and a not in strikers:
                    out.append(
                        (
                            (*base, "reverts", a),
                            f"'{a}' is neither a decider nor a striker (spoilers:)",
                        )
                    )
                if target not in issues[iss.id]:
                    out.append(
                        (
                            (*base, "reverts", a),
                            _unknown(f"option of issue '{iss.id}'", target, issues[iss.id]),
                        )
                    )
    for k, sp in enumerate(sc.spoilers):
        if sp.actor not in with_prefs:
            out.append((("spoilers", k, "actor"), f"spoiler '{sp.actor}' has no preferences"))
        logistic = [sp.max_probability, sp.threshold, sp.scale]
        if sp.probability is not None and any(x is not None for x in logistic):
            out.append(
                (
                    ("spoilers", k, "probability"),
                    "give probability, or max_probability with threshold and scale, not both",
                )
            )
        elif sp.probability is None and any(x is None for x in logistic):
            missing = [
                n
                for n, x in zip(("max_probability", "threshold", "scale"), logistic, strict=True)
                if x is None
            ]
            out.append(
                (
                    ("spoilers", k, missing[0]),
                    f"missing {', '.join(missing)} (or give a fixed probability)",
                )
            )
        if sp.outcome not in outcomes:
            out.append(
                (("spoilers", k, "outcome"), _unknown("no_deal outcome", sp.outcome, outcomes))
            )
        if sp.baseline is not None and sp.baseline not in refs:
            out.append(
                (("spoilers", k, "baseline"), _unknown("reference package", sp.baseline, refs))
            )
        if sp.influence is not None:
            out += _influence_problems(("spoilers", k, "influence"), sp.actor, sp.influence,
                                       with_prefs)  # fmt: skip
    for i, row in sc.influence.items():
        if i not in deciders:
            out.append((("influence", i), f"'{i}' is not a decider"))
        out += _influence_problems(("influence", i), i, row, with_prefs)
    out += _unique("reference_packages", [r.id for r in sc.reference_packages])
    for k, r in enumerate(sc.reference_packages):
        for issue in issues:
            if issue not in r.package:
                out.append((("reference_packages", k, "package"), f"no option for issue '{issue}'"))
        for issue, chosen in r.package.items():
            if issue not in issues:
                out.append(
                    (("reference_packages", k, "package", issue), _unknown("issue", issue, issues))
                )
            elif chosen not in issues[issue]:
                out.append(
                    (
                        ("reference_packages", k, "package", issue),
                        _unknown(f"option of issue '{issue}'", chosen, issues[issue]),
                    )
                )
    for k, cons in enumerate(sc.constraints):
        if cons.actor not in deciders:
            out.append((("constraints", k, "actor"), f"'{cons.actor}' is not a decider"))
        if cons.beats not in refs:
            out.append(
                (("constraints", k, "beats"), _unknown("reference package", cons.beats, refs))
            )
    return out


def _simulation_problems(
    sc: Scenario,
    actors: set[str],
    issues: dict[str, set[str]],
    option_order: dict[str, list[str]],
) -> list[Found]:
    """Cross-checks of ``simulation:``: strategies of deciders, a mediator of role
    mediator, shocks naming actors, outcomes, issues and options that exist."""
    sim = sc.simulation
    assert sim is not None
    out: list[Found] = []
    base = ("simulation",)
    deciders = [a.id for a in sc.deciders]
    roles = {a.id: a.role for a in sc.actors}
    outcomes = {o.id for o in sc.no_deal}
    spoilers = {sp.actor: sp.outcome for sp in sc.spoilers}
    refs = {r.id for r in sc.reference_packages}
    for who in sim.strategies:
        if who not in deciders:
            out.append(((*base, "strategies", who), f"'{who}' is not a decider"))
    if sim.protocol == "mediated" and sim.mediator is None:
        out.append(((*base, "protocol"), "protocol mediated needs a mediator: block"))
    if sim.mediator is not None:
        m = sim.mediator
        if sim.protocol != "mediated":
            out.append(((*base, "mediator"), "a mediator goes with protocol: mediated only"))
        if m.actor not in actors:
            out.append(((*base, "mediator", "actor"), _unknown("actor", m.actor, actors)))
        elif roles[m.actor] != "mediator":
            out.append(
                (
                    (*base, "mediator", "actor"),
                    f"'{m.actor}' has role {roles[m.actor]}, not mediator",
                )
            )
        if m.start is not None and m.start not in refs:
            out.append(((*base, "mediator", "start"), _unknown("reference package", m.start, refs)))
    if sim.period is not None and sc.dynamics is None:
        out.append(((*base, "period"), "period (rounds per period of drift) needs dynamics:"))
    for k, sh in enumerate(sim.shocks):
        at = (*base, "shocks", k)
        triggers = [t for t in ("at", "probability", "after_concession_by")
                    if getattr(sh, t) is not None]  # fmt: skip
        spoiler = sh.kind == "strike" and sh.actor in spoilers
        if len(triggers) > 1:
            out.append((at, f"give one of at, probability or after_concession_by, not "
                            f"{' and '.join(triggers)}"))  # fmt: skip
        elif not triggers and not spoiler:
            why = " (only a spoiler's strike may leave it to the spoiler model)"
            why = why if sh.kind == "strike" else ""
            out.append(
                (
                    at,
                    f"say when: at (a round), probability (each round) or after_concession_by{why}",
                )
            )
        if sh.actor not in actors:
            out.append(((*at, "actor"), _unknown("actor", sh.actor, actors)))
            continue
        if sh.after_concession_by is not None and (
            sh.after_concession_by not in deciders or sh.after_concession_by == sh.actor
        ):
            out.append(((*at, "after_concession_by"),
                        f"'{sh.after_concession_by}' is not another decider"))  # fmt: skip
        if sh.kind == "strike":
            if sh.actor not in deciders and not spoiler:
                out.append(((*at, "actor"), f"'{sh.actor}' is neither a decider nor a spoiler"))
            if sh.outcome is None and not spoiler:
                out.append(((*at, "outcome"), "a decider's strike names the no-deal outcome "
                                              "it leads to (outcome:)"))  # fmt: skip
        elif sh.actor not in deciders:
            out.append(((*at, "actor"), f"'{sh.actor}' is not a decider"))
        if sh.outcome is not None:
            if not sh.ends_talks:
                out.append(((*at, "outcome"), "outcome goes with kind strike or walk_out"))
            elif sh.outcome not in outcomes:
                out.append(((*at, "outcome"), _unknown("no_deal outcome", sh.outcome, outcomes)))
        changes = sh.changes_preferences
        if sh.kind in ("goalposts", "preferences") and not changes:
            out.append((at, f"a {sh.kind} shock changes weights, utilities, red_lines or "
                            "reservation: give one"))  # fmt: skip
        if changes and sh.kind not in ("goalposts", "preferences"):
            out.append((at, f"a {sh.kind} shock changes no preferences"))
        if changes and sh.actor in sc.preferences:
            merged = changed_preferences(sc.preferences[sh.actor], sh)
            out += _preference_problems(sh.actor, merged, at, actors, issues, option_order)
        if sh.kind == "trust":
            if sc.credibility is None:
                out.append(((*at, "trust"), "trust changes need a credibility: block"))
            if not sh.trust:
                out.append((at, "a trust shock says whose trust changes (trust:)"))
            for truster, row in sh.trust.items():
                for t in [truster, *row.numbers()]:
                    if t not in deciders:
                        out.append(((*at, "trust", truster), f"'{t}' is not a decider"))
        elif sh.trust:
            out.append(((*at, "trust"), "trust goes with kind: trust only"))
    if sim.implementation is not None:
        for who, outcome in sim.implementation.renege.items():
            where = (*base, "implementation", "renege", who)
            if who not in deciders:
                out.append((where, f"'{who}' is not a decider"))
            if outcome not in outcomes:
                out.append((where, _unknown("no_deal outcome", outcome, outcomes)))
    return out


def _expressions(raw: Any, names: set[str]) -> list[Found]:
    """Compile every ``expr:`` in the file against the parameter names; cycles too."""
    from zopa.errors import InputError
    from zopa.scenario.expr import compile_expr, dependency_order

    out: list[Found] = []
    params: dict[str, Any] = {}

    def is_expr(_: Path_, node: Any) -> bool:
        return isinstance(node, dict) and isinstance(node.get("expr"), str)

    for path, node in walk(raw, lambda p, x: not is_expr(p, x)):
        if not is_expr(path, node):
            continue
        try:
            e = compile_expr(node["expr"], names)
        except InputError as err:
            out.append(((*path, "expr"), err.problems[0].message))
            continue
        if len(path) == 2 and path[0] == "parameters":
            params[str(path[1])] = e
    try:
        dependency_order(params)
    except InputError as err:
        out.append((("parameters",), err.problems[0].message))
    return out
