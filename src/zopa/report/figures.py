"""Plotly figures of result objects: one plain function per figure, computing nothing.

Each function reads a result (:class:`~zopa.analysis.report.Report`,
:class:`~zopa.studies.leverage.Leverage`, :class:`~zopa.studies.montecarlo.MonteCarlo`,
:class:`~zopa.studies.forecasts.ForecastReport`, :class:`~zopa.simulation.run.SimulationRun`)
and returns a :class:`plotly.graph_objects.Figure`. The report and the dashboard share them.
A bargaining solution is drawn as a benchmark, never as a prediction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from zopa.analysis.analyze import Analysis, PackageView
from zopa.analysis.report import Report
from zopa.analysis.solutions import NAMES
from zopa.results import POSITION, rounded
from zopa.simulation.run import SimulationRun
from zopa.studies.forecasts import ForecastReport
from zopa.studies.leverage import Leverage
from zopa.studies.montecarlo import MonteCarlo

DIGITS = 6  # decimals of the plotted values (the figure's data, not the results)
MAX_POINTS = 2000  # zone packages drawn at most (each carries its options as hover text)
ZONE_COLOUR = "rgba(120, 144, 156, 0.45)"
FRONTIER_COLOUR = "#1f77b4"
SOLUTION_COLOUR = "#d62728"
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 30, "t": 60, "b": 50}}


def _scatter(
    views: Sequence[PackageView], axes: tuple[str, str], name: str, **style: object
) -> go.Scatter:
    """Packages on two deciders' measure; the options ride in ``customdata`` (the issue
    names once, in the hover template, keep a large zone small)."""
    x, y = axes
    issues = list(views[0].package) if views else []
    options = "".join(f"{issue}: %{{customdata[{k}]}}<br>" for k, issue in enumerate(issues))
    return go.Scatter(
        x=[rounded(v.utilities[x], DIGITS) for v in views],
        y=[rounded(v.utilities[y], DIGITS) for v in views],
        customdata=[list(v.package.values()) for v in views],
        name=name,
        hovertemplate=f"{options}{x}: %{{x:.3f}}<br>{y}: %{{y:.3f}}<extra></extra>",
        **style,
    )


def _solution_groups(analysis: Analysis) -> list[tuple[str, PackageView]]:
    """The solutions found, those on one package joined in one label (``Nash, utilitarian``)."""
    groups: dict[int, tuple[list[str], PackageView]] = {}
    for key, sol in analysis.solutions.items():
        if sol is not None:
            groups.setdefault(sol.index, ([], sol))[0].append(NAMES.get(key, key))
    return [(", ".join(names), view) for names, view in groups.values()]


def _solutions_trace(analysis: Analysis, axes: tuple[str, str]) -> go.Scatter:
    groups = _solution_groups(analysis)
    trace = _scatter(
        [v for _, v in groups],
        axes,
        "bargaining solutions (benchmarks)",
        mode="markers+text",
        marker={"symbol": "star", "size": 14, "color": SOLUTION_COLOUR},
        textposition="top center",
    )
    trace.update(
        text=[name for name, _ in groups],
        hovertemplate="<b>%{text}</b><br>" + trace.hovertemplate,
    )
    return trace


def default_axes(analysis: Analysis) -> tuple[str, str]:
    """The zone figure's axes when none are given: the first two deciders.

    Parameters
    ----------
    analysis
        An agreement analysis with at least two deciders.

    Returns
    -------
    tuple of str
        The ids of its first two deciders (a ValueError with fewer).
    """
    if len(analysis.deciders) < 2:
        raise ValueError("the zone figure needs two deciders")
    return analysis.deciders[0], analysis.deciders[1]


def zone_figure(report: Report, axes: tuple[str, str] | None = None) -> go.Figure:
    """The agreement zone on two deciders' measure: packages, frontier, solutions, reservations.

    Parameters
    ----------
    report
        An analysis (:func:`zopa.analyze`); its ``top`` packages are the zone's points, so
        pass one computed with a large ``top`` (``zopa.analyze(sc, top=2000)``). At most
        :data:`MAX_POINTS` are drawn.
    axes
        The two deciders on x and y; default: the first two.

    Returns
    -------
    plotly.graph_objects.Figure
        A scatter of the zone's packages on the analysis's ``measure`` (utility or deal
        value), the Pareto frontier joined and highlighted, every bargaining solution
        marked and named (benchmarks, not predictions), and the two deciders' reservations
        as dashed lines. Hovering a package shows its options.
    """
    a = report.analysis
    axes = axes or default_axes(a)
    frontier = sorted(a.pareto, key=lambda v: v.utilities[axes[0]])
    shown = a.top[:MAX_POINTS]
    zone = f"zone packages (best {len(shown):,} of {a.zone:,} by Nash product)"
    fig = go.Figure(
        [
            _scatter(shown, axes, zone,
                     mode="markers", marker={"size": 5, "color": ZONE_COLOUR}),
            _scatter(frontier, axes, f"Pareto frontier ({len(frontier):,} of {a.pareto_size or 0:,})",  # noqa: E501
                     mode="lines+markers",
                     marker={"size": 7, "color": FRONTIER_COLOUR},
                     line={"color": FRONTIER_COLOUR, "width": 2}),
            _solutions_trace(a, axes),
        ]
    )  # fmt: skip
    reservation = {b.decider: b.reservation for b in a.binding}
    fig.add_vline(
        x=reservation[axes[0]],
        line_dash="dash",
        line_color="grey",
        annotation_text=f"{axes[0]} reservation",
        annotation_position="top left",
    )
    fig.add_hline(
        y=reservation[axes[1]],
        line_dash="dash",
        line_color="grey",
        annotation_text=f"{axes[1]} reservation",
        annotation_position="bottom right",
    )
    fig.update_layout(
        title=f"Agreement zone: {a.measure} of {axes[0]} and {axes[1]}",
        xaxis_title=f"{axes[0]} {a.measure}",
        yaxis_title=f"{axes[1]} {a.measure}",
        legend={"orientation": "h", "y": -0.15},
        **LAYOUT,
    )  # fmt: skip
    return fig


def zone_parallel(report: Report) -> go.Figure:
    """Parallel coordinates over every decider's measure, one line per frontier package.

    Parameters
    ----------
    report
        An analysis (:func:`zopa.analyze`) with any number of deciders.

    Returns
    -------
    plotly.graph_objects.Figure
        One axis per decider (its ``measure``); the frontier packages listed in grey-blue
        and the bargaining solutions (benchmarks) in red.
    """
    a = report.analysis
    groups = _solution_groups(a)
    views = [*a.pareto, *(v for _, v in groups)]
    marked = [0] * len(a.pareto) + [1] * len(groups)
    reservation = {b.decider: b.reservation for b in a.binding}
    dims = [
        {"label": f"{d} (reservation {reservation[d]:.3f})",
         "values": [v.utilities[d] for v in views]}
        for d in a.deciders
    ]  # fmt: skip
    fig = go.Figure(
        go.Parcoords(
            dimensions=dims,
            line={"color": marked, "colorscale": [[0, FRONTIER_COLOUR], [1, SOLUTION_COLOUR]],
                  "cmin": 0, "cmax": 1},
        )
    )  # fmt: skip
    names = "; ".join(name for name, _ in groups) or "none"
    fig.update_layout(
        title=f"Pareto frontier: {a.measure} of every decider<br>"
        f"<sup>red: the bargaining solutions (benchmarks): {names}</sup>",
        **LAYOUT,
    )
    fig.update_layout(margin_t=130, margin_r=90)  # room for the axis labels
    return fig


TORNADO_LEVERS = 15  # levers drawn in the tornado (the largest spreads)
METRIC_NAMES = {"value": "value of the assumed deal", "zone": "zone size",
                "p_deal": "P(deal)", "p_war": "P(war)"}  # fmt: skip


def leverage_tornado(lev: Leverage, top: int = TORNADO_LEVERS) -> go.Figure:
    """The leverage tornado: the ``top`` levers' two ends on the ranking metric.

    Parameters
    ----------
    lev
        A leverage study (:func:`zopa.leverage`); its swings come ranked by spread.
    top
        How many levers to draw, largest spread first.

    Returns
    -------
    plotly.graph_objects.Figure
        One row per lever: a bar from the base value to the metric at the lever's low end
        and one to its high end; the base as a vertical line.
    """
    metric = lev.metric
    base = lev.base.metric(metric)
    swings = lev.swings[:top][::-1]  # largest at the top
    labels = [s.lever.words for s in swings]
    fig = go.Figure()
    for end, colour in (("low", "#9467bd"), ("high", "#2ca02c")):
        ends = [(s.lo if end == "low" else s.hi).metric(metric) for s in swings]
        fig.add_bar(
            y=labels,
            x=[x - base for x in ends],
            base=base,
            orientation="h",
            name=f"lever at its {end} end",
            marker_color=colour,
            customdata=ends,
            hovertemplate=f"%{{y}}<br>{end} end: %{{customdata:.4g}}<extra></extra>",
        )
    fig.add_vline(x=base, line_color="black", annotation_text=f"base {base:.4g}")
    fig.update_layout(
        title=f"Leverage for {lev.actor}: {METRIC_NAMES.get(metric, metric)} at each lever's ends",
        barmode="overlay",
        xaxis_title=METRIC_NAMES.get(metric, metric),
        yaxis={"automargin": True},
        height=max(400, 28 * len(swings) + 160),
        legend={"orientation": "h", "y": -0.12},
        **LAYOUT,
    )
    return fig


MAX_DRAWS_SHOWN = 10_000  # Monte Carlo draws plotted at most (the first ones)


def montecarlo_figure(mc: MonteCarlo) -> go.Figure:
    """The Monte Carlo distributions: the zone's size, P(deal), P(war) and every actor's value.

    Parameters
    ----------
    mc
        A Monte Carlo study (:func:`zopa.montecarlo`); at most :data:`MAX_DRAWS_SHOWN` of
        its draws (the first) are drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        Histograms of the zone's size, P(deal) and P(war) per draw, and a box per actor of
        its value over the draws.
    """
    n = min(mc.draws, MAX_DRAWS_SHOWN)
    fig = make_subplots(
        rows=2, cols=2, vertical_spacing=0.16,
        subplot_titles=("agreement zone size (packages)", "P(deal) per draw",
                        "P(war) per draw", "value per actor"),
    )  # fmt: skip
    for data, row, col in ((mc.size, 1, 1), (mc.p_deal_draw, 1, 2), (mc.p_war_draw, 2, 1)):
        fig.add_histogram(x=data[:n].tolist(), row=row, col=col, showlegend=False,
                          marker_color=FRONTIER_COLOUR)  # fmt: skip
    for a, actor in enumerate(mc.actors):
        values = mc.value[a][:n]
        fig.add_box(y=values[np.isfinite(values)].tolist(), name=actor, row=2, col=2,
                    showlegend=False, marker_color=ZONE_COLOUR.replace("0.45", "1"))  # fmt: skip
    shown = f"{n:,} of {mc.draws:,} draws" if n < mc.draws else f"{mc.draws:,} draws"
    fig.update_layout(title=f"Monte Carlo: {shown}, seed {mc.seed}", height=700, **LAYOUT)
    return fig


def forecast_figure(fr: ForecastReport) -> go.Figure:
    """Forecasts by model: each model's position on every issue, beside the Nash deal.

    Parameters
    ----------
    fr
        Forecasts (:func:`zopa.forecast`).

    Returns
    -------
    plotly.graph_objects.Figure
        One row per issue on its 0..100 scale: a marker per model (hover: the nearest
        option) and the agreement analysis's Nash deal (a benchmark) as a diamond.
    """
    issues = list(fr.issues)
    fig = go.Figure()
    for name, f in fr.forecasts.items():
        fig.add_scatter(
            x=[rounded(float(p), POSITION) for p in f.position],
            y=issues,
            mode="markers",
            name=name,
            marker={"size": 11, "opacity": 0.8},
            customdata=list(f.option),
            hovertemplate=f"{name}<br>%{{y}}: %{{x:.1f}} (%{{customdata}})<extra></extra>",
        )
    if fr.nash_at is not None and fr.nash_deal is not None:
        fig.add_scatter(
            x=[fr.nash_at[k] for k in issues],
            y=issues,
            mode="markers",
            name="Nash deal (benchmark)",
            marker={"symbol": "diamond-open", "size": 16, "color": "black",
                    "line": {"width": 2}},
            customdata=[fr.nash_deal[k] for k in issues],
            hovertemplate="Nash deal<br>%{y}: %{x:.1f} (%{customdata})<extra></extra>",
        )  # fmt: skip
    fig.update_layout(
        title="Forecasts by model, issue by issue",
        xaxis={"title": "position on the issue's scale (0..100)", "range": [-3, 103]},
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(400, 36 * len(issues) + 180),
        legend={"orientation": "h", "y": -0.12},
        **LAYOUT,
    )
    return fig


def _event_text(row: dict[str, Any], issues: list[str]) -> str:
    """An event's hover text: round, actor, action, and the package on the table."""
    offer = row.get("offer") or {}
    lines = [f"round {row['round']}: {row.get('actor')} {row['action']}"]
    lines += [f"{k}: {offer[k]}" for k in issues if k in offer]
    return "<br>".join(lines)


def simulation_figure(run: SimulationRun) -> go.Figure:
    """The simulation timeline of one run: each decider's value of the offer on the table.

    Parameters
    ----------
    run
        One simulated run (:func:`zopa.simulate` without ``runs``).

    Returns
    -------
    plotly.graph_objects.Figure
        Round by round, each decider's value of every offer, mediator's text or accepted
        offer (hover: the package); shocks as dotted vertical lines, the end as a solid one.
    """
    events = [r for r in run.trace if r.get("utilities")]
    issues = list(next((r["offer"] for r in events if r.get("offer")), {}))
    text = [_event_text(r, issues) for r in events]
    fig = go.Figure()
    for decider in run.strategies:
        fig.add_scatter(
            x=[r["round"] for r in events],
            y=[r["utilities"].get(decider) for r in events],
            mode="lines+markers",
            name=f"{decider} ({run.strategies[decider]})",
            text=text,
            hovertemplate=f"%{{text}}<br>{decider}: %{{y:.3f}}<extra></extra>",
        )
    for shock in run.shocks:
        fig.add_vline(x=shock["round"], line_dash="dot", line_color=SOLUTION_COLOUR,
                      annotation_text=f"{shock['kind']} ({shock['actor']})")  # fmt: skip
    last = max((r["round"] for r in run.trace), default=0)
    fig.add_vline(x=last, line_color="black", annotation_text=f"end: {run.end}",
                  annotation_position="bottom left")  # fmt: skip
    fig.update_layout(
        title=f"Simulated talks ({run.protocol}, seed {run.seed}): one history, a benchmark",
        xaxis_title="round",
        yaxis_title="value of the package on the table",
        legend={"orientation": "h", "y": -0.15},
        **LAYOUT,
    )
    return fig
