"""Whole-file checks of a scenario: cross-references, unique ids, completeness.

:func:`cross_check` returns every problem as ``(path, message)``; the loader turns the
paths into line numbers. The checks follow SCENARIO.md: weights, utilities, ideals and
red lines name existing issues and options; every decider has preferences; ids are unique;
every issue an actor weighs has utilities or an ideal (not both); sources exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from zopa.scenario.schema import RESERVED_KEYS, Scenario

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
    for path, ref in _source_refs(raw, ()):
        if ref not in source_ids:
            known = ", ".join(sorted(source_ids)) or "none are declared under sources:"
            out.append(((*path, "ref"), f"unknown source '{ref}' (known: {known})"))

    actors = {a.id for a in sc.actors}
    issues = {i.id: {o.id for o in i.options} for i in sc.issues}
    if not sc.deciders:
        out.append((("actors",), "no decider: at least one actor must have role party or veto"))
    for a in sc.deciders:
        if a.id not in sc.preferences:
            out.append((("preferences",), f"decider '{a.id}' (role {a.role}) has no preferences"))
    for actor, pref in sc.preferences.items():
        base = ("preferences", actor)
        if actor not in actors:
            out.append((base, f"unknown actor '{actor}'"))
        weights = pref.weights.numbers()
        for issue in weights:
            if issue not in issues:
                out.append(((*base, "weights", issue), _unknown("issue", issue, issues)))
        if weights and sum(float(w) for w in weights.values()) <= 0:
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
            given = umap.numbers()
            for opt in given:
                if opt not in issues[issue]:
                    out.append(
                        (
                            (*base, "utilities", issue, opt),
                            _unknown(f"option of issue '{issue}'", opt, issues[issue]),
                        )
                    )
            missing = [o for o in _ordered(sc, issue) if o not in given]
            if missing:
                out.append(
                    ((*base, "utilities", issue), f"no utility for option(s) {', '.join(missing)}")
                )
            if issue in ideal:
                out.append(
                    ((*base, "ideal", issue), "give utilities or an ideal for an issue, not both")
                )
        for issue in [*pref.utilities, *ideal]:
            if issue in issues and issue not in weights:
                out.append(
                    ((*base, "weights"), f"no weight for issue '{issue}' (write 0 to ignore it)")
                )
        for issue, w in weights.items():
            if (
                issue in issues
                and float(w) > 0
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


def _ordered(sc: Scenario, issue: str) -> list[str]:
    return [o.id for i in sc.issues if i.id == issue for o in i.options]


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


def _unknown(kind: str, name: str, known: Any) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"unknown {kind} '{name}' (known: {shown})"


def _source_refs(
    data: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k == "source" and isinstance(v, dict) and isinstance(v.get("ref"), str):
                yield (*path, k), v["ref"]
            else:
                yield from _source_refs(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _source_refs(v, (*path, i))
