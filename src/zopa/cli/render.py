"""Rich tables for the terminal. Presentation only: it reads results, it computes nothing."""

from __future__ import annotations

import sys
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from zopa.analysis.analyze import Analysis, PackageView
from zopa.analysis.nodeal import ModelReport, PackageScore
from zopa.analysis.report import Report
from zopa.forecasting.backtest import BacktestResult
from zopa.scenario.sources import SourcesReport
from zopa.studies.forecasts import ForecastReport
from zopa.studies.leverage import Leverage
from zopa.studies.montecarlo import MonteCarlo
from zopa.studies.sweep import Sweep

console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def _package_text(p: PackageView) -> str:
    return "\n".join(f"{k}: [bold]{v}[/]" for k, v in p.package.items())


def _num(x: float) -> str:
    return f"{x:.3f}"


def show_report(report: Report) -> None:
    """Print ``zopa analyze``: the agreement analysis, then the no-deal model."""
    show_analysis(report.analysis)
    show_model(report.model)


def show_analysis(a: Analysis) -> None:
    """Print the summary of ``zopa analyze``."""
    c = console
    rule = "unanimity" if a.rule == "unanimity" else f"quota: {a.quota} of {len(a.deciders)}"
    c.print(f"[bold]{a.title}[/] ({a.scenario})")
    c.print(
        f"{a.outcomes:,} packages; deciders {', '.join(a.deciders)}; rule {rule}\n"
        f"Agreement zone: [bold]{a.zone:,}[/] packages ({a.share:.4%} of the space); "
        f"acceptable to every decider: {a.unanimous:,}; Pareto frontier: {a.pareto_size:,}"
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
    c.print(t)
    if any(a.solutions.values()):
        t = Table(title="Bargaining solutions (over the unanimous set)", box=box.SIMPLE)
        t.add_column("solution")
        t.add_column("package")
        for d in a.deciders:
            t.add_column(f"{d} {a.measure} (gain)", justify="right")
        t.add_column("value", justify="right")
        for name, s in a.solutions.items():
            if s is None:
                continue
            t.add_row(
                name,
                _package_text(s),
                *[f"{_num(s.utilities[d])} ({s.gains[d]:+.3f})" for d in a.deciders],
                f"{s.value:.4g}",
            )
        c.print(t)
    if a.top:
        t = Table(title=f"Top {len(a.top)} packages of the zone (by Nash product)", box=box.SIMPLE)
        t.add_column("#", justify="right")
        t.add_column("package")
        for d in a.deciders:
            t.add_column(f"{d} {a.measure} (gain)", justify="right")
        for i, p in enumerate(a.top, 1):
            t.add_row(
                str(i),
                ", ".join(f"{k}={v}" for k, v in p.package.items()),
                *[f"{_num(p.utilities[d])} ({p.gains[d]:+.3f})" for d in a.deciders],
            )
        c.print(t)
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
        c.print(t)


def show_sources(report: SourcesReport) -> None:
    """Print ``zopa sources``: each number with its evidence; the quote checks."""
    file, ev, checks = report.file, report.numbers, report.quotes
    c = console
    t = Table(title=f"Numbers in {file}", box=box.SIMPLE, show_lines=False)
    t.add_column("line", justify="right")
    t.add_column("field")
    t.add_column("value", justify="right")
    t.add_column("evidence")
    for e in ev:
        if e.quote:
            what = f"[green]{e.ref}[/]: “{e.quote}”"
        elif e.assumption:
            what = f"[yellow]assumption[/]: {e.assumption}"
        else:
            what = "[bold red]no source, no assumption[/]"
        if e.inherited_from:
            what += f" [dim](from {e.inherited_from})[/]"
        shown = e.value if isinstance(e.value, str) else f"{e.value:g}"
        t.add_row(str(e.line or ""), e.field, shown, what)
    c.print(t)
    n = report.counts()
    bare = [e for e in ev if e.kind == "none"]
    c.print(f"{len(ev)} numbers: {n['source']} sourced, {n['assumption']} assumptions, "
            f"{n['none']} with neither")  # fmt: skip
    for e in bare:
        c.print(f"  {file}:{e.line}: {e.field}: no source and no assumption")
    if checks is not None:
        bad = [q for q in checks if not q.ok]
        c.print(f"{len(checks)} quotes checked: {len(checks) - len(bad)} verbatim, {len(bad)} not")
        for q in bad:
            c.print(f"  {file}:{q.line}: {q.field}: {q.reason}: “{q.quote}”")


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
            cell = f"{f.position[i]:.1f} {f.option[i]}"
            if name in r.spreads:
                s = r.spreads[name].statistics()[k]
                cell += f"\n[dim]90%: {s['p05']:.0f}-{s['p95']:.0f}[/]"
            cells.append(cell)
        if r.nash_deal is not None:
            cells.append(r.nash_deal[k])
        row = cons[k]
        cells.append(f"{row['modal_option']} ({row['models_on_modal']}/{len(r.forecasts)})")
        t.add_row(k, *cells)
    c.print(t)
    rounds = ", ".join(f"{n}: {f.rounds}" for n, f in r.forecasts.items() if f.rounds)
    if rounds:
        c.print(f"rounds run: {rounds}")


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
        c.print(t)
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
        c.print(t)
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
        c.print(t)


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
    c.print(t)
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
        t.add_column(SOLUTION_LABELS.get(name, name))
    for issue in j["likely_deal"]:
        t.add_row(issue, *[
            ", ".join(f"{o} {_share(s)}" for o, s in j["solutions"][n][issue].items()) or "-"
            for n in names
        ])  # fmt: skip
    c.print(t)
    c.print("  (the Nash column is the likely deal; a bargaining solution is a benchmark of")
    c.print("   what each side could claim, not a prediction)")
    drawn = len(j["uncertain_numbers"]), len(j["uncertain_judgements"])
    c.print(f"drawn: {drawn[0]:,} uncertain numbers, {drawn[1]:,} judgements (orders, red lines)")
    ex = j["exact"]
    c.print(
        f"exact in every draw: up to {ex['packages_evaluated']:,} packages (those the red"
        f" lines allow) evaluated; {ex['full_scan_draws']:,} draws by full scan"
    )


def _share(s: float) -> str:
    return "<1%" if 0 < s < 0.005 else f"{s:.0%}"


SOLUTION_LABELS = {
    "nash": "Nash",
    "nash_weighted": "weighted Nash",
    "kalai_smorodinsky": "Kalai-Smorodinsky",
    "utilitarian": "utilitarian",
    "egalitarian": "egalitarian",
}


def show_leverage(r: Leverage, top: int) -> None:
    """Print the tornado of ``zopa leverage``."""
    c = console
    b = r.base
    c.print(
        f"[bold]Leverage for {r.actor}[/] (ranked by {r.metric}); at base: value {b.value:.3f}, "
        f"zone {b.zone:,}, P(deal) {b.p_deal:.3f}"
    )
    t = Table(box=box.SIMPLE)
    t.add_column("#", justify="right")
    t.add_column("lever", overflow="fold", min_width=24)
    t.add_column("range")
    for col in ("value low / high", "zone low / high", "P(deal) low / high", "spread"):
        t.add_column(col, justify="right")
    for i, s in enumerate(r.swings[:top], 1):
        lv = s.lever
        rng = "removed / kept" if lv.kind == "option" else f"{lv.lo:.3g} .. {lv.hi:.3g}"
        t.add_row(
            str(i), lv.name, rng,
            f"{s.lo.value:.3f} / {s.hi.value:.3f}",
            f"{s.lo.zone:,} / {s.hi.zone:,}",
            f"{s.lo.p_deal:.3f} / {s.hi.p_deal:.3f}",
            f"{s.spread(r.metric):.4g}",
        )  # fmt: skip
    c.print(t)


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
    console.print(t)


def show_package(scored: PackageScore) -> None:
    """Print ``zopa package``: one package taken apart."""
    r = scored.to_json()
    c = console
    c.print(", ".join(f"{k}=[bold]{v}[/]" for k, v in r["package"].items()))
    t = Table(box=box.SIMPLE)
    for col in ("decider", "utility", "trust", "kept value", "deal value", "reservation",
                "accepts"):  # fmt: skip
        t.add_column(col, justify="left" if col == "decider" else "right")
    for d, v in r["deciders"].items():
        trust = ", ".join(f"{k}: {x:.2f}" for k, x in v["trust"].items()) or "-"
        verdict = "yes" if v["accepts"] else ("red line" if v["red_line_crossed"] else "no")
        t.add_row(d, f"{v['utility']:.4f}", trust, f"{v['kept_value']:.4f}",
                  f"{v['deal_value']:.4f}", f"{v['reservation']:.4f}", verdict)  # fmt: skip
    c.print(t)
    for who, p in r["strike_probability"].items():
        c.print(f"P({who} strikes) = {p:.4f}")


def show_backtest(result: BacktestResult, title: str = "") -> None:
    """Print the backtest table and its summary."""
    from rich.console import Console
    from rich.table import Table

    pct = f"{result.level * 100:.0f}"
    table = Table(title=title or None)
    table.add_column("model")
    table.add_column(f"all: MAE [{pct}% CI]", justify="right")
    table.add_column("n", justify="right")
    table.add_column("odd (calib)", justify="right")
    table.add_column(f"even (test): MAE [{pct}% CI]", justify="right")
    table.add_column("n", justify="right")
    table.add_column(f"even: minus {result.reference} [CI]", justify="right")
    for r in result.rows:
        table.add_row(
            r.name + ("*" if r.kind in ("tuned", "ensemble") else ""),
            str(r.all),
            str(r.all.n),
            f"{r.calibration.mae:.2f}",
            str(r.test),
            str(r.test.n),
            "" if r.diff_test is None else str(r.diff_test),
        )
    console = Console(width=max(Console().width, 140))
    console.print(table)
    console.print("* calibrated on the odd half.", highlight=False)
    console.print(result.summary(), highlight=False, soft_wrap=True)
