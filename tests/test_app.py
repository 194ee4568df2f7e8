"""The dashboard (``zopa app``): Streamlit's AppTest in process, then a real browser.

AppTest runs :mod:`zopa.app.dashboard` on the reference scenario: it loads without an
exception, moving a lever that the zone rests on changes the zone's size and its figure,
compare mode keeps setting A while B moves, the editor names the file, line and field of a
problem and a valid edit is analysed, a saved run gets an id. The launcher refuses a bad
port, a bad file and a missing Streamlit with one located line. The browser test starts
``zopa.app.launch.run`` in a child process, opens it in Chromium, moves the slider with the
keyboard, sees the zone change and saves ``docs/screenshots/app.png``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import zopa
from zopa.app import dashboard, launch
from zopa.errors import InputError

st_testing = pytest.importorskip("streamlit.testing.v1")

DASHBOARD = launch.DASHBOARD
DATA = Path(__file__).resolve().parent / "data"
LEVER = "preferences.USA.utilities.missiles.defensive_posture"
"""A slider lever the zone rests on: at its high end the zone grows (zopa leverage)."""
TIMEOUT = 120  # seconds an AppTest run may take on a slow, shared machine


def app(*argv: str) -> st_testing.AppTest:
    """The dashboard in AppTest, run once; ``argv`` is what follows ``--``."""
    sys.argv = [str(DASHBOARD), *argv]
    at = st_testing.AppTest.from_file(str(DASHBOARD), default_timeout=TIMEOUT)
    return at.run()


@pytest.fixture(autouse=True)
def _argv(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets pytest's ``sys.argv`` back (the app reads its FILE there)."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))


def zone(at: st_testing.AppTest, k: int = 0) -> str:
    """The k-th zone size shown (setting A, then B)."""
    return [m.value for m in at.metric if m.label.startswith("Agreement zone")][k]


def figures(at: st_testing.AppTest) -> list[str]:
    """The plotly charts' specs (JSON), in page order."""
    return [el.proto.spec for el in at.main.get("plotly_chart")]


def test_loads_the_reference_scenario() -> None:
    at = app()
    assert not at.exception
    analysis = zopa.analyze(zopa.reference())
    assert at.title[0].value == analysis.analysis.title
    assert zone(at) == f"{analysis.analysis.zone:,}"
    assert len(figures(at)) == 1
    names = {lever.name for lever in zopa.levers(zopa.reference()).levers}
    shown = {w.key.split(":", 1)[1] for w in [*at.sidebar.slider, *at.sidebar.selectbox]}
    assert shown <= names and LEVER in shown
    assert len(at.sidebar.expander) >= 3  # one per section


def test_moving_a_slider_changes_the_zone() -> None:
    at = app()
    before, figure = zone(at), figures(at)
    slider = at.slider(key=f"A:{LEVER}")
    slider.set_value(slider.max).run()
    assert not at.exception
    assert zone(at) != before
    assert figures(at) != figure
    expected = zopa.analyze(zopa.reference(), set={LEVER: slider.max}).analysis.zone
    assert zone(at) == f"{expected:,}"


def test_compare_keeps_a_while_b_moves() -> None:
    at = app()
    at.toggle(key="compare").set_value(True).run()
    assert zone(at, 0) == zone(at, 1)
    slider = at.slider(key=f"B:{LEVER}")
    slider.set_value(slider.max).run()
    assert not at.exception
    a, b = zone(at, 0), zone(at, 1)
    assert a == zone(app()) and b != a
    assert len(figures(at)) == 2


def test_editor_names_the_line_and_field_of_a_problem() -> None:
    at = app()
    text, name = zopa.reference().source_text or ("", "")
    at.text_area(key="editor").input(text + "\nbogus_field: 1\n").run()
    assert not at.exception
    problems = at.code[0].value.splitlines()
    line = text.count("\n") + 2
    assert problems[0].startswith(f"{name}:{line}: bogus_field: unknown field")
    assert zone(at) == zone(app())  # the last valid scenario is still analysed


def test_a_valid_edit_is_analysed() -> None:
    at = app()
    text, _ = zopa.reference().source_text or ("", "")
    title = zopa.reference().title
    at.text_area(key="editor").input(text.replace(title, "Edited talks", 1)).run()
    assert not at.exception
    assert at.title[0].value == "Edited talks"
    assert "edited scenario" in at.success[0].value


def test_a_scenario_file_is_analysed() -> None:
    at = app(str(DATA / "toy_nodeal.yaml"))
    assert not at.exception
    assert at.title[0].value == zopa.load(DATA / "toy_nodeal.yaml").title


def test_a_saved_run_gets_an_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zopa.io import store

    monkeypatch.setenv("ZOPA_STORE", str(tmp_path / "runs.duckdb"))
    at = app()
    slider = at.slider(key=f"A:{LEVER}")
    slider.set_value(slider.max).run()
    at.button(key="save-A").click().run()
    assert not at.exception
    saved = store.runs(tmp_path / "runs.duckdb").runs
    assert len(saved) == 1
    assert any(saved[0]["id"] in s.value for s in at.success)
    run = store.get(tmp_path / "runs.duckdb", saved[0]["id"])
    assert run.params == {"top": dashboard.TOP, "set": {LEVER: slider.max}}


def test_the_report_is_built_on_demand() -> None:
    sc = zopa.reference()
    report = zopa.analyze(sc, top=dashboard.TOP)
    html = dashboard.report_html(sc, report)()
    assert html.startswith("<!DOCTYPE html>") and sc.title in html


def test_port_out_of_range_is_refused() -> None:
    for port in (0, 65536):
        with pytest.raises(InputError) as e:
            launch.run(None, port)
        assert e.value.problems[0].file == "--port"


def test_a_taken_port_is_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(InputError) as e:
            launch.run(None, s.getsockname()[1])
    assert e.value.problems[0].file == "--port"
    assert "choose another port" in str(e.value)


def test_missing_streamlit_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install 'zopa\[app\]'"):
        launch.run(None, free_port())


def test_a_bad_file_is_refused_before_starting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("zopa: 1\nbogus: 2\n")
    with pytest.raises(InputError) as e:
        launch.run(bad, free_port())
    assert e.value.problems[0].file == str(bad)


def test_the_command_is_headless_on_localhost() -> None:
    cmd = launch.command(Path("x.yaml"), 8501, "127.0.0.1")
    assert cmd[:5] == [sys.executable, "-m", "streamlit", "run", str(DASHBOARD)]
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[-2:] == ["--", str(Path("x.yaml").resolve())]


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 90) -> None:
    """Wait until Streamlit's health check answers (fail if the server exits first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the app did not answer at {url} within {seconds} s")


def test_in_a_real_browser() -> None:
    from browser import SCREENSHOTS, not_blank, require_browser

    require_browser()
    port = free_port()
    code = f"import sys; from zopa.app.launch import run; sys.exit(run(None, {port}))"
    server = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, server)
        label = next(x.label for x in zopa.levers(zopa.reference()).levers if x.name == LEVER)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        png = browse(url, label, SCREENSHOTS / "app.png")
        assert not_blank(png)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def browse(url: str, label: str, screenshot: Path) -> bytes:
    """Open the app, move the slider labelled ``label`` to its end with the keyboard, see
    the zone's size change; return the screenshot (also written to ``screenshot``)."""
    from browser import page
    from playwright.sync_api import expect

    with page(1400, 1000) as (p, errors):
        p.goto(url)
        p.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').wait_for(timeout=90_000)
        size = p.get_by_test_id("stMetricValue").first
        before = size.inner_text()
        slider = p.get_by_test_id("stSlider").filter(has=p.get_by_text(label, exact=True))
        p.get_by_test_id("stExpander").filter(has=slider).locator("summary").click()
        thumb = slider.get_by_role("slider")
        thumb.focus()
        thumb.press("End")
        expect(size).not_to_have_text(before, timeout=60_000)
        expect(p.locator(".js-plotly-plot")).to_have_count(1, timeout=60_000)  # stale one gone
        thumb.scroll_into_view_if_needed()
        p.wait_for_timeout(1000)  # let the figure draw before the screenshot
        png: bytes = p.screenshot(path=str(screenshot))
        assert not errors, errors
        return png
