"""Rich tables for the terminal. Presentation only: it reads results, it computes nothing."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from zopa.analysis.solutions import NAMES

if TYPE_CHECKING:  # types only: each command imports the modules its results come from
    from zopa.analysis.analyze import Analysis, PackageView
    from zopa.analysis.nodeal import ModelReport, PackageScore
    from zopa.analysis.report import Report
    from zopa.forecasting.backtest import BacktestResult
    from zopa.scenario.sources import SourcesReport
    from zopa.studies.forecasts import ForecastReport
    from zopa.studies.leverage import Leverage
    from zopa.studies.levers import LeverList
    from zopa.studies.montecarlo import MonteCarlo
    from zopa.studies.sweep import Sweep


def _width() -> int | None:
    """The terminal's width; ``COLUMNS`` when set; 120 when the output is not a terminal."""
    cols = os.environ.get("COLUMNS", "")
    if cols.isdigit() and int(cols) >= 40:
        return int(cols)
    return None if sys.stdout.isatty() else 120


console = Console(highlight=False, width=_width())


def _out(t: Table) -> None:
    """Print a table that never cuts a value: a column too narrow for its text folds it
    onto the next line instead of cutting it with an ellipsis."""
    for col in t.columns:
        if col.overflow == "ellipsis":
            col.overflow = "fold"
    console.print(t)


def _package_text(p: PackageView) -> str:
    return "\n".join(f"{k}: [bold]{v}[/]" for k, v in p.package.items())


def _num(x: float) -> str:
    return f"{x:.3f}"


def show_report(report: Report, frontier: bool = False) -> None:
    """Print ``zopa analyze``: the agreement analysis, then the no-deal model."""
    show_analysis(report.analysis, frontier)
    show_model(report.model)


WITH_GAINS = 4  # up to this many deciders, package tables show each gain beside the value


def _value_head(a: Analysis, d: str) -> str:
    """A decider's value column: ``USA deal value (gain)``; the decider alone when many
    deciders leave no room (the table's title names the measure)."""
    return f"{d} {a.measure} (gain)" if len(a.deciders) <= WITH_GAINS else d


def _measured(a: Analysis, title: str) -> str:
    """A package table's title, naming the measure when the columns do not."""
    return title if len(a.deciders) <= WITH_GAINS else f"{title}; each decider's {a.measure}"


def _value(a: Analysis, p: PackageView, d: str) -> str:
    """A decider's value of a package, with its gain when few deciders leave room."""
    if len(a.deciders) <= WITH_GAINS:
        return f"{_num(p.utilities[d])} ({p.gains[d]:+.3f})"
    return _num(p.utilities[d])


def _solutions_matrix(a: Analysis) -> Table:
    """Issues x solutions: the Nash solution's options, each other solution's where they
    differ from it (marked ``*``; ``·`` where they are the same), each decider's value and
    gain, and what each solution maximises."""
    sols = {k: s for k, s in a.solutions.items() if s is not None}
    nash = sols.get("nash")
    t = Table(
        title="Bargaining solutions (over the unanimous set; benchmarks, not predictions)",
        caption="* differs from the Nash solution; · the same option as the Nash solution",
        box=box.SIMPLE,
    )
    t.add_column("issue", no_wrap=True)
    for name in sols:
        t.add_column(NAMES.get(name, name), overflow="fold")
    for issue in next(iter(sols.values())).package:
        cells = []
        for name, s in sols.items():
            option = s.package[issue]
            if nash is None or name == "nash":
                cells.append(escape(option))
            elif nash.package[issue] != option:
                cells.append(f"[bold yellow]{escape(option)} *[/]")
            else:
                cells.append("[dim]·[/]")
        t.add_row(escape(issue), *cells)
    t.add_section()
    for d in a.deciders:
        t.add_row(_value_head(a, d), *[_value(a, s, d) for s in sols.values()])
    t.add_row("maximises", *[f"[dim]{s.objective}[/]" for s in sols.values()])
    t.add_row("its value", *[f"{s.value:.4g}" for s in sols.values()])
    return t


def _frontier_table(a: Analysis) -> Table:
    """Every frontier package listed: each decider's value and gain, and the options where
    it differs from the Nash solution."""
    nash = a.solutions.get("nash")
    shown = len(a.pareto)
    size = a.pareto_size or 0
    more = f" (the first {shown:,} of {size:,})" if shown < size else ""
    t = Table(title=_measured(a, f"Pareto frontier{more}"), box=box.SIMPLE)
    t.add_column("#", justify="right", no_wrap=True)
    for d in a.deciders:
        t.add_column(_value_head(a, d), justify="right")
    t.add_column("differs from the Nash solution in", overflow="fold", min_width=16)
    for i, p in enumerate(a.pareto, 1):
        diff = (
            [f"{k}={v}" for k, v in p.package.items() if nash.package[k] != v]
            if nash is not None
            else [f"{k}={v}" for k, v in p.package.items()]
        )
        t.add_row(str(i), *[_value(a, p, d) for d in a.deciders],
                  escape(", ".join(diff)) or "- (the Nash solution)")  # fmt: skip
    return t


def _front_size(a: Analysis) -> str:
    """The frontier's size, or why it is not given."""
    if a.pareto_size is not None:
        return f"{a.pareto_size:,}"
    est = a.pareto_estimate or 0.0
    return f"not computed (estimated {est:,.0f} s, over --frontier-budget; --frontier computes it)"


def show_analysis(a: Analysis, frontier: bool = False) -> None:
    """Print the summary of ``zopa analyze`` (``frontier``: list the frontier too)."""
    c = console
    rule = "unanimity" if a.rule == "unanimity" else f"quota: {a.quota} of {len(a.deciders)}"
    c.print(f"[bold]{a.title}[/] ({a.scenario})")
    c.print(
        f"{a.outcomes:,} packages; deciders {', '.join(a.deciders)}; rule {rule}\n"
        f"Agreement zone: [bold]{a.zone:,}[/] packages ({a.share:.4%} of the space); "
        f"acceptable to every decider: {a.unanimous:,}; Pareto frontier: {_front_size(a)}"
    )
    t = Table(title="Who binds (packages of the space each constraint removes)", box=box.SIMPLE)
    for col in (
        "decider",
        "reservation",
        "red lines remove",
        "reservation removes",
        "sole objector",
    ):
        t.add_column(col, justify="right" if col != "decider" else "left")
    for b in a.binding:
        t.add_row(
            b.decider,
            _num(b.reservation),
            f"{b.red_lines_remove:,}",
            f"{b.reservation_removes:,}",
            f"{b.sole_objector:,}",
        )
    _out(t)
    if any(a.solutions.values()):
        _out(_solutions_matrix(a))
    if frontier:
        _out(_frontier_table(a))
    if a.top:
        title = _measured(a, f"Top {len(a.top)} packages of the zone (by Nash product)")
        t = Table(title=title, box=box.SIMPLE)
        t.add_column("#", justify="right")
        t.add_column("package (after #1: where it differs from #1)", min_width=16, ratio=1)
        for d in a.deciders:
            t.add_column(_value_head(a, d), justify="right")
        first = a.top[0].package
        for i, p in enumerate(a.top, 1):
            diff = [f"{k}={v}" for k, v in p.package.items() if i == 1 or first[k] != v]
            t.add_row(
                str(i),
                ", ".join(diff) or "same as #1",
                *[_value(a, p, d) for d in a.deciders],
            )
        _out(t)
    if a.zone == 0:
        c.print("[bold red]No package passes the decision rule.[/] Closest packages:")
        t = Table(box=box.SIMPLE)
        t.add_column("package")
        for d in a.deciders:
            t.add_column(f"{d} shortfall", justify="right")
        t.add_column("red lines crossed")
        for p in a.closest:
            t.add_row(
                ", ".join(f"{k}={v}" for k, v in p.package.items()),
                *[_num(p.shortfall[d]) for d in a.deciders],
                ", ".join(p.red_lines_crossed) or "-",
            )
        _out(t)


def show_sources(report: SourcesReport) -> None:
    """Print ``zopa sources``: each number with its evidence, the evidence profile, the
    quote checks."""
    from rich.markup import escape

    file, ev, checks = report.file, report.numbers, report.quotes
    c = console
    t = Table(title=f"Numbers in {file}", box=box.SIMPLE, show_lines=False)
    t.add_column("line", justify="right")
    t.add_column("field")
    t.add_column("value", justify="right")
    t.add_column("evidence")
    for e in ev:
        if e.quote:
            what = f"[green]{escape(str(e.ref))}[/]: “{escape(e.quote)}”"
            if e.supports:
                what += f" [dim]({e.supports})[/]"
            if e.assumption:
                what += " [yellow]+ assumption[/]"
        elif e.assumption:
            what = f"[yellow]assumption[/]: {escape(e.assumption)}"
        else:
            what = "[bold red]no source, no assumption[/]"
        if e.inherited_from:
            what += f" [dim](from {escape(e.inherited_from)})[/]"
        shown = e.value if isinstance(e.value, str) else f"{e.value:g}"
        t.add_row(str(e.line or ""), escape(e.field), escape(shown), what)
    _out(t)
    n = report.counts()
    c.print(f"{len(ev)} numbers: {n['source']} sourced, {n['assumption']} assumptions, "
            f"{n['none']} with neither")  # fmt: skip
    _show_profile(report)
    if checks is not None:
        bad = [q for q in checks if not q.ok]
        c.print(f"{len(checks)} quotes checked: {len(checks) - len(bad)} verbatim, {len(bad)} not")
        for q in bad:
            c.print(f"  {file}:{q.line}: {q.field}: {q.reason}: “{q.quote}”", markup=False)


SOURCES_SHOWN = 10
"""The most entries of each list of the evidence profile printed (the JSON has all)."""


def _capped(items: list[str], cap: int = SOURCES_SHOWN) -> list[str]:
    """``items`` cut to ``cap``, with a last line ``... and N more`` when cut."""
    if len(items) <= cap:
        return items
    return [*items[:cap], f"  ... and {len(items) - cap} more"]


def _show_profile(report: SourcesReport) -> None:
    """Print the evidence profile: quoted numbers by supports × source kind, then the
    numbers that needed an assumption beside their quote, the quotes used for several
    numbers and the numbers with neither (each list capped at :data:`SOURCES_SHOWN`)."""
    from zopa.scenario.sources import KIND_COLUMNS, SUPPORTS_ROWS

    p, file, c = report.profile, report.file, console
    t = Table(title="Evidence profile: quoted numbers by what the quote supports × source kind",
              box=box.SIMPLE, title_justify="left")  # fmt: skip
    t.add_column("supports")
    for k in (*KIND_COLUMNS, "total"):
        t.add_column(k, justify="right")
    for s in SUPPORTS_ROWS:
        row = p.quoted[s]
        t.add_row(s, *[str(row[k]) for k in KIND_COLUMNS], str(sum(row.values())))
    totals = [sum(p.quoted[s][k] for s in SUPPORTS_ROWS) for k in KIND_COLUMNS]
    t.add_row("[bold]total[/]", *map(str, totals), f"[bold]{p.total_quoted}[/]")
    _out(t)
    lists = [
        (f"{len(p.quote_and_assumption)} quoted numbers needed an assumption beside the quote",
         [f"  {file}:{e.line}: {e.field} ({e.ref})" for e in p.quote_and_assumption]),
        (f"{len(p.reused)} quotes used for several numbers",
         [f"  x{r.count} {r.ref}: “{_cut(r.quote, 80)}”\n      {_cut(', '.join(r.fields), 100)}"
          for r in p.reused]),
        (f"{len(p.bare)} numbers with no source and no assumption",
         [f"  {file}:{e.line}: {e.field}" for e in p.bare]),
    ]  # fmt: skip
    for head, items in lists:
        if items:
            c.print(f"{head}:", markup=False)
            for line in _capped(items):
                c.print(line, markup=False)


def _cut(text: str, at: int = 60) -> str:
    """``text`` cut to at most ``at`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= at else text[: at - 1].rstrip() + "…"


def show_forecasts(r: ForecastReport) -> None:
    """Print ``zopa forecast``: per issue each model's position and option, and consensus."""
    c = console
    t = Table(
        title=f"Forecasts for {r.scenario} (position on 0..100, nearest option)", box=box.SIMPLE
    )
    t.add_column("issue")
    for name in r.forecasts:
        t.add_column(name, justify="right")
    if r.nash_deal is not None:
        t.add_column("agreement Nash deal")
    t.add_column("models agree on")
    cons = r.consensus()
    for i, k in enumerate(r.issues):
        cells = []
        for name, f in r.forecasts.items():
            cell = f"{f.position[i]:.1f}\n{escape(f.option[i])}"
            if name in r.spreads:
                s = r.spreads[name].statistics()[k]
                cell += f"\n[dim]90%: {s['p05']:.0f}-{s['p95']:.0f}[/]"
            cells.append(cell)
        if r.nash_deal is not None:
            cells.append(r.nash_deal[k])
        row = cons[k]
        cells.append(f"{row['modal_option']} ({row['models_on_modal']}/{len(r.forecasts)})")
        t.add_row(k, *cells)
    _out(t)
    rounds = ", ".join(f"{n}: {f.rounds}" for n, f in r.forecasts.items() if f.rounds)
    if rounds:
        c.print(f"rounds run: {rounds}")
    if r.left_out:
        it = "it" if len(r.left_out) == 1 else "them"
        c.print(f"left out: {', '.join(r.left_out)} (no actor weighs {it}: "
                "the forecasting models have nothing to go on)")  # fmt: skip


def show_model(m: ModelReport) -> None:
    """Print the no-deal model's part of ``zopa analyze``."""
    c = console
    if m.outcomes:
        t = Table(title="Without a deal (reservations derived from these outcomes)", box=box.SIMPLE)
        t.add_column("outcome")
        t.add_column("probability", justify="right")
        t.add_column("war")
        for der in m.derivations:
            t.add_column(der.decider, justify="right")
        for o, name, prob, war in m.outcomes:
            t.add_row(
                f"{name} ({o})", f"{prob:.3f}", "yes" if war else "",
                *[_num(d.values[o]) if o in d.values else "-" for d in m.derivations],
            )  # fmt: skip
        t.add_row(
            "[bold]reservation[/]", "", "",
            *[f"[bold]{d.reservation:.3f}[/]" + ("" if d.derived else " (given)")
              for d in m.derivations],
        )  # fmt: skip
        _out(t)
    if m.floors:
        c.print(
            "Reference-package floors: "
            + ", ".join(f"{k} needs utility >= {v:.3f}" for k, v in m.floors.items())
        )
    if m.breakdown and (m.strike or any(b.trust for b in m.breakdown)):
        t = Table(title="The Nash deal's value, taken apart", box=box.SIMPLE)
        for col in ("decider", "utility", "trust in counterpart", "kept value", "deal value"):
            t.add_column(col, justify="left" if col == "decider" else "right")
        for b in m.breakdown:
            trust = ", ".join(f"{w}: {v:.2f}" for w, v in b.trust.items()) or "-"
            t.add_row(b.decider, _num(b.utility), trust, _num(b.kept), _num(b.deal_value))
        _out(t)
        for who, prob in m.strike.items():
            c.print(f"P({who} strikes the Nash deal) = {prob:.3f}")
    show_conflict(m)


def show_conflict(m: ModelReport) -> None:
    """Print Fearon's and Powell's analyses."""
    c = console
    k = m.conflict
    if k is not None:
        a, b = k.between
        c.print(
            f"[bold]Conflict[/] {a} vs {b}: P({a} prevails) = {k.prevails:.2f}; costs "
            f"{a} {k.cost[a]:.2f}, {b} {k.cost[b]:.2f}"
        )
        if k.war_value:
            c.print(
                f"  war values: {a} {k.war_value[a]:.3f}, {b} {k.war_value[b]:.3f}; bargaining "
                f"range: {k.range_size:,} packages ({k.range_size / k.outcomes:.2%})"
                + ("" if k.nash_in_range is None else
                   f"; Nash deal {'inside' if k.nash_in_range else 'outside'} it")
            )  # fmt: skip
        for prop in k.proposals:
            c.print(
                f"  {prop.proposer} proposes: P(war) = {prop.p_war:.3f}; "
                + ", ".join(f"{i}={o}" for i, o in prop.package.items())
            )
        if k.power_path:
            verdict = (
                f"preventive-war incentive from period {k.preventive_war[0]} "
                f"({k.attacker[k.preventive_war[0]]} attacks)"
                if k.preventive_war
                else "no preventive-war incentive"
            )
            path = ", ".join(f"{x:.2f}" for x in k.power_path)
            c.print(f"  shifting power: P({a} prevails) by period {path}: {verdict}")
        if k.skipped:
            c.print(f"  bargaining range skipped: {k.skipped}")
    if m.periods:
        t = Table(title="The deal as parameters drift (dynamics)", box=box.SIMPLE)
        t.add_column("period", justify="right")
        t.add_column("parameters")
        t.add_column("zone", justify="right")
        t.add_column("P(deal)", justify="right")
        t.add_column("values")
        for row in m.periods:
            t.add_row(
                str(row["period"]),
                ", ".join(f"{n}={v:.3g}" for n, v in row["parameters"].items()),
                f"{row['zone']:,}", f"{row['p_deal']:.3f}",
                ", ".join(f"{n}: {v:.3f}" for n, v in row["value"].items()),
            )  # fmt: skip
        _out(t)


def show_montecarlo(r: MonteCarlo) -> None:
    """Print ``zopa montecarlo``."""
    j: dict[str, Any] = dict(r.to_json())
    c = console
    se: dict[str, Any] = dict(j["stderr"])
    c.print(f"[bold]{r.scenario}[/]: {r.draws:,} draws, seed {r.seed}")
    for key, label in (
        ("p_zone", "an agreement zone exists"),
        ("p_deal", "a deal is reached, survives spoilers and is kept"),
        ("p_war", "war"),
    ):
        c.print(f"  P({label}) = {j[key]:.4f} ± {se[key]:.4f}")
    t = Table(title="Expected value per actor", box=box.SIMPLE)
    t.add_column("actor")
    t.add_column("mean", justify="right")
    t.add_column("stderr", justify="right")
    for a, v in j["value"].items():
        if v["mean"] is not None:
            t.add_row(a, f"{v['mean']:.4f}", f"{v['stderr']:.4f}")
    _out(t)
    z = j["zone_size"]
    if z["mean"] is not None:
        c.print(
            f"  agreement zone: {z['mean']:,.1f} packages on average"
            f" (5%: {z['p05']:,.0f}, median: {z['p50']:,.0f}, 95%: {z['p95']:,.0f})"
        )
    if j["always_in_zone"] is not None:
        c.print(f"  packages in the zone in every draw: {j['always_in_zone']:,}")
    t = Table(
        title="Each solution, issue by issue (share of draws with a solution)", box=box.SIMPLE
    )
    t.add_column("issue")
    names = list(j["solutions"])
    for name in names:
        t.add_column(NAMES.get(name, name))
    for issue in j["likely_deal"]:
        t.add_row(issue, *[_shares(j["solutions"][n][issue]) for n in names])
    _out(t)
    c.print("  (P(deal), P(war) and the values assume the Nash column's terms; a bargaining")
    c.print("   solution is a benchmark of what each side could claim, not a prediction)")
    drawn = len(j["uncertain_numbers"]), len(j["uncertain_judgements"])
    c.print(f"drawn: {drawn[0]:,} uncertain numbers, {drawn[1]:,} judgements (orders, red lines)")
    ex = j["exact"]
    c.print(
        f"exact in every draw: up to {ex['packages_evaluated']:,} packages (those the red"
        f" lines allow) evaluated; {ex['full_scan_draws']:,} draws by full scan"
    )


def show_simulation(r: Any) -> None:
    """Print ``zopa simulate``: one run's trace, or the shares of many runs."""
    j: dict[str, Any] = dict(r.to_json())
    c = console
    strat = ", ".join(f"{d} {k}" for d, k in j["strategies"].items())
    head = f"[bold]{j['scenario']}[/]: {j['protocol']} protocol, {j['rounds']} rounds; {strat}"
    if "runs" in j:
        _show_runs(j, head)
        return
    c.print(head + f"; seed {j['seed']}")
    t = Table(box=box.SIMPLE)
    for col in ("round", "actor", "event", *j["strategies"], "to zone", "accepted by"):
        t.add_column(col, justify="right" if col in ("round", "to zone") else "left")
    deciders = list(j["strategies"])
    for e in j["trace"]:
        if e["action"] in ("offer", "text", "accept"):
            u = e.get("utilities", {})
            what = e["action"]
            if e.get("objections"):
                what += " (objections: " + ", ".join(
                    f"{a} {i}" for a, i in e["objections"].items()) + ")"  # fmt: skip
            t.add_row(str(e["round"]), e["actor"], what, *[f"{u.get(d, 0):.3f}" for d in deciders],
                      f"{e.get('zone_distance', 0):.3f}",
                      ", ".join(e.get("accepted_by", [])))  # fmt: skip
        else:
            label = e.get("shock") or e["action"]
            extra = e.get("outcome") or e.get("why") or ""
            t.add_row(str(e["round"]), e["actor"], f"[bold]{label}[/] {extra}".strip(),
                      *["" for _ in deciders], "", "")  # fmt: skip
    _out(t)
    if j["agreement"] is not None:
        terms = ", ".join(f"{k} {v}" for k, v in j["agreement"].items())
        utils = ", ".join(f"{k} {v:.3f}" for k, v in (j["utilities"] or {}).items())
        c.print(f"agreement in round {j['step'] + 1} (NegMAS step {j['step']}): {terms}")
        c.print(f"  utilities: {utils}")
    else:
        by = f" by {j['ended_by']}" if j["ended_by"] else ""
        c.print(f"no agreement: {j['end']}{by} in round {j['step'] + 1} "
                f"(NegMAS step {j['step']}); no-deal outcome "
                f"{j['no_deal'] or '-'}{' (war)' if j['war'] else ''}")  # fmt: skip
    k = j["implementation"]
    if k is not None:
        if k["struck_by"]:
            c.print(f"implementation: struck by {k['struck_by']} at signing -> {k['outcome']}")
        elif k["reneged_by"]:
            ends = k["outcome"] or "the package reverts"
            c.print(f"implementation: kept {k['kept']} of {k['periods']} periods, then "
                    f"{k['reneged_by']} reneges -> {ends}")  # fmt: skip
        else:
            c.print(f"implementation: kept all {k['periods']} periods")
    c.print("  (one simulated run under the scenario's assumptions, not a prediction)")


def _show_runs(j: dict[str, Any], head: str) -> None:
    c = console
    c.print(head + f"; {j['runs']:,} runs, seed {j['seed']}")

    def share(x: dict[str, Any]) -> str:
        return "-" if x["value"] is None else f"{x['value']:.4f} ± {x['stderr']:.4f}"

    c.print(f"  P(agreement) = {share(j['p_agreement'])}")
    c.print(f"  P(war) = {share(j['p_war'])}")
    rt = j["rounds_to_agreement"]
    if rt["mean"] is not None:
        c.print(f"  rounds to agreement: {rt['mean']:.2f} ± {rt['stderr']:.2f} (5%: "
                f"{rt['p05']:g}, median: {rt['p50']:g}, 95%: {rt['p95']:g})")  # fmt: skip
    c.print("  how talks ended: " + ", ".join(f"{k} {_share(v)}" for k, v in j["ends"].items()))
    if j["no_deal"]:
        c.print("  no-deal outcomes: " + ", ".join(
            f"{k} {_share(v)}" for k, v in j["no_deal"].items()))  # fmt: skip
    if any(j["agreed_terms"].values()):
        t = Table(title="Agreed terms, issue by issue (share of agreements)", box=box.SIMPLE)
        t.add_column("issue")
        t.add_column("options")
        for issue, opts in j["agreed_terms"].items():
            t.add_row(issue, ", ".join(f"{o} {_share(v)}" for o, v in opts.items()) or "-")
        _out(t)
    if j["p_kept"]:
        t = Table(title="Deal kept after k periods", box=box.SIMPLE)
        for col in ("period", "P(kept)", "given agreement"):
            t.add_column(col, justify="right")
        for row in j["p_kept"]:
            g = row["given_agreement"]
            t.add_row(str(row["period"]), f"{row['p']:.4f}", "-" if g is None else f"{g:.4f}")
        _out(t)
    if j["shocks"]:
        c.print("  shocks (share of runs): " + ", ".join(
            f"{s['kind']} {s['actor']} {_share(s['share'])}" for s in j["shocks"]))  # fmt: skip
    c.print("  (simulated under the scenario's assumptions: shares of model runs, not forecasts)")


def _share(s: float) -> str:
    return "<1%" if 0 < s < 0.005 else f"{s:.0%}"


def _shares(options: dict[str, float]) -> str:
    """Options and their shares of draws, the most frequent first, one a line."""
    ranked = sorted(options.items(), key=lambda kv: -kv[1])
    return "\n".join(f"{_share(s)} {escape(o)}" for o, s in ranked) or "-"


def show_leverage(r: Leverage, top: int) -> None:
    """Print the tornado of ``zopa leverage``, then what the headline figures rest on."""
    from zopa.studies.leverage import deal_shift

    c = console
    b = r.base
    c.print(
        f"[bold]Leverage for {r.actor}[/] (ranked by {r.metric}); at base: value {b.value:.3f}, "
        f"zone {b.zone:,}, P(deal) {b.p_deal:.3f}, P(war) {b.p_war:.3f}"
    )
    war = r.metric == "p_war"  # the probability column: P(war) when ranked by it, else P(deal)
    p = "P(war)" if war else "P(deal)"
    t = Table(
        box=box.SIMPLE,
        caption=f"value, zone, {p}: at the low / high end. Under each lever: its range, its "
        "evidence, how the Nash terms shift at each end, and its name (for --set, --grid)",
    )
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("lever", overflow="fold")
    for col in ("value", "zone", p, "spread"):
        t.add_column(col, justify="right", no_wrap=True)
    for i, s in enumerate(r.swings[:top], 1):
        lv = s.lever
        shift = deal_shift(s, r.base)
        lo, hi = _lever_ends(lv)
        rng = f"{lv.lo:.3g}..{lv.hi:.3g}" if lv.kind != "red line" else f"{lo}/{hi}"
        pl, ph = (s.lo.p_war, s.hi.p_war) if war else (s.lo.p_deal, s.hi.p_deal)
        moved = f"{_shift_text(shift['low'])} / {_shift_text(shift['high'])}"
        under = f"{rng if lv.ranged else 'removed / kept'} · {lv.evidence.label()} · deal: {moved}"
        name = f"{escape(lv.words)}\n[dim]{escape(under)}"
        if lv.label and lv.label != lv.name:
            name += f"\n{escape(lv.name)}"
        t.add_row(
            str(i), name + "[/]",
            f"{s.lo.value:.3f} / {s.hi.value:.3f}",
            f"{s.lo.zone:,} / {s.hi.zone:,}",
            f"{pl:.3f} / {ph:.3f}",
            f"{s.spread(r.metric):.4g}",
        )  # fmt: skip
    _out(t)
    _show_rests_on(r)


def _shift_text(moved: dict[str, str] | None) -> str:
    """The issues whose Nash option differs at one end of a swing, as text."""
    if moved is None:
        return "no deal"
    return ", ".join(f"{k}={v}" for k, v in moved.items()) or "same"


def _lever_ends(lv: Any) -> tuple[str, str]:
    """How the low and high ends of a lever read: ``removed``/``kept``, ``off``/``on``, or
    ``at X``."""
    if not lv.ranged:
        return "removed", "kept"
    if lv.kind == "red line":
        return "off", "on"
    return f"at {lv.lo:.3g}", f"at {lv.hi:.3g}"


def _show_rests_on(r: Leverage) -> None:
    """What the headline figures rest on: each headline's levers, their ends, evidence."""
    b = r.base
    moves = r.rests_on()
    zone = f"yes, {b.zone:,} packages" if b.zone else "no"
    heads = {
        "zone": (f"Whether a zone exists ({zone}) rests on:",
                 "Nothing swung here changes whether a zone exists."),
        "nash": ("The Nash terms (the assumed deal)" + ("" if b.deal else ", none at base,")
                 + " change with:",
                 "Nothing swung here changes the Nash terms."),
        "p_deal": (f"P(deal) ({b.p_deal:.3f}) moves most with:",
                   "Nothing swung here moves P(deal)."),
        "p_war": (f"P(war) ({b.p_war:.3f}) moves most with:",
                  "Nothing swung here moves P(war)."),
    }  # fmt: skip

    def at_end(h: str, x: float) -> str:
        if h == "zone":
            return f"{int(x):,} packages" if x else "no zone"
        if h == "nash":
            n = int(x)
            return f"{n} issue{'s' if n != 1 else ''} differ{'s' if n == 1 else ''}"
        return f"{x:.3f}"

    console.print("[bold]What the headline figures rest on[/] (each lever swung alone):")
    for h, (lead, nothing) in heads.items():
        if not moves[h]:
            console.print(f"  {nothing}")
            continue
        console.print(f"  {lead}")
        for m in moves[h]:
            lv = m.swing.lever
            ends = _lever_ends(lv)
            lo = "no deal" if h == "nash" and m.swing.lo.deal is None else at_end(h, m.low)
            hi = "no deal" if h == "nash" and m.swing.hi.deal is None else at_end(h, m.high)
            both = lo if not lv.ranged else f"{ends[0]}: {lo}; {ends[1]}: {hi}"  # removal: in name
            console.print(f"    {lv.words}: {both} ({lv.evidence.label()})",
                          soft_wrap=True, markup=False)  # fmt: skip


def _end(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def show_levers(r: LeverList) -> None:
    """Print ``zopa levers``: one table per section; NAME is what ``--set``, ``--grid`` and
    the leverage tables take."""
    c = console
    j = r.to_json()
    sections: dict[str, list[Any]] = {}
    for m in j["levers"]:
        sections.setdefault(m["section"], []).append(m)
    for section, rows in sections.items():
        t = Table(title=f"{section} ({len(rows)})", box=box.SIMPLE, title_justify="left")
        t.add_column("name (for --set, --grid)", overflow="fold", ratio=3)
        t.add_column("what it is", overflow="fold", ratio=3)
        for col in ("base", "low", "high"):
            t.add_column(col, justify="right", no_wrap=True)
        t.add_column("moved by", no_wrap=True)
        t.add_column("evidence", overflow="fold", ratio=2)
        for m in rows:
            by = ", ".join(k for k in ("leverage", "sweep") if m[k])
            t.add_row(escape(m["name"]), escape(m["label"]), _end(m["base"]), _end(m["low"]),
                      _end(m["high"]), by, escape(m["evidence"]))  # fmt: skip
        _out(t)
    swung = sum(m["leverage"] for m in j["levers"])
    c.print(f"{len(j['levers'])} in all: {swung} levers that zopa leverage swings; "
            f"{sum(m['sweep'] for m in j['levers'])} numbers that zopa sweep --grid and "
            "zopa analyze --set can set (low/high: a lever's ends, a number's range or "
            "its field's bounds)")  # fmt: skip


def show_sweep(result: Sweep) -> None:
    """Print ``zopa sweep``: one row per grid cell."""
    out = result.to_json()
    t = Table(title=f"Sweep of {out['scenario']} ({out['draws']:,} draws per cell, seed "
              f"{out['seed']})", box=box.SIMPLE)  # fmt: skip
    for path in out["grid"]:
        t.add_column(path, justify="right")
    for col in ("P(zone)", "P(deal)", "P(war)"):
        t.add_column(col, justify="right")
    for cell in out["cells"]:
        t.add_row(
            *[f"{v:.4g}" for v in cell["setting"].values()],
            f"{cell['p_zone']:.3f}", f"{cell['p_deal']:.3f}", f"{cell['p_war']:.3f}",
        )  # fmt: skip
    _out(t)


def _verdict(v: Any) -> str:
    """Why a decider accepts or rejects a package: the red lines it crosses, the constraint
    floor and the reservation, each with its margin."""
    why = [f"crosses its red line {r}" for r in v["red_lines"]]
    if v["floor"] is not None:
        gap = v["utility"] - v["floor"]
        beats = ", ".join(v["floor_from"])
        side = "clears" if gap >= 0 else "falls short of"
        why.append(f"utility {v['utility']:.4f} {side} the floor of beating {beats} "
                   f"({v['floor']:.4f}) by {abs(gap):.4f}")  # fmt: skip
    gap = v["deal_value"] - v["reservation"]
    side = "beats" if gap >= 0 else "falls short of"
    why.append(f"deal value {side} its reservation by {abs(gap):.4f}")
    head = "[green]accepts[/]" if v["accepts"] else "[bold red]rejects[/]"
    return f"{head}: " + "; ".join(why)


def show_package(scored: PackageScore) -> None:
    """Print ``zopa package``: one package taken apart, and why each decider accepts or
    rejects it."""
    r = scored.to_json()
    c = console
    c.print(", ".join(f"{k}=[bold]{v}[/]" for k, v in r["package"].items()))
    t = Table(box=box.SIMPLE)
    for col in ("decider", "utility", "trust", "kept value", "deal value", "reservation",
                "accepts"):  # fmt: skip
        t.add_column(col, justify="left" if col == "decider" else "right", no_wrap=True)
    for d, v in r["deciders"].items():
        trust = ", ".join(f"{k}: {x:.2f}" for k, x in v["trust"].items()) or "-"
        verdict = "yes" if v["accepts"] else "no"
        t.add_row(d, f"{v['utility']:.4f}", trust, f"{v['kept_value']:.4f}",
                  f"{v['deal_value']:.4f}", f"{v['reservation']:.4f}", verdict)  # fmt: skip
    _out(t)
    for d, v in r["deciders"].items():
        c.print(f"{d} {_verdict(v)}")
    for who, p in r["strike_probability"].items():
        c.print(f"P({who} strikes) = {p:.4f}")


def show_backtest(result: BacktestResult, title: str = "") -> None:
    """Print the backtest table (cross-fit first), the forecast intervals' coverage and the
    summary."""
    from math import isnan

    from rich.console import Console
    from rich.table import Table

    pct = f"{result.level * 100:.0f}"
    ref = result.reference
    candidate = result.candidate.name if result.candidate is not None else ""
    table = Table(title=title or None)
    table.add_column("model")
    table.add_column(f"cross-fit MAE [{pct}% CI]", justify="right")
    table.add_column("n", justify="right")
    table.add_column(f"minus {ref} [CI]", justify="right")
    table.add_column(f"even (test) MAE [{pct}% CI]", justify="right")
    table.add_column("n", justify="right")
    table.add_column(f"even: minus {ref} [CI]", justify="right")
    for r in result.rows:
        mark = "*" if r.kind in ("tuned", "ensemble") else ""
        table.add_row(
            r.name + mark + ("+" if r.name == candidate else ""),
            str(r.crossfit),
            str(r.crossfit.n),
            "" if r.diff_crossfit is None else str(r.diff_crossfit),
            str(r.test),
            str(r.test.n),
            "" if r.diff_test is None else str(r.diff_test),
        )
    console = Console(width=max(Console().width, 150))
    console.print(table)
    note = (
        "* tuned: on the odd half for the even-half columns, on each half for the other in "
        "the cross-fit (the primary figure)."
    )
    console.print(note + ("  + the declared candidate." if candidate else ""), highlight=False)
    iv = result.intervals
    if iv is not None:
        cov = Table(title=f"{iv.level:.0%} forecast intervals of {iv.model} (q10 to q90)")
        for col in ("spread tuned on", "coverage counted on", "spread", "covered",
                    f"coverage [{pct}% CI, proposals]", f"Wilson {pct}%"):  # fmt: skip
            cov.add_column(col, justify="left" if col.endswith(" on") else "right")
        for c in iv.coverage.values():
            cov.add_row(
                c.tuned_on, c.scored_on, "-" if isnan(c.spread) else f"{c.spread:.3f}",
                f"{c.covered}/{c.n}", f"{c.rate:.1%} [{c.low:.1%}, {c.high:.1%}]",
                f"[{c.wilson_low:.1%}, {c.wilson_high:.1%}]",
            )  # fmt: skip
        console.print(cov)
        console.print("every issue's forecast with q10 and q90: --json (forecasts).",
                      highlight=False)  # fmt: skip
    console.print(result.summary(), highlight=False, soft_wrap=True, markup=False)
