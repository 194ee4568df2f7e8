"""The HTML report: result objects laid out as one self-contained offline page.

:func:`build` turns :class:`ReportInputs` (results the caller computed: the analysis and,
optionally, the sources, Monte Carlo, leverage, forecasts and one simulated run) into
:class:`Section` objects (notes, key figures, Plotly figures, tables) and :func:`render`
lays them out with ``report.html.j2``. The page holds Plotly's JavaScript once, inlined,
and nothing that reaches the network; every text from the scenario is escaped (Jinja2
autoescape). A section appears only when its result is given. A bargaining solution, a
forecast or a simulated run is presented as a benchmark, never as a prediction.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jinja2
import plotly.graph_objects as go
from markupsafe import Markup

from zopa.analysis.analyze import Analysis
from zopa.analysis.nodeal import ModelReport
from zopa.analysis.report import Report
from zopa.analysis.solutions import NAMES
from zopa.report import figures
from zopa.scenario.schema import Scenario
from zopa.scenario.sources import SourcesReport
from zopa.simulation.run import SimulationRun
from zopa.studies.forecasts import ForecastReport
from zopa.studies.leverage import Leverage
from zopa.studies.montecarlo import MonteCarlo, SizeJson

TEMPLATE = "report.html.j2"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}  # no link to plotly.com
DIGITS = 4  # decimals of a float in a table
LISTED = 20  # entries of a long list shown (the rest counted)
BENCHMARK = (
    "A bargaining solution is a benchmark: the package an axiom picks from the zone, "
    "not a prediction of what the parties will sign."
)


@dataclass
class ReportInputs:
    """The results a report presents; every one but the analysis is optional."""

    scenario: Scenario
    analysis: Report
    sources: SourcesReport | None = None
    montecarlo: MonteCarlo | None = None
    leverage: Leverage | None = None
    forecast: ForecastReport | None = None
    simulation: SimulationRun | None = None


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, whether it is marked, whether it is a number."""

    text: str
    mark: bool = False
    num: bool = False


@dataclass
class Table:
    """A table: a caption, column headings and rows of cells."""

    caption: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class Section:
    """One section of the report: notes, key facts, figures (HTML) and tables."""

    id: str
    title: str
    notes: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    figures: list[Markup] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    """What made the report: the scenario, its file and hash, zopa's version, the time."""

    title: str
    scenario: str
    file: str
    content_hash: str
    version: str
    made: str


# --- cells and figures -------------------------------------------------------------------


def _cell(x: object, mark: bool = False) -> Cell:
    """A value as a cell: floats to :data:`DIGITS` decimals, None as a dash."""
    if x is None:
        return Cell("—", mark)
    if isinstance(x, bool):
        return Cell("yes" if x else "no", mark)
    if isinstance(x, int):
        return Cell(f"{x:,}", mark, num=True)
    if isinstance(x, float):
        return Cell(f"{x:.{DIGITS}f}", mark, num=True)
    return Cell(str(x), mark)


def _row(*values: object) -> list[Cell]:
    """A table row of :func:`_cell` values."""
    return [v if isinstance(v, Cell) else _cell(v) for v in values]


def _figure_html(fig: go.Figure) -> Markup:
    """A figure as an HTML ``div`` that draws itself with the page's (inlined) Plotly."""
    html = fig.to_html(
        full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG, default_width="100%"
    )
    return Markup(html)  # Plotly escapes "</" in its JSON


def _listed(items: Sequence[str], most: int = LISTED) -> str:
    """Items joined by commas, cut after ``most`` with "... and N more"."""
    shown = ", ".join(items[:most])
    return shown + (f" ... and {len(items) - most:,} more" if len(items) > most else "")


def _shares_text(shares: Mapping[str, float]) -> str:
    """Option shares as ``a 94%, b 6%`` (largest first)."""
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{o} {s:.0%}" for o, s in ranked) or "—"


# --- the sections ------------------------------------------------------------------------


def _scenario_section(sc: Scenario) -> Section:
    """The scenario: its description, actors, issues with their options, and sources."""
    actors = Table(
        "Actors (deciders accept or reject a deal)",
        ["id", "name", "role", "decides"],
        [_row(a.id, a.name, a.role, a.decides) for a in sc.actors],
    )
    issues = Table(
        "Issues and their options, in scale order",
        ["issue", "name", "options"],
        [_row(i.id, i.name, ", ".join(o.id for o in i.options)) for i in sc.issues],
    )
    sources = Table(
        "Sources the scenario's numbers cite",
        ["id", "title", "author", "kind", "date", "file or address"],
        [_row(s.id, s.title, s.author, s.kind, s.date, s.file or s.url) for s in sc.sources],
    )
    return Section(
        "scenario",
        "The scenario",
        notes=[sc.description] if sc.description else [],
        facts=[("id", sc.id), ("packages", f"{sc.n_packages():,}"),
               ("decision rule", sc.decision.rule)],
        tables=[actors, issues, sources] if sc.sources else [actors, issues],
    )  # fmt: skip


def _evidence_section(src: SourcesReport) -> Section:
    """The evidence profile: the quoted numbers by what the quote supports x source kind."""
    p = src.profile
    kinds = list(next(iter(p.quoted.values()), {}))
    table = Table(
        "Quoted numbers by what the quote supports (rows) and the source's kind (columns)",
        ["supports", *kinds, "total"],
        [_row(s, *(counts[k] for k in kinds), sum(counts.values()))
         for s, counts in p.quoted.items()],
    )  # fmt: skip
    verdict = (
        "not checked (zopa sources --verify DIR checks them)"
        if src.quotes is None
        else ("every quote stands verbatim" if src.verbatim else "some quotes fail")
    )
    facts = [
        ("numbers", f"{p.numbers:,}"),
        ("resting on a quote", f"{p.total_quoted:,}"),
        ("on an assumption only", f"{p.assumption_only:,}"),
        ("on neither", f"{p.neither:,}"),
        ("quoted and also assumed", f"{len(p.quote_and_assumption):,}"),
        ("quotes", verdict),
    ]
    reused = Table(
        "Quotes covering several numbers",
        ["source", "quote", "numbers"],
        [_row(r.ref, r.quote, r.count) for r in p.reused[:LISTED]],
    )
    notes = [f"File: {src.file}."]
    if p.bare:
        notes.append("Numbers with neither a quote nor an assumption: "
                     + _listed([e.field for e in p.bare]))  # fmt: skip
    return Section("evidence", "Sources and evidence profile", notes, facts, [],
                   [table, reused] if p.reused else [table])  # fmt: skip


def _zone_section(report: Report) -> Section:
    """The agreement zone and its frontier: key counts, the zone figure(s)."""
    a = report.analysis
    facts = [
        ("packages in the space", f"{a.outcomes:,}"),
        ("decision rule", a.rule if a.rule == "unanimity" else f"at least {a.quota}"),
        ("agreement zone", f"{a.zone:,} packages ({a.share:.2%})"),
        ("acceptable to every decider", f"{a.unanimous:,}"),
        (
            "Pareto frontier",
            f"{a.pareto_size:,} packages" if a.pareto_size is not None else "not computed",
        ),
        ("measure", a.measure),
    ]
    figs = []
    if len(a.deciders) >= 2:
        figs.append(_figure_html(figures.zone_figure(report)))
    if len(a.deciders) > 2:
        figs.append(_figure_html(figures.zone_parallel(report)))
    tables = [] if a.zone else [_closest_table(a)]
    shown = min(len(a.top), figures.MAX_POINTS)
    notes = [
        f"Each dot is a package of the zone (the best {shown:,} by Nash product); the line "
        "joins the Pareto frontier; stars mark the bargaining solutions, benchmarks rather "
        "than predictions; dashed lines are the reservations."
        if a.zone
        else "The agreement zone is empty: no package is acceptable under the decision rule."
    ]
    return Section("zone", "Agreement zone and Pareto frontier", notes, facts, figs, tables)


def _closest_table(a: Analysis) -> Table:
    """The packages nearest an empty zone, with each decider's shortfall."""
    return Table(
        "Closest packages: how far each decider falls short of its reservation",
        ["package", *a.deciders, "red lines crossed"],
        [_row(_options_map(c.package), *(c.shortfall[d] for d in a.deciders),
             ", ".join(c.red_lines_crossed) or "none")
         for c in a.closest],
    )  # fmt: skip


def _solutions_section(a: Analysis) -> Section:
    """The solutions matrix: issues x solutions, cells that differ from Nash marked."""
    found = {k: s for k, s in a.solutions.items() if s is not None}
    if not found:
        return Section(
            "solutions",
            "Bargaining solutions",
            ["No bargaining solution: no package is acceptable to every decider."],
        )
    nash = found.get("nash")
    issues = list(next(iter(found.values())).package)
    rows = [
        [_cell(issue), *(_cell(s.package[issue], mark=nash is not None
                             and s.package[issue] != nash.package[issue])
                        for s in found.values())]
        for issue in issues
    ]  # fmt: skip
    rows += [_row(f"{d} {a.measure}", *(s.utilities[d] for s in found.values()))
             for d in a.deciders]  # fmt: skip
    rows += [_row(f"{d} gain", *(s.gains[d] for s in found.values())) for d in a.deciders]
    rows.append(_row("value maximised", *(s.value for s in found.values())))
    rows.append(_row("which is", *(s.objective for s in found.values())))
    names = [NAMES.get(k, k) for k in found]
    table = Table("Each solution's package; marked: options that differ from the Nash "
                  "solution", ["issue", *names], rows)  # fmt: skip
    return Section("solutions", "Bargaining solutions (benchmarks)", [BENCHMARK],
                   tables=[table])  # fmt: skip


def _binding_section(a: Analysis) -> Section:
    """Who binds: how each decider's red lines and reservation shape the zone."""
    table = Table(
        "Packages of the whole space each decider's constraints remove",
        ["decider", f"reservation ({a.measure})", "removed by its red lines",
         "removed by its reservation", "it alone rejects"],
        [_row(b.decider, b.reservation, b.red_lines_remove, b.reservation_removes,
             b.sole_objector) for b in a.binding],
    )  # fmt: skip
    note = ("'It alone rejects' counts the packages every other decider accepts and this "
            "one does not: where it binds.")  # fmt: skip
    return Section("binding", "Who binds", [note], tables=[table])


def _nodeal_section(model: ModelReport) -> Section | None:
    """The no-deal table: outcomes, their probabilities, each decider's value and reservation;
    the Nash benchmark deal taken apart. None without no-deal outcomes."""
    if not model.outcomes:
        return None
    who = [d.decider for d in model.derivations]
    rows = [_row(name, p, war, *(d.values.get(o) for d in model.derivations))
            for o, name, p, war in model.outcomes]  # fmt: skip
    rows.append(_row(Cell("reservation", mark=True), None, None,
                    *(Cell(f"{d.reservation:.4f}" + ("" if d.derived else " (given)"),
                           mark=True, num=True) for d in model.derivations)))  # fmt: skip
    tables = [Table("No-deal outcomes and each decider's value of them; the reservation is "
                    "the expected value unless given", ["outcome", "probability", "war", *who],
                    rows)]  # fmt: skip
    if model.breakdown:
        trust = sorted({k for b in model.breakdown for k in b.trust})
        tables.append(Table(
            "The Nash benchmark deal taken apart: utility as written, trust that each "
            "counterpart keeps it, kept value, deal value",
            ["decider", "utility", *(f"trust in {k}" for k in trust), "kept value", "deal value"],
            [_row(b.decider, b.utility, *(b.trust.get(k) for k in trust), b.kept, b.deal_value)
             for b in model.breakdown],
        ))  # fmt: skip
    facts = [(f"P(strike) by {s} at the Nash deal", f"{p:.3f}") for s, p in model.strike.items()]
    return Section("nodeal", "If there is no deal", facts=facts, tables=tables)


def _leverage_section(lev: Leverage) -> Section:
    """The leverage tornado and its levers' evidence."""
    metric = figures.METRIC_NAMES.get(lev.metric, lev.metric)
    table = Table(
        f"The {figures.TORNADO_LEVERS} levers with the largest spread of {metric}",
        ["lever", "kind", "evidence", "source", "low end", "high end", "spread"],
        [_row(s.lever.words, s.lever.kind, s.lever.evidence.label(),
             s.lever.evidence.source, s.lo.metric(lev.metric), s.hi.metric(lev.metric),
             s.spread(lev.metric))
         for s in lev.swings[: figures.TORNADO_LEVERS]],
    )  # fmt: skip
    facts = [("for", lev.actor), ("metric", metric), ("levers swung", f"{len(lev.swings):,}"),
             ("base", f"{lev.base.metric(lev.metric):.4g}")]  # fmt: skip
    note = ("Each lever is set to each end of what its evidence allows, everything else at "
            "base, and the whole space re-analysed.")  # fmt: skip
    return Section("leverage", "Leverage", [note], facts,
                   [_figure_html(figures.leverage_tornado(lev))], [table])  # fmt: skip


HEADLINES = {
    "zone": "whether an agreement zone exists (low, high: its size; change: ends at which "
    "existence flips)",
    "nash": "the Nash benchmark's terms (low, high: issues whose option changes)",
    "p_deal": "P(deal)",
    "p_war": "P(war)",
}


def _rests_on_section(lev: Leverage) -> Section:
    """What the headline figures rest on: per headline, the levers that move it most."""
    rests: Mapping[str, Any] = lev.to_json()["rests_on"]
    tables = [
        Table(
            f"{HEADLINES.get(h, h)}",
            ["lever", "kind", "evidence", "supports", "source", "source kind",
             "low", "high", "change"],
            [_row(m["label"], m["kind"], m["evidence"], m["supports"], m["source"],
                 m["source_kind"], m["low"], m["high"], m["change"])
             for m in part["levers"]],
        )
        for h, part in rests.items()
    ]  # fmt: skip
    b = lev.base
    facts = [("agreement zone", f"{b.zone:,} packages"), ("P(deal)", f"{b.p_deal:.3f}"),
             ("P(war)", f"{b.p_war:.3f}"),
             ("Nash benchmark deal", _options_map(b.deal) if b.deal else "none")]  # fmt: skip
    quiet = [HEADLINES.get(h, h) for h, part in rests.items() if not part["levers"]]
    notes = [f"No lever moves: {'; '.join(quiet)}."] if quiet else []
    return Section("rests-on", "What the headline rests on", notes, facts,
                   tables=[t for t in tables if t.rows])  # fmt: skip


def _options_map(package: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in package.items())


def _montecarlo_section(mc: MonteCarlo) -> Section:
    """Monte Carlo: probabilities with standard errors, the zone's size, the distributions,
    each actor's value and the likely deal's options across draws."""
    j = mc.to_json()
    se = j["stderr"]
    z = j["zone_size"]

    def p(name: str) -> str:
        v, s = j[name], se[name]  # type: ignore[literal-required]
        return "—" if v is None else f"{v:.3f} ± {s or 0:.3f}"

    facts = [("draws", f"{mc.draws:,} (seed {mc.seed})"), ("P(zone)", p("p_zone")),
             ("P(deal)", p("p_deal")), ("P(war)", p("p_war")),
             ("zone size", _zone_size(z)),
             ("always in the zone", "not counted" if j["always_in_zone"] is None
              else f"{j['always_in_zone']:,} packages")]  # fmt: skip
    values = Table("Each actor's value over the draws (mean ± standard error)",
                   ["actor", "mean", "standard error"],
                   [_row(a, v["mean"], v["stderr"]) for a, v in j["value"].items()])  # fmt: skip
    deal = Table("The Nash benchmark deal across the draws with a zone: share of draws taking "
                 "each option", ["issue", "options"],
                 [_row(i, _shares_text(s)) for i, s in j["likely_deal"].items()])  # fmt: skip
    return Section("montecarlo", "Monte Carlo", facts=facts,
                   figures=[_figure_html(figures.montecarlo_figure(mc))],
                   tables=[values, deal])  # fmt: skip


def _zone_size(z: SizeJson) -> str:
    """``mean 25,124 (5%: 9,052, 50%: 21,793, 95%: 46,535)``; a dash without draws."""
    mean, p05, p50, p95 = z["mean"], z["p05"], z["p50"], z["p95"]
    if mean is None or p05 is None or p50 is None or p95 is None:
        return "—"
    return f"mean {mean:,.0f} (5%: {p05:,.0f}, 50%: {p50:,.0f}, 95%: {p95:,.0f})"


def _forecast_section(fr: ForecastReport) -> Section:
    """Forecasts by model, issue by issue, beside the Nash benchmark deal."""
    j = fr.to_json()
    nash = j["agreement_nash"]
    models = list(j["models"])
    rows = []
    for issue in fr.issues:
        at = [j["models"][m]["issues"][issue] for m in models]
        cells = [
            _cell(
                f"{f['option']} ({f['position']:.1f})",
                mark=nash is not None and f["option"] != nash.get(issue),
            )
            for f in at
        ]
        rows.append([_cell(issue), *cells, _cell(nash.get(issue) if nash else None),
                     _cell(j["consensus"][issue]["modal_option"])])  # fmt: skip
    table = Table("Each model's forecast option (position 0..100); marked: differs from the "
                  "Nash benchmark deal", ["issue", *models, "Nash deal", "most models"],
                  rows)  # fmt: skip
    note = ("Each forecasting model is one way of reading where the talks land; their spread "
            "is part of the answer.")  # fmt: skip
    return Section("forecasts", "Forecasts by model", [note],
                   figures=[_figure_html(figures.forecast_figure(fr))],
                   tables=[table])  # fmt: skip


def _simulation_section(run: SimulationRun) -> Section:
    """One simulated run: how it ended, its shocks and the timeline figure."""
    shocks = [f"round {s['round']}: {s['kind']} ({s['actor']})" for s in run.shocks]
    facts = [("protocol", f"{run.protocol}, deadline {run.rounds} rounds, seed {run.seed}"),
             ("strategies", ", ".join(f"{d}: {k}" for d, k in run.strategies.items())),
             ("ended", f"{run.end}" + (f" (by {run.ended_by})" if run.ended_by else "")),
             ("agreement", _options_map(run.agreement) if run.agreement else "none"),
             ("no-deal outcome", run.no_deal or "—"), ("war", "yes" if run.war else "no"),
             ("shocks", "; ".join(shocks) or "none")]  # fmt: skip
    if run.implementation is not None:
        facts.append(("implementation", _options_map(
            {k: str(v) for k, v in run.implementation.items()})))  # fmt: skip
    note = ("One reproducible history under the stated strategies and shocks: a benchmark, "
            "not a prediction (zopa simulate --runs N gives shares).")  # fmt: skip
    return Section("simulation", "Simulated talks", [note], facts,
                   [_figure_html(figures.simulation_figure(run))])  # fmt: skip


def sections(inputs: ReportInputs) -> list[Section]:
    """Every section whose result is given, in reading order.

    Parameters
    ----------
    inputs
        The results to present.

    Returns
    -------
    list of Section
        The scenario, its evidence profile, the zone and frontier, the solutions matrix,
        who binds, the no-deal table, leverage, Monte Carlo, forecasts, the simulated run
        and what the headline rests on; those whose result is absent left out.
    """
    a = inputs.analysis.analysis
    out: list[Section | None] = [
        _scenario_section(inputs.scenario),
        _evidence_section(inputs.sources) if inputs.sources else None,
        _zone_section(inputs.analysis),
        _solutions_section(a),
        _binding_section(a),
        _nodeal_section(inputs.analysis.model),
        _leverage_section(inputs.leverage) if inputs.leverage else None,
        _montecarlo_section(inputs.montecarlo) if inputs.montecarlo else None,
        _forecast_section(inputs.forecast) if inputs.forecast else None,
        _simulation_section(inputs.simulation) if inputs.simulation else None,
        _rests_on_section(inputs.leverage) if inputs.leverage else None,
    ]
    return [s for s in out if s is not None]


# --- the page ----------------------------------------------------------------------------


def zopa_version() -> str:
    """The installed zopa's version.

    Returns
    -------
    str
        ``importlib.metadata.version("zopa")``, or ``unknown`` when zopa runs uninstalled.
    """
    try:
        return importlib.metadata.version("zopa")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def header(sc: Scenario, made: datetime | None = None) -> Header:
    """The report's header: the scenario, its file and hash, zopa's version, the time.

    Parameters
    ----------
    sc
        The scenario reported on.
    made
        When the report is made (default: now); printed in UTC.

    Returns
    -------
    Header
        The scenario's title, id, file name (or a note that it was built in Python), its
        ``content_hash``, zopa's version and the time.
    """
    when = (made or datetime.now(UTC)).astimezone(UTC)
    return Header(
        title=sc.title,
        scenario=sc.id,
        file=sc.source_text[1] if sc.source_text else "(built in Python, not read from a file)",
        content_hash=sc.content_hash,
        version=zopa_version(),
        made=when.strftime("%Y-%m-%d %H:%M UTC"),
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


def render(parts: Iterable[Section], head: Header) -> str:
    """The complete HTML page of ``parts`` under ``head``.

    Parameters
    ----------
    parts
        The sections, in order (:func:`sections`).
    head
        What made the report (:func:`header`).

    Returns
    -------
    str
        One self-contained HTML document: Plotly's JavaScript inlined once, no link,
        script or font from the network, every text escaped, print CSS included.
    """
    import plotly.offline

    text = importlib.resources.files("zopa.report").joinpath(TEMPLATE).read_text("utf-8")
    template = _environment().from_string(text)
    plotly_js = Markup(plotly.offline.get_plotlyjs())  # Plotly's own bundle
    return template.render(sections=list(parts), head=head, plotly_js=plotly_js)


def build(inputs: ReportInputs, made: datetime | None = None) -> str:
    """The report of ``inputs`` as one self-contained offline HTML page.

    Parameters
    ----------
    inputs
        Results computed by the caller (:class:`ReportInputs`); the analysis should be
        computed with a large ``top`` (``zopa.analyze(sc, top=2000)``): its top packages
        are the zone figure's points.
    made
        The time it is made (default: now), printed in the header.

    Returns
    -------
    str
        The HTML page (:func:`render`).

    Examples
    --------
    >>> sc = zopa.reference()  # doctest: +SKIP
    >>> html = build(ReportInputs(sc, zopa.analyze(sc, top=2000)))  # doctest: +SKIP
    """
    return render(sections(inputs), header(inputs.scenario, made))
