"""The zopa dashboard, a Streamlit script: ``streamlit run dashboard.py -- [FILE]``.

``zopa app`` (:mod:`zopa.app.launch`) runs it. The sidebar holds every lever of the
scenario (:func:`zopa.levers`) as a slider (numbers, utility and weight orders) or a select
(red lines on or off, options kept or removed), one expander per section, each with its
label and its evidence. The main area shows what :func:`zopa.analyze` returns under that
setting: the zone's size, who binds, the bargaining solutions (benchmarks, not
predictions) and the zone figure (:func:`zopa.report.figures.zone_figure`); in compare
mode two settings, A and B, side by side. The editor tab validates the scenario's YAML as
it changes (one line per problem, ``FILE:LINE: field: message``); while the text is valid
the analysis uses it. Each setting's report downloads as HTML (built on demand) and its run
saves to the run store.

Presentation only: every figure comes from a ``zopa.*`` result. The compiled scenario is
cached on its text, and each analysis on the text and the setting, so moving a slider
re-runs one analysis and one figure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

import zopa
from zopa.errors import InputError

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from zopa.analysis.report import Report
    from zopa.scenario.schema import Scenario
    from zopa.studies.levers import Movable

TOP = 1000  # zone packages listed: the zone figure's points (2000: +0.5 s a move)

SIDES = ("A", "B")
RED_LINE = {"on": 1.0, "off": 0.0}
OPTION = {"kept": 1.0, "removed": 0.0}
Setting = tuple[tuple[str, float], ...]  # (lever name, value) for each lever moved off base


def scenario_file() -> tuple[str, str]:
    """The text and the name of the scenario given after ``--`` (streamlit puts it in
    ``sys.argv[1]``, the script in ``sys.argv[0]``); the reference scenario without one."""
    args = sys.argv[1:] if Path(sys.argv[0]).resolve() == Path(__file__).resolve() else []
    if args:
        return Path(args[0]).read_text(encoding="utf-8"), args[0]
    source = zopa.reference().source_text
    assert source is not None  # the reference is read from its file
    return source


@st.cache_resource(max_entries=16, show_spinner=False)
def compiled(text: str, name: str) -> tuple[Scenario | None, list[str]]:
    """The scenario in ``text`` (or None) and its problems, one line each."""
    try:
        return zopa.loads(text, name), []
    except InputError as e:
        return None, [str(p) for p in e.problems]


@st.cache_resource(max_entries=64, show_spinner="Recomputing...")
def analysed(text: str, name: str, setting: Setting) -> tuple[Report, go.Figure]:
    """The analysis of a valid scenario under ``setting`` and its zone figure."""
    from zopa.report.figures import zone_figure

    sc, _ = compiled(text, name)
    assert sc is not None
    report = zopa.analyze(sc, top=TOP, set=dict(setting))
    return report, zone_figure(report)


@st.cache_resource(max_entries=16, show_spinner=False)
def lever_list(text: str, name: str) -> list[Movable]:
    """The levers of a valid scenario (:func:`zopa.levers`)."""
    sc, _ = compiled(text, name)
    assert sc is not None
    return zopa.levers(sc).levers


def editor(text: str, name: str) -> str:
    """The editor tab: the YAML, validated as it changes. Returns the text the analysis
    uses: the edited one while it is valid, else the last valid one."""
    st.caption(f"{name}: edit and press Ctrl+Enter (or click outside) to validate.")
    edited = st.text_area("Scenario (YAML)", value=text, height=600, key="editor")
    _, problems = compiled(edited, name)
    if problems:
        st.error("The scenario has problems; the analysis uses the last valid version.")
        st.code("\n".join(problems), language=None)
    else:
        st.session_state["valid"] = edited
        st.success("Valid." + (" The analysis uses the edited scenario." if edited != text else ""))
    return str(st.session_state.get("valid", text))


def lever_control(lever: Movable, key: str) -> float:
    """One lever's widget (a slider, or a select for a red line or an option) and its value."""
    assert lever.low is not None and lever.high is not None and lever.base is not None
    helps = f"{lever.evidence}\n\n`{lever.name}`"
    if lever.kind in ("red line", "option"):
        choices = RED_LINE if lever.kind == "red line" else OPTION
        index = 0 if lever.base >= 0.5 else 1
        chosen = st.selectbox(lever.label, list(choices), index=index, key=key, help=helps)
        return choices[str(chosen)]
    lo, hi = lever.low, lever.high
    value = st.slider(
        lever.label, lo, hi, lever.base, step=(hi - lo) / 100, format="%.3g", key=key, help=helps
    )
    return float(value)


def lever_panel(levers: list[Movable], side: str) -> Setting:
    """Every lever leverage swings, one expander per section; the levers moved off base."""
    sections: dict[str, list[Movable]] = {}
    for lever in levers:
        if lever.leverage:
            sections.setdefault(lever.section, []).append(lever)
    moved = []
    for section, items in sections.items():
        with st.expander(f"{section} ({len(items)})"):
            for lever in items:
                value = lever_control(lever, f"{side}:{lever.name}")
                if value != lever.base:
                    moved.append((lever.name, value))
    return tuple(sorted(moved))


def sidebar(levers: list[Movable]) -> dict[str, Setting]:
    """The sidebar: the compare switch and the levers of setting A (and of B)."""
    with st.sidebar:
        st.header("Levers")
        compare = st.toggle("Compare two settings", key="compare")
        if not compare:
            return {"A": lever_panel(levers, "A")}
        tabs = st.tabs([f"Setting {side}" for side in SIDES])
        settings = {}
        for side, tab in zip(SIDES, tabs, strict=True):
            with tab:
                settings[side] = lever_panel(levers, side)
        return settings


def zone_metrics(report: Report, base: Report | None) -> None:
    """The zone's size, its share of the space and the frontier's size (with the change
    from ``base``, setting A, in compare mode)."""
    a = report.analysis
    delta = None if base is None else a.zone - base.analysis.zone
    cols = st.columns(3)
    cols[0].metric("Agreement zone (packages)", f"{a.zone:,}", delta=delta)
    cols[1].metric("Share of the space", f"{a.share:.2%}", help=f"of {a.outcomes:,} packages")
    cols[2].metric(
        "Pareto frontier (packages)",
        f"{a.pareto_size:,}" if a.pareto_size is not None else "not computed",
    )


def results(side: str, report: Report, figure: go.Figure, base: Report | None) -> None:
    """One setting's results: the zone (its size and figure), who binds, the solutions."""
    frames = report.to_frames()
    zone_metrics(report, base)
    st.plotly_chart(figure, key=f"zone-{side}")
    st.subheader("Who binds")
    st.dataframe(frames["binds"], hide_index=True, key=f"binds-{side}")
    st.subheader("Bargaining solutions (benchmarks, not predictions)")
    st.dataframe(frames["solutions"], hide_index=True, key=f"solutions-{side}")


def report_html(sc: Scenario, report: Report) -> Callable[[], str]:
    """The HTML report of one analysis, built when the download button is pressed."""

    def build() -> str:
        from zopa.report.build import ReportInputs
        from zopa.report.build import build as build_report

        return build_report(ReportInputs(scenario=sc, analysis=report))

    return build


def actions(side: str, sc: Scenario, report: Report, setting: Setting) -> None:
    """Download this setting's report; save its run to the store (its id shown)."""
    left, right = st.columns(2)
    left.download_button(
        f"Download report ({side})",
        report_html(sc, report),
        file_name=f"{sc.id}-{side}.html",
        mime="text/html",
        key=f"download-{side}",
    )
    if right.button(f"Save run ({side})", key=f"save-{side}"):
        st.session_state[f"saved-{side}"] = (setting, *save(sc, report, setting))
    saved, ok, message = st.session_state.get(f"saved-{side}", (None, True, ""))
    if saved != setting:  # a run saved under another setting is not this one
        return
    if ok:
        right.success(message)
    else:
        right.error(message)


def save(sc: Scenario, report: Report, setting: Setting) -> tuple[bool, str]:
    """Record the analysis and its setting in the run store: whether it was saved, and
    the run's id and the store's path (or why not)."""
    from zopa.io.store import default_path, record

    path = default_path()
    try:
        run = record(path, "analyze", sc, {"top": TOP, "set": dict(setting)}, None, report)
    except InputError as e:
        return False, str(e)
    return True, f"Saved run {run} to {path}"


def analysis(text: str, name: str, settings: dict[str, Setting]) -> None:
    """The analysis tab: each setting's results, side by side in compare mode."""
    sc, _ = compiled(text, name)
    assert sc is not None
    columns = st.columns(len(settings))
    base: Report | None = None
    for (side, setting), column in zip(settings.items(), columns, strict=True):
        with column:
            if len(settings) > 1:
                st.header(f"Setting {side}")
            try:
                report, figure = analysed(text, name, setting)
            except InputError as e:
                st.error(str(e))
                continue
            results(side, report, figure, base)
            actions(side, sc, report, setting)
            base = base or report


def main() -> None:
    """The page: the editor tab is read first, since the analysis uses its text."""
    st.set_page_config(page_title="zopa", layout="wide")
    text, name = scenario_file()
    analysis_tab, editor_tab = st.tabs(["Analysis", "Scenario editor"])
    with editor_tab:
        text = editor(text, name)
    sc, _ = compiled(text, name)
    if sc is None:
        analysis_tab.error("The scenario has problems: see the editor tab.")
        return
    settings = sidebar(lever_list(text, name))
    with analysis_tab:
        st.title(sc.title)
        analysis(text, name, settings)


if __name__ == "__main__":
    main()
