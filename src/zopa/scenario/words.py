"""A number's place in a scenario in a reader's words, and the section it belongs to.

Paths such as ``issues[10].options[0].trust.IRN.USA`` (what ``zopa sweep --grid`` and the
leverage tables key on) are exact but unreadable; :func:`describe` turns one into
``("Trust", "IRN's trust in USA, if form is ratified")``. Unknown shapes fall back to the
path itself, so every number has a label.
"""

from __future__ import annotations

import re

from zopa.scenario.schema import Scenario

_STEP = re.compile(r"([A-Za-z_][\w-]*)(?:\[(\d+)\])?")

SECTIONS = (
    "Utilities",
    "Weights",
    "Red lines",
    "Reservations",
    "Trust",
    "Delivery",
    "No-deal outcomes",
    "Conflict",
    "Dynamics",
    "Spoilers",
    "Influence",
    "Constraints",
    "Parameters",
    "Options",
    "Other",
)
"""The sections, in the order a reader meets them."""


def _steps(path: str) -> list[str | int]:
    """``a.b[2].c`` -> ``["a", "b", 2, "c"]``."""
    out: list[str | int] = []
    for part in path.split("."):
        m = _STEP.fullmatch(part)
        if m is None:
            out.append(part)
            continue
        out.append(m.group(1))
        if m.group(2) is not None:
            out.append(int(m.group(2)))
    return out


def _option(sc: Scenario, k: int, j: int) -> tuple[str, str]:
    issue = sc.issues[k]
    return issue.id, issue.options[j].id


def describe(sc: Scenario, path: str) -> tuple[str, str]:
    """The section and the reader's words for the number at ``path`` of ``sc``.

    Parameters
    ----------
    sc
        The scenario the path is in.
    path
        A number's path as :func:`zopa.scenario.numbers.numbers` gives it.

    Returns
    -------
    tuple of str
        ``(section, label)``; ``("Other", path)`` for a shape it does not know.

    Examples
    --------
    >>> import zopa
    >>> describe(zopa.reference(), "credibility.trust.IRN.USA")
    ('Trust', "IRN's trust in USA that it keeps the deal")
    """
    s = _steps(path)
    try:
        return _describe(sc, s)
    except (IndexError, KeyError, TypeError, ValueError):
        return "Other", path


def _describe(sc: Scenario, s: list[str | int]) -> tuple[str, str]:
    head = s[0]
    if head == "issues" and s[2] == "options":
        issue, option = _option(sc, int(s[1]), int(s[3]))
        if s[4] == "trust":
            return "Trust", f"{s[5]}'s trust in {s[6]}, if {issue} is {option}"
        if s[4] == "delivered":
            return "Delivery", f"P({issue} = {option} is delivered)"
        if s[4] == "at":
            return "Options", f"where {issue} = {option} lies on its 0..100 scale"
    if head == "actors" and s[2] == "capability":
        return "Influence", f"{sc.actors[int(s[1])].id}'s capability (weights its say)"
    if head == "preferences":
        actor, what = s[1], s[2]
        if what == "ideal":
            return "Utilities", f"{actor}'s ideal point on {s[3]} (0..100)"
        if what == "weights":
            return "Weights", f"{actor}'s weight on {s[3]}"
        if what == "utilities" and len(s) == 7 and s[4] == "values":
            given = getattr(sc.preferences[str(actor)].utilities[str(s[3])], "given", None)
            cond = f"{given} = {s[5]}" if given else str(s[5])
            return "Utilities", f"{actor}'s utility of {s[3]} = {s[6]}, if {cond}"
        if what == "utilities":
            return "Utilities", f"{actor}'s utility of {s[3]} = {s[4]}"
        if what == "reservation":
            return "Reservations", f"{actor}'s reservation (walks away below it)"
        if what == "red_lines":
            return "Red lines", f"{actor}'s red line {int(s[3]) + 1}"
    if head == "no_deal":
        o = sc.no_deal[int(s[1])]
        if s[2] == "probability":
            return "No-deal outcomes", f"P(no deal ends in {o.id})"
        if s[2] == "values":
            return "No-deal outcomes", f"{s[3]}'s value of {o.id} (no deal)"
    if head == "conflict" and sc.conflict is not None:
        a, b = sc.conflict.between
        if s[1] == "prevails":
            return "Conflict", f"P({a} prevails in a war with {b})"
        if s[1] == "cost":
            return "Conflict", f"{s[2]}'s cost of war"
        if s[1] == "cost_belief":
            return "Conflict", f"the other side's belief about {s[2]}'s cost of war"
    if head == "dynamics":
        if s[1] == "discount":
            return "Dynamics", "discount factor per period"
        if s[1] == "drift":
            return "Dynamics", f"drift of {s[2]} per period"
    if head == "credibility":
        return "Trust", f"{s[2]}'s trust in {s[3]} that it keeps the deal"
    if head == "spoilers":
        sp = sc.spoilers[int(s[1])]
        words = {
            "probability": "strike probability",
            "max_probability": "largest strike probability",
            "threshold": "strike threshold (utility of the deal)",
            "scale": "strike curve's scale",
        }
        if s[2] == "influence":
            return "Spoilers", f"{s[3]}'s sway over {sp.actor}'s decision to strike"
        return "Spoilers", f"{sp.actor}'s {words[str(s[2])]}"
    if head == "influence":
        return "Influence", f"{s[2]}'s influence on {s[1]}'s utility"
    if head == "constraints":
        c = sc.constraints[int(s[1])]
        return "Constraints", f"{c.actor}'s margin over {c.beats}"
    if head == "parameters":
        return "Parameters", f"parameter {s[1]}"
    raise ValueError(head)
