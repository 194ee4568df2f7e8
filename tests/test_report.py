"""The HTML report (``zopa.report``): offline, complete, escaped, and drawn in a real browser.

The reference scenario's report is built once for the module from results computed here
through the public API (small Monte Carlo, leverage for Iran, every forecasting model, one
simulated run); the escaping and absent-section tests use the toy scenario.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path

import plotly.offline
import pytest
from browser import SCREENSHOTS, not_blank, page

import zopa
from zopa.report.build import ReportInputs, build, zopa_version
from zopa.scenario.schema import Scenario
from zopa.simulation.run import SimulationRun

TOY = Path(__file__).parent / "data" / "toy.yaml"
SECTIONS = ("scenario", "evidence", "zone", "solutions", "binding", "nodeal", "leverage",
            "montecarlo", "forecasts", "simulation", "rests-on")  # fmt: skip
OPTIONAL = ("evidence", "nodeal", "leverage", "montecarlo", "forecasts", "simulation",
            "rests-on")  # fmt: skip
MADE = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')].map(d => {
    const svg = d.querySelector('.main-svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {id: d.closest('section').id, w: box.width, h: box.height,
            marks: d.querySelectorAll('.cartesianlayer .trace path').length};
})"""  # each figure: its section, its SVG's size, the marks drawn in its plot area


@pytest.fixture(scope="module")
def inputs() -> ReportInputs:
    sc = zopa.reference()
    run = zopa.simulate(sc, seed=0)
    assert isinstance(run, SimulationRun)
    return ReportInputs(
        scenario=sc,
        analysis=zopa.analyze(sc, top=2000),
        sources=zopa.sources(),
        montecarlo=zopa.montecarlo(sc, draws=200, seed=0),
        leverage=zopa.leverage(sc, sc.deciders[1].id),
        forecast=zopa.forecast(sc),
        simulation=run,
    )


@pytest.fixture(scope="module")
def html(inputs: ReportInputs) -> str:
    return build(inputs, made=MADE)


@pytest.fixture(scope="module")
def report_file(html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def _outside_scripts(html: str) -> str:
    """The page without the bodies of its script elements (Plotly's bundle holds URLs in
    strings it never loads: map tiles, attributions)."""
    return re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", html, flags=re.S | re.I)


def test_offline(html: str) -> None:
    markup = _outside_scripts(html)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", markup, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", markup, re.I)
    assert not re.search(r"<link\b", markup, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?\s*(?:https?:)?//", markup, re.I)


def test_plotly_inlined_once(html: str) -> None:
    js = plotly.offline.get_plotlyjs()
    assert html.count(js[:500]) == 1
    assert html.count('class="plotly-graph-div"') == 5  # zone, tornado, MC, forecasts, run


def test_every_section_hash_and_version(inputs: ReportInputs, html: str) -> None:
    for s in SECTIONS:
        assert f'<section id="{s}">' in html, s
    assert inputs.scenario.content_hash in html
    assert f'zopa <span class="version">{zopa_version()}</span>' in html
    assert "2026-02-01 12:00 UTC" in html
    assert "us_iran_2026.yaml" in html
    assert "benchmark" in html and "prediction" in html
    assert "@media print" in html


def test_solutions_matrix_marks_differences(inputs: ReportInputs, html: str) -> None:
    a = inputs.analysis.analysis
    solutions = {k: s for k, s in a.solutions.items() if s is not None}
    nash = solutions["nash"]
    differ = sum(s.package[i] != nash.package[i] for s in solutions.values() for i in nash.package)
    section = html.split('<section id="solutions">')[1].split("</section>")[0]
    assert section.count('class="mark"') == differ
    assert "product of gains" in section and "smallest gain" in section


def _toy(title: str) -> Scenario:
    text = TOY.read_text().replace("title: Toy two-party deal", f"title: {title!r}")
    return zopa.loads(text, "toy.yaml")


def test_escapes_scenario_text() -> None:
    sc = _toy("<script>alert('x')</script> & co")
    page_html = build(ReportInputs(sc, zopa.analyze(sc, top=100)), made=MADE)
    assert "<script>alert" not in page_html
    assert "&lt;script&gt;alert(" in page_html
    assert "&amp; co" in page_html


def test_absent_results_leave_sections_out() -> None:
    sc = _toy("Toy")
    page_html = build(ReportInputs(sc, zopa.analyze(sc, top=100)), made=MADE)
    for s in ("scenario", "zone", "solutions", "binding"):
        assert f'<section id="{s}">' in page_html, s
    for s in OPTIONAL:  # the toy scenario has no no-deal model either
        assert f'id="{s}"' not in page_html, s


def test_in_a_real_browser(report_file: Path) -> None:
    requests: list[str] = []
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with page() as (p, errors):
        p.on("request", lambda r: requests.append(r.url))
        p.goto(report_file.as_uri(), wait_until="load")
        # Plotly draws asynchronously: wait until every figure has marks (on a timeout,
        # the assertions below say which figure is not drawn)
        with contextlib.suppress(PlaywrightTimeout):
            p.wait_for_function(f"() => ({DRAWN})().every(f => f.marks > 0)", timeout=30_000)
        drawn = p.evaluate(DRAWN)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        png = p.screenshot(path=str(SCREENSHOTS / "report.png"))
        zone = p.locator("#zone .plotly-graph-div").first
        zone_png = zone.screenshot(path=str(SCREENSHOTS / "report-zone.png"))
    assert not_blank(zone_png)
    assert errors == []
    assert len(drawn) == 5
    for fig in drawn:
        assert fig["w"] > 0 and fig["h"] > 0 and fig["marks"] > 0, fig
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert not_blank(png)


def test_cli_writes_the_report_once(tmp_path: Path) -> None:
    """``zopa report`` computes the inputs, writes the file atomically, and refuses to
    replace it without --force (exit 2, one line)."""
    import subprocess
    import sys

    out = tmp_path / "r.html"
    args = [sys.executable, "-m", "zopa.cli.main", "report", "tests/data/toy_nodeal.yaml",
            "-o", str(out), "--draws", "50"]  # fmt: skip
    root = Path(__file__).parent.parent
    r = subprocess.run(args, capture_output=True, text=True, cwd=root, timeout=300)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert zopa.load(root / "tests/data/toy_nodeal.yaml").content_hash in text
    r = subprocess.run(args, capture_output=True, text=True, cwd=root, timeout=300)
    assert r.returncode == 2 and "--force" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([*args, "--force"], capture_output=True, text=True, cwd=root,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
