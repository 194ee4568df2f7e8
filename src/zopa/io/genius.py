"""Reader for GENIUS XML negotiation domains (ANAC 2010-2018 format) as zopa scenarios.

A GENIUS domain folder holds one *domain* file (``<negotiation_template>``: the issues and
their values, no preferences) and one *profile* per negotiating party (``<utility_space>``:
the same issues with an ``evaluation`` per value, one ``<weight>`` per issue, optionally
``<reservation value=...>`` and ``<discount_factor value=...>``). Multi-party folders (the
GENIUS ``partydomain`` template has nine profiles) read the same way.

Which file is the domain is decided by content, not by name: the domain is the XML file
with issues but no weights and no evaluations (profile names may contain "domain" too, as
in ANAC 2011 Grocery's ``Grocery_domain_mary.xml``). When several files qualify, the one
whose name contains "domain" wins; anything still ambiguous is an error. XML files with no
``<issue>`` at all are skipped (and listed in the scenario's description).

GENIUS semantics, as implemented by GENIUS's ``AdditiveUtilitySpace``:

- each issue's evaluations are divided by that issue's largest evaluation (so the best
  value scores 1; an issue evaluated 0 throughout scores 0; negative evaluations are an
  error);
- the weights are taken as written (zopa normalises them to sum 1, as GENIUS does);
- the reservation value is kept (0 when absent), it must lie in [0, 1];
- the discount factor is ignored: zopa's analysis has no time dimension (the value read
  is recorded in each party's assumption).

Every profile becomes an actor with role ``party`` (GENIUS negotiations need every
party's agreement: the default unanimity rule). Issues and values keep the domain's order;
``at`` spreads values evenly over 0..100 in that order (GENIUS discrete values have no
scale; recorded as an assumption). Ids are the names with characters outside
``[A-Za-z0-9_.-]`` replaced by ``_`` (the original text is kept as ``name``; a word the
scenario schema reserves gets a trailing ``_``: :func:`zopa.io.text.unique_id`). Actor
ids are the profile file names without the words every profile name shares (so
``laptop_buyer_utility.xml`` and ``laptop_seller_utility.xml`` give ``buyer`` and
``seller``).

Only discrete issues are read; integer and real issues (GENIUS ``evaluator`` functions)
are reported as unsupported. The XML is parsed by :func:`zopa.io.xmltree.parse_xml`
(DTDs and entity declarations refused, nesting and element counts bounded). Malformed
input raises :class:`zopa.errors.InputError` naming the file, the 1-based line (the
parser's error position for bad XML) and the field. The reader is linear in the size of
the folder and bounded: at most :data:`~zopa.io.text.MAX_FILES` XML files and
:data:`~zopa.io.text.MAX_FOLDER_BYTES` together, :data:`~zopa.io.text.MAX_ISSUES` issues,
:data:`~zopa.io.text.MAX_OPTIONS` values, :data:`~zopa.io.text.MAX_CELLS` evaluations
(profiles times values); weights and evaluations at most
:data:`~zopa.io.text.MAX_MAGNITUDE`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zopa.errors import InputError, Problem
from zopa.io.text import (
    MAX_CELLS,
    MAX_ISSUES,
    MAX_OPTIONS,
    FolderBudget,
    clean_round,
    cut,
    finite_number,
    magnitude_message,
    over_limit,
    raise_problems,
    scenario_slug,
    spread_at,
    too_large,
    unique_id,
)
from zopa.io.xmltree import MAX_ELEMENTS, Budget, Element, parse_xml

# ---------------------------------------------------------------------------------------
# domain and profiles


@dataclass
class _Issue:
    name: str
    index: str | None
    values: list[str]
    descriptions: list[str | None]
    line: int


@dataclass
class _Profile:
    file: Path
    weights: dict[str, float]  # domain issue name -> weight
    evaluations: dict[str, list[float]]  # domain issue name -> evaluation per domain value
    reservation: float | None
    reservation_quote: str | None
    discount: float | None


def _is_profile(root: Element) -> bool:
    if any(True for _ in root.iter("weight")):
        return True
    return any("evaluation" in it.attrib for it in root.iter("item"))


def _float(
    raw: str | None, file: Path, line: int, fld: str, problems: list[Problem]
) -> float | None:
    """A finite number of at most MAX_MAGNITUDE, or None (and a problem)."""
    if raw is None:
        problems.append(Problem(str(file), line, fld, "missing"))
        return None
    v = finite_number(raw)
    if v is None:
        problems.append(Problem(str(file), line, fld, f"'{cut(raw)}' is not a number"))
    elif too_large(v):
        problems.append(Problem(str(file), line, fld, magnitude_message(v)))
        return None
    return v


def _issue_kind(node: Element) -> str:
    for key in ("type", "vtype", "etype"):
        v = node.attrib.get(key)
        if v and v != "discrete" and v != "objective":
            return v
    return "discrete"


def _read_domain(path: Path, root: Element) -> list[_Issue]:
    problems: list[Problem] = []
    issues: list[_Issue] = []
    seen: set[str] = set()
    total = 0
    for count, node in enumerate(root.iter("issue"), start=1):
        if (message := over_limit(count, MAX_ISSUES, "issues")) is not None:
            problems.append(Problem(str(path), node.line, "issue", message))
            break
        name = node.attrib.get("name", "").strip()
        if not name:
            problems.append(Problem(str(path), node.line, "issue.name", "the issue has no name"))
            continue
        kind = _issue_kind(node)
        if kind != "discrete":
            problems.append(
                Problem(
                    str(path),
                    node.line,
                    f"issue '{name}'",
                    f"{kind} issues are not supported (only discrete issues)",
                )
            )
            continue
        if name in seen:
            problems.append(Problem(str(path), node.line, f"issue '{name}'", "duplicate issue"))
            continue
        seen.add(name)
        values: list[str] = []
        known: set[str] = set()
        descriptions: list[str | None] = []
        before = len(problems)
        for item in node.findall("item"):
            v = item.attrib.get("value")
            if v is None or not v.strip():
                problems.append(
                    Problem(str(path), item.line, f"issue '{name}'.item", "the item has no value")
                )
                continue
            if v in known:
                problems.append(
                    Problem(str(path), item.line, f"issue '{name}'.item", f"duplicate value '{v}'")
                )
                continue
            total += 1
            if total > MAX_OPTIONS:
                problems.append(
                    Problem(
                        str(path),
                        item.line,
                        f"issue '{name}'.item",
                        f"more than {MAX_OPTIONS} values in the domain: an importer reads "
                        f"at most {MAX_OPTIONS}",
                    )
                )
                raise_problems(problems)
            known.add(v)
            values.append(v)
            d = (item.attrib.get("description") or "").strip()
            descriptions.append(d if d and d != v else None)
        if not values and len(problems) == before:
            problems.append(
                Problem(str(path), node.line, f"issue '{name}'", "the issue has no values")
            )
        issues.append(_Issue(name, node.attrib.get("index"), values, descriptions, node.line))
    if not issues and not problems:
        problems.append(Problem(str(path), root.line, "issue", "the domain has no issues"))
    raise_problems(problems)
    return issues


def _read_profile(path: Path, root: Element, issues: list[_Issue]) -> _Profile:
    problems: list[Problem] = []
    by_name = {i.name: i for i in issues}
    known = ", ".join(f"'{i.name}'" for i in issues[:10]) + (", ..." if len(issues) > 10 else "")

    weight_nodes: dict[str, Element] = {}
    for w in root.iter("weight"):
        idx = w.attrib.get("index", "").strip()
        if not idx:
            problems.append(Problem(str(path), w.line, "weight.index", "missing"))
        elif idx in weight_nodes:
            problems.append(Problem(str(path), w.line, f"weight {idx}", "duplicate weight"))
        else:
            weight_nodes[idx] = w

    weights: dict[str, float] = {}
    evaluations: dict[str, list[float]] = {}
    found: set[str] = set()
    for pos, node in enumerate(root.iter("issue"), start=1):
        name = node.attrib.get("name", "").strip()
        fld = f"issue '{name}'"
        if name not in by_name:
            problems.append(
                Problem(str(path), node.line, "issue", f"unknown issue '{name}' (domain: {known})")
            )
            continue
        if name in found:
            problems.append(Problem(str(path), node.line, fld, "duplicate issue"))
            continue
        found.add(name)
        kind = _issue_kind(node)
        if kind != "discrete" or node.findall("evaluator"):
            problems.append(
                Problem(str(path), node.line, fld, f"{kind} evaluators are not supported")
            )
            continue
        before = len(problems)
        idx = node.attrib.get("index", str(pos)).strip()
        wnode = weight_nodes.get(idx)
        if wnode is None:
            problems.append(Problem(str(path), node.line, fld, f'no <weight index="{idx}">'))
        else:
            wv = _float(wnode.attrib.get("value"), path, wnode.line, f"weight {idx}", problems)
            if wv is not None and wv < 0:
                problems.append(
                    Problem(str(path), wnode.line, f"weight {idx}", f"{wv:g} is negative")
                )
            elif wv is not None:
                weights[name] = wv
        domain = by_name[name]
        values = set(domain.values)
        evals: dict[str, float] = {}
        for item in node.findall("item"):
            v = item.attrib.get("value")
            ifld = f"{fld}.item"
            if v is None or v not in values:
                shown = "an item without value" if v is None else f"unknown value '{cut(v)}'"
                problems.append(
                    Problem(str(path), item.line, ifld, f"{shown} (domain issue '{name}')")
                )
                continue
            e = _float(item.attrib.get("evaluation"), path, item.line, f"{fld}.{v}", problems)
            if e is not None and e < 0:
                problems.append(
                    Problem(str(path), item.line, f"{fld}.{v}", f"evaluation {e:g} is negative")
                )
            elif e is not None:
                evals[v] = e
        missing = [v for v in domain.values if v not in evals]
        if missing and not any(p.field.startswith(fld) for p in problems[before:]):
            shown = ", ".join(f"'{v}'" for v in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            problems.append(Problem(str(path), node.line, fld, f"no evaluation for {shown}{more}"))
        evaluations[name] = [evals.get(v, 0.0) for v in domain.values]
    for i in issues:
        if i.name not in found:
            problems.append(
                Problem(str(path), root.line, f"issue '{i.name}'", "the profile does not value it")
            )
    if weights and not problems and sum(weights.values()) <= 0:
        problems.append(Problem(str(path), root.line, "weight", "every weight is 0"))

    reservation = quote = None
    res = next(root.iter("reservation"), None)
    if res is not None:
        reservation = _float(res.attrib.get("value"), path, res.line, "reservation", problems)
        if reservation is not None and not 0 <= reservation <= 1:
            problems.append(
                Problem(
                    str(path),
                    res.line,
                    "reservation",
                    f"{reservation:g} is out of range: must be in [0, 1]",
                )
            )
        quote = res.source_line
    disc = next(root.iter("discount_factor"), None)
    discount = None
    if disc is not None:
        discount = _float(disc.attrib.get("value"), path, disc.line, "discount_factor", problems)
    raise_problems(problems)
    return _Profile(path, weights, evaluations, reservation, quote, discount)


def _find_files(folder: Path) -> tuple[Path, Element, list[tuple[Path, Element]], list[str]]:
    if not folder.is_dir():
        raise InputError.at(str(folder), None, "", "not a folder (expected a GENIUS domain folder)")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xml" and p.is_file())
    if not files:
        raise InputError.at(str(folder), None, "", "no .xml file in the folder")
    reader = FolderBudget(str(folder))
    budget = Budget(MAX_ELEMENTS, " in the folder's files together")
    domains: list[tuple[Path, Element]] = []
    profiles: list[tuple[Path, Element]] = []
    skipped: list[str] = []
    for f in files:
        root = parse_xml(reader.read_bytes(f), str(f), budget=budget)
        if next(root.iter("issue"), None) is None:
            skipped.append(f.name)
        elif _is_profile(root):
            profiles.append((f, root))
        else:
            domains.append((f, root))
    if len(domains) > 1:
        named = [d for d in domains if "domain" in d[0].name.lower()]
        if len(named) == 1:
            domains = named
    if not domains:
        raise InputError.at(
            str(folder),
            None,
            "domain",
            "no domain file: expected one XML file with issues but no weights or evaluations",
        )
    if len(domains) > 1:
        names = ", ".join(d[0].name for d in domains[:10])
        raise InputError.at(
            str(folder), None, "domain", f"several files could be the domain: {names}"
        )
    if not profiles:
        raise InputError.at(
            str(folder), None, "profile", "no utility profile (an XML file with weights)"
        )
    return domains[0][0], domains[0][1], profiles, skipped


def _check_cells(folder: Path, issues: list[_Issue], profiles: int) -> None:
    """Refuse more evaluations (profiles times values) than an importer reads."""
    values = sum(len(i.values) for i in issues)
    cells = values * profiles
    if cells > MAX_CELLS:
        raise InputError.at(
            str(folder),
            None,
            "profile",
            f"{profiles} profiles x {values} values = {cells} evaluations: an importer reads "
            f"at most {MAX_CELLS}",
        )


# ---------------------------------------------------------------------------------------
# the scenario


def _actor_ids(stems: list[str]) -> list[str]:
    """Profile file names without the words (split at ``_``) all of them share."""
    words = [re.split(r"[_\s-]+", s) for s in stems]
    if len(words) > 1:
        pre = 0
        while all(len(w) > pre + 1 for w in words) and len({w[pre] for w in words}) == 1:
            pre += 1
        suf = 0
        while all(len(w) > pre + suf + 1 for w in words) and len({w[-1 - suf] for w in words}) == 1:
            suf += 1
        words = [w[pre : len(w) - suf] for w in words]
    taken: set[str] = set()
    return [unique_id("_".join(w), taken, f"party{i + 1}") for i, w in enumerate(words)]


def read_genius(dir: str | Path) -> dict[str, Any]:
    """Read a GENIUS XML domain folder as a zopa scenario document.

    Parameters
    ----------
    dir
        The domain folder: one domain XML file and one profile per party.

    Returns
    -------
    dict
        The scenario document (format version 1): one ``party`` actor per profile, as
        :func:`zopa.io.writer.write_scenario` writes it.

    Raises
    ------
    InputError
        Every problem found, naming the file, the line and the field.
    """
    folder = Path(dir)
    domain_path, domain_root, profile_roots, skipped = _find_files(folder)
    issues = _read_domain(domain_path, domain_root)
    _check_cells(folder, issues, len(profile_roots))
    problems: list[Problem] = []
    profiles: list[_Profile] = []
    for path, root in profile_roots:
        try:
            profiles.append(_read_profile(path, root, issues))
        except InputError as e:
            problems += e.problems
    raise_problems(problems)

    name = folder.resolve().name or domain_path.stem
    sid = scenario_slug(name, "genius")
    issue_taken: set[str] = set()
    issue_ids = [unique_id(i.name, issue_taken, f"issue{k + 1}") for k, i in enumerate(issues)]
    option_ids: list[list[str]] = []
    out_issues = []
    for k, issue in enumerate(issues):
        taken: set[str] = set()
        counters: dict[str, int] = {}
        ids = [
            unique_id(v, taken, f"v{j + 1}", counters=counters) for j, v in enumerate(issue.values)
        ]
        option_ids.append(ids)
        options = []
        for j, (oid, v) in enumerate(zip(ids, issue.values, strict=True)):
            opt: dict[str, Any] = {"id": oid, "at": spread_at(j, len(ids))}
            if oid != v:
                opt["name"] = v
            if issue.descriptions[j]:
                opt["description"] = issue.descriptions[j]
            options.append(opt)
        out_issues.append(
            {
                "id": issue_ids[k],
                "name": issue.name,
                "assumption": "values placed evenly over 0..100 in the domain's order "
                "(GENIUS discrete values have no scale)",
                "options": options,
            }
        )

    actor_ids = _actor_ids([p.file.stem for p in profiles])
    sources: list[dict[str, Any]] = [
        {
            "id": "domain",
            "title": f"GENIUS domain {name}: issues and values ({domain_path.name})",
            "file": f"{name}/{domain_path.name}",
        }
    ]
    actors = []
    preferences: dict[str, Any] = {}
    for aid, p in zip(actor_ids, profiles, strict=True):
        ref = f"profile-{aid}"
        sources.append(
            {
                "id": ref,
                "title": f"GENIUS profile {p.file.name} (domain {name})",
                "file": f"{name}/{p.file.name}",
            }
        )
        actors.append(
            {
                "id": aid,
                "name": p.file.stem,
                "role": "party",
                "description": f"GENIUS utility profile {p.file.name}",
            }
        )
        preferences[aid] = _preferences(p, issues, issue_ids, option_ids, ref)

    description = (
        f"Imported from the GENIUS domain folder '{name}' (domain {domain_path.name}, "
        f"{len(profiles)} profile(s)). GENIUS semantics: each issue's evaluations divided "
        "by their maximum, weights normalised, reservation value kept (0 when absent), "
        "discount factor ignored (no time in this analysis)."
    )
    if skipped:
        description += " Skipped (no issues): " + ", ".join(skipped) + "."
    return {
        "zopa": 1,
        "id": sid,
        "title": f"GENIUS domain {name} ({len(profiles)} parties)",
        "description": description,
        "sources": sources,
        "actors": actors,
        "issues": out_issues,
        "preferences": preferences,
    }


def _preferences(
    p: _Profile,
    issues: list[_Issue],
    issue_ids: list[str],
    option_ids: list[list[str]],
    ref: str,
) -> dict[str, Any]:
    weights: dict[str, Any] = {
        "assumption": f"GENIUS issue weights as written in {p.file.name} "
        "(normalised to sum 1 when utilities are computed)"
    }
    utilities: dict[str, Any] = {}
    for k, issue in enumerate(issues):
        weights[issue_ids[k]] = p.weights[issue.name]
        evals = p.evaluations[issue.name]
        top = max(evals)
        table: dict[str, Any] = {}
        for oid, e in zip(option_ids[k], evals, strict=True):
            table[oid] = clean_round(e / top) if top > 0 else 0.0
        utilities[issue_ids[k]] = table
    disc = (
        f"; discount factor {p.discount} ignored (no time in this analysis)"
        if p.discount is not None
        else ""
    )
    reservation: dict[str, Any]
    if p.reservation is None:
        reservation = {
            "value": 0.0,
            "assumption": f"no <reservation> in {p.file.name}: GENIUS default 0",
        }
    elif p.reservation_quote:
        reservation = {"value": p.reservation, "source": {"ref": ref, "quote": p.reservation_quote}}
    else:
        reservation = {"value": p.reservation, "assumption": f"<reservation> in {p.file.name}"}
    return {
        "assumption": f"imported from GENIUS profile {p.file.name}: utility of a value = "
        f"evaluation / the issue's largest evaluation{disc}",
        "weights": weights,
        "utilities": utilities,
        "reservation": reservation,
    }
