"""Rich tables for the terminal. Presentation only: it reads results, it computes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from zopa.engine.analyze import Analysis, PackageView
from zopa.forecast.report import ForecastReport
from zopa.scenario.sources import Evidence, QuoteCheck

console = Console(highlight=False)


def _package_text(p: PackageView) -> str:
    return "\n".join(f"{k}: [bold]{v}[/]" for k, v in p.package.items())


def _num(x: float) -> str:
    return f"{x:.3f}"


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
            t.add_column(f"{d} utility (gain)", justify="right")
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
            t.add_column(f"{d} utility (gain)", justify="right")
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


def show_sources(file: str, ev: Sequence[Evidence], checks: Sequence[QuoteCheck] | None) -> None:
    """Print ``zopa sources``: each number with its evidence; the quote checks."""
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
    n_src = sum(e.kind == "source" for e in ev)
    n_ass = sum(e.kind == "assumption" for e in ev)
    bare = [e for e in ev if e.kind == "none"]
    c.print(f"{len(ev)} numbers: {n_src} sourced, {n_ass} assumptions, {len(bare)} with neither")
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
                s = r.spreads[name].to_json()["issues"][k]
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
