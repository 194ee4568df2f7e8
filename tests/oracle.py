"""A brute-force oracle for the agreement analysis: plain Python over every package.

Written straight from SCENARIO.md's semantics, sharing no code with the engine (it reads
the scenario dict, not the compiled space): itertools.product enumerates packages in
index order, dominance uses the 1e-9 tolerance directly, ties go to the lowest index.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

TOL = 1e-9


def brute(data: dict[str, Any]) -> dict[str, Any]:
    issues = data["issues"]
    actors = {a["id"]: a for a in data["actors"]}
    deciders = [a["id"] for a in data["actors"] if a["role"] in ("party", "veto")]
    vetoes = {a["id"] for a in data["actors"] if a["role"] == "veto"}
    rule = data.get("decision", {"rule": "unanimity"})
    quota = rule.get("at_least", len(deciders)) if rule["rule"] == "quota" else len(deciders)
    prefs = data["preferences"]

    def utility(actor: str, pkg: tuple[int, ...]) -> float:
        p = prefs[actor]
        total = sum(p["weights"].values())
        u = 0.0
        for k, issue in enumerate(issues):
            w = p["weights"].get(issue["id"], 0) / total
            if w == 0:
                continue
            opt = issue["options"][pkg[k]]
            if issue["id"] in p.get("utilities", {}):
                v = p["utilities"][issue["id"]][opt["id"]]
            else:
                v = 1 - abs(opt["at"] - p["ideal"][issue["id"]]) / 100
            u += w * v
        return u

    def crossed(actor: str, pkg: tuple[int, ...]) -> int:
        """How many issues carry an option that one of ``actor``'s red lines rules out."""
        bad = set()
        for line in prefs[actor].get("red_lines", []):
            k = next(i for i, x in enumerate(issues) if x["id"] == line["issue"])
            if issues[k]["options"][pkg[k]]["id"] in line["not"]:
                bad.add(k)
        return len(bad)

    res = {d: prefs[d].get("reservation", 0.0) for d in deciders}
    pkgs = list(itertools.product(*[range(len(i["options"])) for i in issues]))
    rows = []
    for index, pkg in enumerate(pkgs):
        u = {d: utility(d, pkg) for d in deciders}
        cross = {d: crossed(d, pkg) for d in deciders}
        red = {d: cross[d] == 0 for d in deciders}
        resv = {d: u[d] >= res[d] - TOL for d in deciders}
        acc = {d: red[d] and resv[d] for d in deciders}
        n_acc = sum(acc.values())
        zone = n_acc >= quota and all(acc[v] for v in vetoes if v in acc)
        rows.append(
            {"index": index, "u": u, "red": red, "res": resv, "acc": acc, "zone": zone,
             "una": n_acc == len(deciders), "crossed": sum(cross.values())}
        )  # fmt: skip
    zone = [r for r in rows if r["zone"]]
    una = [r for r in rows if r["una"]]

    def dominates(a: dict[str, float], b: dict[str, float]) -> bool:
        return all(a[d] >= b[d] - TOL for d in deciders) and any(
            a[d] > b[d] + TOL for d in deciders
        )

    front = [r["index"] for r in zone if not any(dominates(q["u"], r["u"]) for q in zone)]

    caps = {d: actors[d].get("capability", 1.0) for d in deciders}
    cap_total = sum(caps.values())
    best_u = {d: max((r["u"][d] for r in una), default=0.0) for d in deciders}

    def gains(r: dict[str, Any]) -> dict[str, float]:
        return {d: max(r["u"][d] - res[d], 0.0) for d in deciders}

    def ks(r: dict[str, Any]) -> float:
        g = gains(r)
        parts = [
            1.0 if best_u[d] - res[d] <= 1e-12 else g[d] / (best_u[d] - res[d]) for d in deciders
        ]
        return min(parts)

    objectives = {
        "nash": lambda r: math.prod(gains(r).values()),
        "nash_weighted": lambda r: math.prod(
            gains(r)[d] ** (caps[d] / cap_total) for d in deciders
        ),
        "kalai_smorodinsky": ks,
        "utilitarian": lambda r: sum(r["u"].values()),
        "egalitarian": lambda r: min(gains(r).values()),
    }
    solutions: dict[str, Any] = {}
    for name, f in objectives.items():
        if not una:
            solutions[name] = None
            continue
        vals = [(f(r), r["index"]) for r in una]
        top = max(v for v, _ in vals)
        solutions[name] = (min(i for v, i in vals if v >= top - 1e-9), top)
    return {
        "outcomes": len(pkgs),
        "zone": len(zone),
        "unanimous": len(una),
        "front": sorted(front),
        "solutions": solutions,
        "red_removed": {d: sum(not r["red"][d] for r in rows) for d in deciders},
        "res_removed": {d: sum(not r["res"][d] for r in rows) for d in deciders},
        "sole": {
            d: sum((not r["acc"][d]) and sum(r["acc"].values()) == len(deciders) - 1 for r in rows)
            for d in deciders
        },
        "rows": rows,
        "deciders": deciders,
        "reservation": res,
    }
