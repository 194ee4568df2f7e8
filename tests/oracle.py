"""A brute-force oracle for the agreement analysis: plain Python over every package.

Written straight from the scenario language's semantics, sharing no code with the engine
(it reads the scenario dict, not the compiled space): itertools.product enumerates packages
in index order (issues and options in file order, the last issue varying fastest),
dominance uses the 1e-9 tolerance directly, ties go to the lowest index.
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

    def plain(actor: str, pkg: tuple[int, ...]) -> float:
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

    def utility(actor: str, pkg: tuple[int, ...]) -> float:
        """Effective utility: influencers mixed in (influence:)."""
        mix = data.get("influence", {}).get(actor, {})
        rest = 1 - sum(mix.values())
        return rest * plain(actor, pkg) + sum(w * plain(j, pkg) for j, w in mix.items())

    outcomes = data.get("no_deal", [])

    def reverted(pkg: tuple[int, ...], renegers: tuple[str, ...]) -> tuple[int, ...]:
        out = list(pkg)
        for k, issue in enumerate(issues):
            for j in sorted(renegers, key=deciders.index):
                target = issue["options"][out[k]].get("reverts", {}).get(j)
                if target is not None:
                    out[k] = [o["id"] for o in issue["options"]].index(target)
        return tuple(out)

    def trust(i: str, j: str, pkg: tuple[int, ...]) -> float:
        t = data["credibility"]["trust"].get(i, {}).get(j, 1.0)
        for k, issue in enumerate(issues):
            t += issue["options"][pkg[k]].get("trust", {}).get(i, {}).get(j, 0.0)
        return min(1.0, max(0.0, t))

    def value(i: str, pkg: tuple[int, ...]) -> float:
        """Deal value: kept value over the counterparts' reneging, then spoilers."""
        if "credibility" in data:
            others = [j for j in deciders if j != i]
            kept = 0.0
            for r in range(len(others) + 1):
                for s in itertools.combinations(others, r):
                    w = math.prod(
                        (1 - trust(i, j, pkg)) if j in s else trust(i, j, pkg) for j in others
                    )
                    kept += w * utility(i, reverted(pkg, s))
        else:
            kept = utility(i, pkg)
        survive, loss = 1.0, 0.0
        for sp in data.get("spoilers", []):
            z = (plain(sp["actor"], pkg) - sp["threshold"]) / sp["scale"]
            p = sp["max_probability"] / (1 + math.exp(z))
            o = next(x for x in outcomes if x["id"] == sp["outcome"])
            loss += survive * p * o["values"].get(i, 0.0)
            survive *= 1 - p
        return survive * kept + loss

    def crossed(actor: str, pkg: tuple[int, ...]) -> int:
        """How many issues carry an option that one of ``actor``'s red lines rules out."""
        bad = set()
        for line in prefs[actor].get("red_lines", []):
            k = next(i for i, x in enumerate(issues) if x["id"] == line["issue"])
            if issues[k]["options"][pkg[k]]["id"] in line["not"]:
                bad.add(k)
        return len(bad)

    total_p = sum(o["probability"] for o in outcomes)

    def reservation(d: str) -> float:
        if "reservation" in prefs[d]:
            return prefs[d]["reservation"]
        if outcomes:
            return sum(o["probability"] / total_p * o["values"].get(d, math.nan) for o in outcomes)
        return 0.0

    res = {d: reservation(d) for d in prefs}
    floor = {d: -math.inf for d in deciders}
    refs = {r["id"]: r["package"] for r in data.get("reference_packages", [])}
    for c in data.get("constraints", []):
        ref = refs[c["beats"]]
        pkg_ref = tuple([o["id"] for o in i["options"]].index(ref[i["id"]]) for i in issues)
        a = c["actor"]
        floor[a] = max(floor[a], utility(a, pkg_ref) + c.get("margin", 0))
    pkgs = list(itertools.product(*[range(len(i["options"])) for i in issues]))
    rows = []
    for index, pkg in enumerate(pkgs):
        u = {d: value(d, pkg) for d in deciders}
        cross = {d: crossed(d, pkg) for d in deciders}
        red = {d: cross[d] == 0 for d in deciders}
        plain_u = {d: utility(d, pkg) for d in deciders}
        resv = {d: u[d] >= res[d] - TOL and plain_u[d] >= floor[d] - TOL for d in deciders}
        short = {d: max(res[d] - u[d], floor[d] - plain_u[d], 0.0) for d in deciders}
        acc = {d: red[d] and resv[d] for d in deciders}
        n_acc = sum(acc.values())
        zone = n_acc >= quota and all(acc[v] for v in vetoes if v in acc)
        rows.append(
            {"index": index, "u": u, "red": red, "res": resv, "acc": acc, "zone": zone,
             "una": n_acc == len(deciders), "crossed": sum(cross.values()),
             "short": max(short.values())}
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

    def outlook(index: int | None) -> dict[str, Any]:
        """What a draw of the Monte Carlo reports if ``index`` is the likely deal."""
        war_nd = sum(o["probability"] / total_p for o in outcomes if o.get("war"))
        nd = {a: sum(o["probability"] / total_p * o["values"].get(a, math.nan) for o in outcomes)
              if outcomes else res.get(a, 0.0) for a in prefs}  # fmt: skip
        nd = {a: (v if math.isfinite(v) else res.get(a, 0.0)) for a, v in nd.items()}
        if index is None:
            return {"p_deal": 0.0, "p_war": war_nd, "value": nd}
        pkg = pkgs[index]
        survive, war, loss = 1.0, 0.0, {a: 0.0 for a in prefs}
        for sp in data.get("spoilers", []):
            z = (plain(sp["actor"], pkg) - sp["threshold"]) / sp["scale"]
            p = sp["max_probability"] / (1 + math.exp(z))
            o = next(x for x in outcomes if x["id"] == sp["outcome"])
            war += survive * p * bool(o.get("war"))
            for a in prefs:
                loss[a] += survive * p * o["values"].get(a, 0.0)
            survive *= 1 - p
        keep = 1.0
        if "credibility" in data:
            for j in deciders:
                others = [i for i in deciders if i != j]
                keep *= sum(trust(i, j, pkg) for i in others) / len(others)
        value = {a: survive * utility(a, pkg) + loss[a] for a in prefs}
        value.update({d: next(r["u"][d] for r in rows if r["index"] == index) for d in deciders})
        return {"p_deal": survive * keep, "p_war": war, "value": value}

    def likely(zone: list[Any], res: dict[str, float], deciders: list[str]) -> int | None:
        """The likely deal: the Nash solution, else the zone's best clipped Nash product."""
        if solutions["nash"] is not None:
            return int(solutions["nash"][0])
        if not zone:
            return None
        key = [(-math.prod(max(r["u"][d] - res[d], 0) for d in deciders), r["index"]) for r in zone]
        return min(key)[1]

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
        "likely": likely(zone, res, deciders),
        "outlook": outlook,
    }
