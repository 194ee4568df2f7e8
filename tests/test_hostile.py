"""The catalog of hostile inputs reported against the command line, one test per case.

Each case runs the real command line in a subprocess (``python -m zopa.cli.main``), as a
user would, and checks the exit status (0 success, 1 a failed check, 2 bad input or
usage, 130 interrupted), that no traceback (nor a caught "internal error") is printed and
that the message names the file (and the line, for a file) and the field. The wording of
the messages is not checked, only that they point at the right place.

Cases are grouped by class; a test id is ``class/case``. ``python tests/test_hostile.py
--table`` runs the catalog outside pytest and prints, per class, the cases tried and the
cases failing (``--verbose``: why).
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
TOY = DATA / "toy.yaml"
NODEAL = DATA / "toy_nodeal.yaml"
FAST = 30  # seconds: every "unbounded" case must be refused well within this


# --------------------------------------------------------------------------------------
# running the command line


def zopa(
    *args: str | Path, timeout: float = FAST, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``zopa ARGS`` in a subprocess (text output; a timeout is a failure)."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "zopa.cli.main", *map(str, args)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"zopa {_short(args)} did not finish within {timeout} s") from None


def _short(args: tuple[str | Path, ...]) -> str:
    s = " ".join(map(str, args))
    return s if len(s) < 200 else s[:200] + "..."


def start(*args: str | Path) -> subprocess.Popen[str]:
    """``zopa ARGS`` started in its own process group (signals go to all of it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "zopa.cli.main", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        start_new_session=True,
    )


def _last(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:300] if lines else ""


def no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr, f"traceback: {_last(r.stderr)}"
    assert "internal error" not in r.stderr, _last(r.stderr)
    assert "MemoryError" not in r.stderr, _last(r.stderr)


def refused(
    r: subprocess.CompletedProcess[str],
    where: str | Path | None = None,
    *fields: str | tuple[str, ...],
    line: bool = True,
    code: int = 2,
) -> list[str]:
    """Exit ``code``, no traceback, and a message naming ``where`` (with a line number when
    ``line``; ``where`` may be an option such as ``--draws``) and each of ``fields`` (a
    tuple: any one of its names)."""
    no_traceback(r)
    assert r.returncode == code, (r.returncode, r.stdout[-300:], r.stderr[-1500:])
    lines = r.stderr.splitlines()
    assert lines, "no message"
    hits = lines
    if where is not None:
        w = re.escape(str(where))
        pattern = rf"{w}:\d+:" if line else rf"{w}\b"
        hits = [x for x in lines if re.search(pattern, x)]
        assert hits, f"no line names {where}{':LINE' if line else ''}: {r.stderr[:1500]}"
    for f in fields:
        names = f if isinstance(f, tuple) else (f,)
        assert any(n in x for x in hits for n in names), f"{f!r} not named: {r.stderr[:1500]}"
    return lines


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    """``text`` with ``old`` replaced (which must be there)."""
    assert old in text, f"fixture changed: {old!r} not found"
    return text.replace(old, new, count)


def write(folder: Path, text: str | bytes, name: str = "case.yaml") -> Path:
    p = folder / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def line_of(path: Path, needle: str) -> int:
    """The line number (1-based) of the first line of ``path`` containing ``needle``."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def strict_json(text: str) -> object:
    def reject(name: str) -> object:
        raise AssertionError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=reject)


# --------------------------------------------------------------------------------------
# the catalog


@dataclass(frozen=True)
class Case:
    cls: str
    name: str
    run: Callable[[Path], None]

    @property
    def id(self) -> str:
        return f"{self.cls}/{self.name}"


CATALOG: list[Case] = []


def case(cls: str, name: str) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    def register(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        CATALOG.append(Case(cls, name, fn))
        return fn

    return register


def cases(cls: str, table: dict[str, Callable[[Path], None]]) -> None:
    for name, fn in table.items():
        CATALOG.append(Case(cls, name, fn))


# ---- 1. exit codes -------------------------------------------------------------------


@case("exit-codes", "sources-verify")
def _sources_verify(tmp: Path) -> None:
    """Quotes checked against texts that do not hold them: exit 1, a failed check."""
    for p in (DATA / "sources").glob("0*.txt"):
        (tmp / p.name).write_text("Nothing that any quote says.\n", encoding="utf-8")
    r = zopa("sources", "--verify", tmp)
    no_traceback(r)
    assert r.returncode == 1, (r.returncode, r.stderr[-500:])


def _interrupt(
    args: list[str | Path], after: float, sig: int = signal.SIGINT, group: bool = True
) -> tuple[subprocess.Popen[str], str, str, float]:
    """Start ``zopa ARGS``, send ``sig`` after ``after`` s; (process, out, err, seconds
    from the signal to the exit). ``group``: to its process group, as Ctrl-C does."""
    p = start(*args)
    try:
        time.sleep(after)
        assert p.poll() is None, f"finished before the signal: {p.returncode}"
        sent = time.monotonic()
        if group:
            os.killpg(p.pid, sig)
        else:
            p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running 15 s after signal {sig}") from None
        return p, out, err, time.monotonic() - sent
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _group_gone(pgid: int, wait: float = 5.0) -> bool:
    """Whether no process of the group is left (workers included) within ``wait`` s."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(pgid, signal.SIGKILL)
    return False


@case("exit-codes", "montecarlo-sigint")
def _montecarlo_sigint(tmp: Path) -> None:
    """Ctrl-C in a long Monte Carlo: 130, one line saying so, nothing on stdout."""
    p, out, err, _ = _interrupt(["montecarlo", "--draws", "2000000"], 1.5)
    assert "Traceback" not in err, err[-1500:]
    assert p.returncode == 130, (p.returncode, err[-500:])
    lines = err.splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0], err[-500:]
    assert out == "", out[:300]


def _big_ktab(folder: Path, actors: int = 2000, dims: int = 12) -> Path:
    """A valid KTAB CSV big enough for its import to take seconds."""
    import random

    rng = random.Random(7)
    head = ",".join(f"Pstn{i},Sal{i}" for i in range(1, dims + 1))
    rows = [f'Big,"a big scenario",{actors},{dims},', f"Actor,Description,Power,{head},"]
    for a in range(actors):
        cells = ",".join(f"{rng.uniform(0, 100):.2f},{rng.uniform(1, 8):.2f}" for _ in range(dims))
        rows.append(f"A{a},actor {a},{rng.uniform(1, 100):.2f},{cells},")
    return write(folder, "\n".join(rows) + "\n", "big.csv")


@case("exit-codes", "import-sigint")
def _import_sigint(tmp: Path) -> None:
    """Ctrl-C during an import: 130 and no output file (nor a temporary one)."""
    src, out = _big_ktab(tmp), tmp / "out" / "imported.yaml"
    out.parent.mkdir()
    for after in (1.0, 2.5):
        p = start("import", "ktab", src, "-o", out)
        time.sleep(after)
        if p.poll() is not None:
            pytest.skip(f"the import finished within {after} s: cannot interrupt it")
        os.killpg(p.pid, signal.SIGINT)
        try:
            _, err = p.communicate(timeout=15)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
        assert "Traceback" not in err, err[-1500:]
        assert p.returncode == 130, (p.returncode, err[-500:])
        assert list(out.parent.iterdir()) == [], list(out.parent.iterdir())


@case("exit-codes", "usage-error")
def _usage_error(tmp: Path) -> None:
    r = zopa("analyze", TOY, "--no-such-option")
    no_traceback(r)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert "--no-such-option" in r.stderr, r.stderr[-500:]


# ---- 2. interrupts with worker processes ---------------------------------------------


def _interrupt_workers(args: list[str | Path], group: bool) -> None:
    p, _, err, took = _interrupt(args, 2.0, group=group)
    assert "Traceback" not in err, err[-1500:]
    assert p.returncode == 130, (p.returncode, err[-500:])
    assert took < 3.0, f"{took:.1f} s from the signal to the exit"
    assert _group_gone(p.pid), "worker processes left running"


_SWEEP = ["sweep", "--grid", "irn_israeli_result=0.3:0.46:9", "--draws", "200000"]

cases(
    "interrupts",
    {
        "montecarlo-workers-ctrl-c": lambda tmp: _interrupt_workers(
            ["montecarlo", "--draws", "2000000", "--workers", "2"], group=True
        ),
        "montecarlo-workers-sigint-parent": lambda tmp: _interrupt_workers(
            ["montecarlo", "--draws", "2000000", "--workers", "2"], group=False
        ),
        "sweep-workers-ctrl-c": lambda tmp: _interrupt_workers(
            [*_SWEEP, "--workers", "2"], group=True
        ),
        "sweep-workers-sigint-parent": lambda tmp: _interrupt_workers(
            [*_SWEEP, "--workers", "2"], group=False
        ),
    },
)


# ---- 3. expressions and numbers out of their domain ----------------------------------


def _refused_at_validate(tmp: Path, text: str, needle: str, *fields: str | tuple[str, ...]) -> None:
    """``validate`` exits 2 naming the file, a line and the fields; ``forecast`` does not
    traceback. ``needle``: text on the line of the hostile value (for a sanity check)."""
    path = write(tmp, text)
    line_of(path, needle)
    refused(zopa("validate", path), path, *fields)
    r = zopa("forecast", path, "--json", timeout=60)
    no_traceback(r)
    assert r.returncode in (0, 2), (r.returncode, r.stderr[-500:])
    if r.returncode == 0:
        strict_json(r.stdout)


def _toy(old: str, new: str) -> str:
    return edit(TOY.read_text(encoding="utf-8"), old, new)


def _nodeal(old: str, new: str, params: str = "") -> str:
    text = edit(NODEAL.read_text(encoding="utf-8"), old, new)
    if params:
        text = edit(text, "actors:\n", f"parameters:\n{params}actors:\n")
    return text


_CUSTODY = "stockpile: {keep: 0.0, custody: 0.7, downgrade: 0.8}"


def _custody(expr: str, params: str = "") -> str:
    new = f'stockpile: {{keep: 0.0, custody: {{expr: "{expr}"}}, downgrade: 0.8}}'
    return _nodeal(_CUSTODY, new, params)


_D = "  d: {uniform: [0.2, 0.4]}\n"

cases(
    "expr-numbers",
    {
        "utility-expr-5": lambda tmp: _refused_at_validate(
            tmp, _toy("mid: 0.6,", 'mid: {expr: "5"},'), "expr", "mid"
        ),
        "negative-probabilities": lambda tmp: _refused_at_validate(
            tmp,
            edit(
                _nodeal("probability: 0.7", "probability: 1.3"),
                "probability: 0.3",
                "probability: -0.3",
            ),
            "-0.3",
            "probability",
        ),
        "expr-probabilities-sum-1.6": lambda tmp: _refused_at_validate(
            tmp,
            edit(
                _nodeal("probability: 0.7", 'probability: {expr: "p"}', "  p: 0.8\n"),
                "probability: 0.3",
                'probability: {expr: "p"}',
            ),
            'expr: "p"',
            ("probability", "no_deal"),
        ),
        "value-outside-own-range": lambda tmp: _refused_at_validate(
            tmp,
            _nodeal("custody: 0.7,", "custody: {value: 0.7, range: [0.1, 0.5]},"),
            "range",
            "custody",
        ),
        "spoiler-scale-0": lambda tmp: _refused_at_validate(
            tmp, _nodeal("scale: 0.1}", "scale: 0}"), "scale", "scale"
        ),
        "negative-weights": lambda tmp: _refused_at_validate(
            tmp,
            _toy("{price: 0.7, delivery: 0.3}", "{price: -0.7, delivery: 0.3}"),
            "-0.7",
            "price",
        ),
        "weights-sum-0": lambda tmp: _refused_at_validate(
            tmp,
            _toy("{price: 0.7, delivery: 0.3}", "{price: 0, delivery: 0}"),
            "price: 0,",
            "weights",
        ),
        "option-at-expr-200": lambda tmp: _refused_at_validate(
            tmp, _toy("{id: mid, at: 50}", '{id: mid, at: {expr: "200"}}'), "200", "at"
        ),
        "negative-capability": lambda tmp: _refused_at_validate(
            tmp, _toy("capability: 0.6", "capability: -0.6"), "-0.6", "capability"
        ),
        "runtime-division-by-zero": lambda tmp: _refused_at_validate(
            tmp, _custody("1/(d - 0.3)", _D), "1/(d", "custody"
        ),
        "runtime-log-0": lambda tmp: _refused_at_validate(
            tmp, _custody("log(0)"), "log(0)", "custody"
        ),
        "runtime-sqrt-negative": lambda tmp: _refused_at_validate(
            tmp, _custody("sqrt(-0.01)"), "sqrt", "custody"
        ),
        "runtime-clip-lo-above-hi": lambda tmp: _refused_at_validate(
            tmp, _custody("clip(0.5, 1, 0)"), "clip", "custody"
        ),
    },
)


# ---- 4. unbounded sizes --------------------------------------------------------------


def _fast_refusal(tmp: Path, text: str | bytes, *fields: str, command: str = "validate") -> None:
    path = write(tmp, text)
    refused(zopa(command, path), path, *fields)


def _deep_list(depth: int) -> str:
    return _toy("title: Toy two-party deal", "title: " + "[" * depth + "]" * depth)


def _many_issues(n: int, options: int) -> str:
    """A scenario of ``n`` issues of ``options`` options each (valid, but a huge space)."""
    opts = ", ".join(f"{{id: o{k}, at: {round(100 * k / (options - 1))}}}" for k in range(options))
    issues = "".join(f"  - {{id: i{j}, name: Issue {j}, options: [{opts}]}}\n" for j in range(n))
    return (
        "zopa: 1\nid: many\ntitle: Many issues\nactors:\n"
        "  - {id: A, name: Alpha, role: party}\n  - {id: B, name: Beta, role: party}\n"
        f"issues:\n{issues}"
        "preferences:\n"
        "  A: {weights: {i0: 1}, ideal: {i0: 0}}\n"
        "  B: {weights: {i0: 1}, ideal: {i0: 100}}\n"
    )


def _huge_space(tmp: Path, n: int, options: int) -> None:
    """``validate`` may accept it (it is a valid file) but must not traceback; ``analyze``
    refuses the space before any work, naming the file."""
    path = write(tmp, _many_issues(n, options))
    r = zopa("validate", path)
    no_traceback(r)
    assert r.returncode in (0, 2), (r.returncode, r.stderr[-500:])
    refused(zopa("analyze", path), path, line=False)


def _dev_zero(tmp: Path) -> None:
    refused(zopa("validate", "/dev/zero", timeout=10), "/dev/zero", line=False)


def _fifo(tmp: Path) -> None:
    path = tmp / "pipe.yaml"
    os.mkfifo(path)
    refused(zopa("validate", path, timeout=10), path, line=False)


def _option(args: list[str | Path], option: str) -> None:
    refused(zopa(*args), option, line=False)


def _ktab_csv(tmp: Path, old: str, new: str) -> None:
    text = edit((DATA / "ktab" / "dummyData_3Dim.csv").read_text(encoding="utf-8"), old, new)
    src = write(tmp, text, "ktab.csv")
    r = zopa("import", "ktab", src, "-o", tmp / "out.yaml")
    refused(r, src)
    assert not (tmp / "out.yaml").exists()


def _genius(tmp: Path, change: Callable[[str], str]) -> None:
    src = tmp / "Laptop"
    src.mkdir()
    for p in (DATA / "anac" / "Laptop").iterdir():
        (src / p.name).write_bytes(p.read_bytes())
    domain = src / "laptop_domain.xml"
    domain.write_text(change(domain.read_text(encoding="utf-8")), encoding="utf-8")
    r = zopa("import", "genius", src, "-o", tmp / "out.yaml")
    refused(r, domain, line=False)
    assert not (tmp / "out.yaml").exists()


def _nested_xml(text: str) -> str:
    return edit(
        text, "<negotiation_template>", "<negotiation_template>" + "<a>" * 2000 + "</a>" * 2000
    )


_LEVER = "no_deal[0].probability"  # a number of the reference scenario with a range, [0.2, 0.55]

cases(
    "unbounded",
    {
        "integer-400-digits": lambda tmp: _fast_refusal(
            tmp, _toy("capability: 0.6", "capability: 1" + "0" * 399), "capability"
        ),
        "integer-4400-digits": lambda tmp: _fast_refusal(
            tmp, _toy("capability: 0.6", "capability: 1" + "0" * 4399), "capability"
        ),
        "list-nested-500": lambda tmp: _fast_refusal(tmp, _deep_list(500)),
        "list-nested-999": lambda tmp: _fast_refusal(tmp, _deep_list(999)),
        "self-referencing-alias": lambda tmp: _fast_refusal(
            tmp, _toy("title: Toy two-party deal", "title: &x [*x]"), "title"
        ),
        "self-referencing-alias-mapping": lambda tmp: _fast_refusal(
            tmp, _toy("title: Toy two-party deal", "title: &x {a: *x}"), "title"
        ),
        "dev-zero": _dev_zero,
        "fifo": _fifo,
        "issues-1100": lambda tmp: _huge_space(tmp, 1100, 2),
        "packages-over-10^4300": lambda tmp: _huge_space(tmp, 4302, 10),
        "option-seed-negative": lambda tmp: _option(
            ["montecarlo", TOY, "--draws", "10", "--seed", "-1"], "--seed"
        ),
        "option-draws-10^9": lambda tmp: _option(
            ["montecarlo", TOY, "--draws", "1000000000"], "--draws"
        ),
        "option-grid-10^10-points": lambda tmp: _option(
            ["sweep", "--grid", f"{_LEVER}=0.3:0.4:10000000000"], "--grid"
        ),
        "option-grid-three-1000-axes": lambda tmp: _option(
            [
                "sweep",
                "--grid",
                f"{_LEVER}=0.3:0.4:1000",
                "--grid",
                "us_margin=0.1:0.2:1000",
                "--grid",
                "commission=0.03:0.08:1000",
            ],
            "--grid",
        ),
        "option-scheduler-bogus": lambda tmp: _option(
            ["sweep", "--grid", f"{_LEVER}=0.3:0.4:2", "--scheduler", "bogus"], "--scheduler"
        ),
        "option-scheduler-unreachable": lambda tmp: _option(
            ["sweep", "--grid", f"{_LEVER}=0.3:0.4:2", "--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler",
        ),
        "option-grid-outside-range": lambda tmp: _option(
            ["sweep", "--grid", f"{_LEVER}=-5:5:3", "--draws", "10"], "--grid"
        ),
        "option-grid-nan": lambda tmp: _option(
            ["sweep", "--grid", f"{_LEVER}=nan:0.4:3", "--draws", "10"], "--grid"
        ),
        "option-salience-sd-inf": lambda tmp: _option(
            ["forecast", TOY, "--salience-sd", "inf"], "--salience-sd"
        ),
        "ktab-10^9-actors": lambda tmp: _ktab_csv(tmp, '",7,3,', '",1000000000,3,'),
        "ktab-10^8-dimensions": lambda tmp: _ktab_csv(tmp, '",7,3,', '",7,100000000,'),
        "ktab-field-over-131072-chars": lambda tmp: _ktab_csv(
            tmp, "Random Spatial Actor", "x" * 140_000
        ),
        "genius-encoding-bogus": lambda tmp: _genius(
            tmp, lambda t: '<?xml version="1.0" encoding="bogus-9"?>\n' + t
        ),
        "genius-2000-nested-elements": lambda tmp: _genius(tmp, _nested_xml),
    },
)


# ---- 5. non-finite numbers -----------------------------------------------------------


def _weights_1e308(tmp: Path) -> None:
    """Weights that overflow when summed: an error, or a warning; not a silent empty zone."""
    path = write(tmp, _toy("{price: 0.7, delivery: 0.3}", _HUGE_WEIGHTS))
    r = zopa("analyze", path)
    no_traceback(r)
    if r.returncode == 2:
        refused(r, path, ("weights", "price", "delivery"))
    else:
        assert r.returncode == 0, (r.returncode, r.stderr[-500:])
        assert "weights" in r.stderr, f"no error nor warning: {r.stdout[:300]}"


_HUGE_WEIGHTS = "{price: 1.0e+308, delivery: 1.0e+308}"  # a YAML 1.1 float (1e308 is a string)


def _forecast_json_huge_weights(tmp: Path) -> None:
    """Refused, or strict JSON: never NaN from weights whose sum overflows."""
    path = write(tmp, _toy("{price: 0.7, delivery: 0.3}", _HUGE_WEIGHTS))
    r = zopa("forecast", path, "--json")
    no_traceback(r)
    if r.returncode == 2:
        refused(r, path, ("weights", "price", "delivery"))
    else:
        assert r.returncode == 0, (r.returncode, r.stderr[-500:])
        strict_json(r.stdout)


def _forecast_json(path: Path | None, *more: str) -> Callable[[Path], None]:
    def run(tmp: Path) -> None:
        r = zopa("forecast", *([path] if path else []), "--json", *more, timeout=120)
        no_traceback(r)
        assert r.returncode == 0, (r.returncode, r.stderr[-500:])
        strict_json(r.stdout)

    return run


cases(
    "non-finite",
    {
        "weights-1e308": _weights_1e308,
        "forecast-json-reference": _forecast_json(None),
        "forecast-json-toy": _forecast_json(TOY),
        "forecast-json-toy-nodeal": _forecast_json(NODEAL),
        "forecast-json-toy-nodeal-draws": _forecast_json(NODEAL, "--draws", "50"),
        "forecast-json-weights-1e308": _forecast_json_huge_weights,
    },
)


# ---- 6. messages ---------------------------------------------------------------------


def _wrong_level(tmp: Path) -> None:
    path = write(tmp, _toy("    capability: 0.6", "    capability: 0.6\n    weights: {price: 1}"))
    r = zopa("validate", path)
    refused(r, path, "weights")
    assert not re.search(r"did you mean\W+weights\b", r.stderr, re.I), r.stderr


def _deu_bom(tmp: Path) -> None:
    path = write(tmp, b"\xef\xbb\xbf" + (DATA / "deu3" / "deu3.csv").read_bytes(), "deu3.csv")
    r = zopa("backtest", "deu", path, "--boot", "100", "--json", timeout=300)
    no_traceback(r)
    if r.returncode == 2:
        assert str(path) in r.stderr, r.stderr[-500:]
        assert not re.search(r"column|missing|header", r.stderr, re.I), r.stderr[-500:]
    else:
        assert r.returncode == 0, (r.returncode, r.stderr[-500:])
        strict_json(r.stdout)


def _one_cause_many_items(tmp: Path) -> None:
    """5,000 red lines on an unknown issue, on one line: a screenful, and a count."""
    items = ", ".join(["{issue: nowhere, not: [low]}"] * 5000)
    path = write(tmp, _toy("    red_lines:\n      - {issue: price, not: [low]}",
                           f"    red_lines: [{items}]"))  # fmt: skip
    lines = refused(zopa("validate", path), path, "red_lines")
    assert len(lines) <= 60, f"{len(lines)} lines"
    counts = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", "\n".join(lines[-3:]))]
    assert any(n >= 4900 for n in counts), f"the rest is not counted: {lines[-3:]}"


def _long_key(tmp: Path) -> None:
    path = write(tmp, _toy("title: Toy two-party deal\n", "title: Toy\n" + "k" * 100_000 + ": 1\n"))
    lines = refused(zopa("validate", path), path)
    assert max(map(len, lines)) < 500, f"a line of {max(map(len, lines))} chars"


def _control_char(tmp: Path) -> None:
    path = write(tmp, _toy("title: Toy two-party deal", "title: Toy \x07 deal"))
    lines = refused(zopa("validate", path), path)
    assert "<unicode string>" not in "\n".join(lines), lines


def _tag(text: str) -> Callable[[Path], None]:
    def run(tmp: Path) -> None:
        path = write(tmp, _toy("title: Toy two-party deal", f"title: {text}"))
        lines = refused(zopa("validate", path), path)
        assert "<unicode string>" not in "\n".join(lines), lines

    return run


_READ_DECIDE = """
import sys, zopa
from zopa.errors import InputError
try:
    zopa.read("decide", sys.argv[1])
except InputError as e:
    sys.stderr.write(str(e) + "\\n")
    sys.exit(2)
"""


def _decide_empty(tmp: Path) -> None:
    path = write(tmp, "", "empty.csv")
    r = subprocess.run(
        [sys.executable, "-c", _READ_DECIDE, str(path)],
        capture_output=True,
        text=True,
        timeout=FAST,
    )
    refused(r, path, line=False)


def _dedented_red_lines(tmp: Path) -> None:
    """``red_lines`` dedented to a key of ``preferences``: not taken for an actor id."""
    text = _toy("    red_lines:\n      - {issue: price, not: [low]}",
                "  red_lines:\n      - {issue: price, not: [low]}")  # fmt: skip
    path = write(tmp, text)
    lines = refused(zopa("validate", path), path, "red_lines")
    said = " ".join(x for x in lines if "red_lines" in x)
    hint = r"actor|misplac|indent|belongs|not an id|field|level"
    assert re.search(hint, said, re.I), f"not said to be misplaced: {said[:300]}"


cases(
    "messages",
    {
        "wrong-level-no-same-name-hint": _wrong_level,
        "deu-utf8-bom": _deu_bom,
        "one-cause-5000-items": _one_cause_many_items,
        "key-100kb-not-echoed": _long_key,
        "control-character-line": _control_char,
        "tag-python-object": _tag("!!python/object:builtins.dict {a: 1}"),
        "tag-local-mapping": _tag("!foo {a: 1}"),
        "tag-local-sequence": _tag("!foo [1, 2]"),
        "decide-empty-file": _decide_empty,
        "dedented-red-lines": _dedented_red_lines,
    },
)


# ---- 7. writing files ----------------------------------------------------------------


def _laptop(tmp: Path) -> Path:
    src = tmp / "Laptop"
    src.mkdir()
    for p in (DATA / "anac" / "Laptop").iterdir():
        (src / p.name).write_bytes(p.read_bytes())
    return src


def _exists_refused(tmp: Path) -> None:
    out = write(tmp, "keep me\n", "out.yaml")
    refused(zopa("import", "genius", _laptop(tmp), "-o", out), out, line=False)
    assert out.read_text() == "keep me\n"


def _exists_force(tmp: Path) -> None:
    out = write(tmp, "replace me\n", "out.yaml")
    r = zopa("import", "genius", _laptop(tmp), "-o", out, "--force")
    no_traceback(r)
    assert r.returncode == 0, (r.returncode, r.stderr[-500:])
    assert zopa("validate", out).returncode == 0


def _output_is_input(tmp: Path) -> None:
    src = write(tmp, (DATA / "ktab" / "dummyData_3Dim.csv").read_bytes(), "in.csv")
    before = src.read_bytes()
    for force in ([], ["--force"]):
        refused(zopa("import", "ktab", src, "-o", src, *force), src, line=False)
        assert src.read_bytes() == before


def _output_in_input_folder(tmp: Path) -> None:
    src = _laptop(tmp)
    target = src / "laptop_domain.xml"
    before = target.read_bytes()
    refused(zopa("import", "genius", src, "-o", target, "--force"), target, line=False)
    assert target.read_bytes() == before


def _read_only(tmp: Path) -> None:
    out = write(tmp, "read only\n", "out.yaml")
    out.chmod(0o444)
    refused(zopa("import", "genius", _laptop(tmp), "-o", out, "--force"), out, line=False)
    assert out.read_text() == "read only\n"


def _keeps_mode(tmp: Path) -> None:
    out = write(tmp, "private\n", "out.yaml")
    out.chmod(0o600)
    r = zopa("import", "genius", _laptop(tmp), "-o", out, "--force")
    no_traceback(r)
    assert r.returncode == 0, (r.returncode, r.stderr[-500:])
    assert stat.S_IMODE(out.stat().st_mode) == 0o600, oct(out.stat().st_mode)


def _sigterm_no_tmp(tmp: Path) -> None:
    """SIGTERM at several moments of a long import: never a leftover temporary file."""
    src = _big_ktab(tmp)
    folder = tmp / "out"
    folder.mkdir()
    out = folder / "imported.yaml"
    for after in (0.8, 2.5):
        if out.exists():
            out.unlink()
        p = start("import", "ktab", src, "-o", out)
        time.sleep(after)
        _sigterm_and_wait(p)
        left = [x.name for x in folder.iterdir() if x != out]
        assert not left, f"left in the output folder after SIGTERM at {after} s: {left}"


def _sigterm_and_wait(p: subprocess.Popen[str]) -> str:
    """SIGTERM ``p`` (if still running), wait for it, and return its standard error,
    checked for a traceback."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=15)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert "Traceback" not in err, err[-1500:]
    return err


def _sigterm_after_write(tmp: Path) -> None:
    """SIGTERM the moment the output appears: the exit status tells the truth (0, or a
    failure with no output file), a few times over."""
    src = _big_ktab(tmp)
    out = tmp / "imported.yaml"
    for _ in range(2):
        if out.exists():
            out.unlink()
        p = start("import", "ktab", src, "-o", out)
        end = time.monotonic() + 60
        while not out.exists() and p.poll() is None and time.monotonic() < end:
            time.sleep(0.002)
        err = _sigterm_and_wait(p)
        assert p.returncode == 0 or not out.exists(), (
            f"exit {p.returncode} ({_last(err)}) but {out.name} was written"
        )


cases(
    "writes",
    {
        "output-exists-refused": _exists_refused,
        "output-exists-force": _exists_force,
        "output-is-input": _output_is_input,
        "output-in-input-folder": _output_in_input_folder,
        "read-only-target-force": _read_only,
        "mode-0600-kept": _keeps_mode,
        "sigterm-no-temporary-file": _sigterm_no_tmp,
        "sigterm-after-write-exit-status-true": _sigterm_after_write,
    },
)


# --------------------------------------------------------------------------------------
# pytest, and the table


@pytest.mark.parametrize("hostile", CATALOG, ids=[c.id for c in CATALOG])
def test_hostile(hostile: Case, tmp_path: Path) -> None:
    hostile.run(tmp_path)


def run_catalog(verbose: bool = False, only: str | None = None) -> int:
    """Run every case outside pytest; print the table; the number of failing cases."""
    rows: dict[str, list[int]] = {}
    failing: list[tuple[str, str]] = []
    for c in CATALOG:
        if only and not c.id.startswith(only):
            continue
        row = rows.setdefault(c.cls, [0, 0, 0])
        row[0] += 1
        t = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="zopa-hostile-") as tmp:
            try:
                c.run(Path(tmp))
                status = "ok"
            except pytest.skip.Exception as e:
                row[2] += 1
                status = f"skipped: {e}"
            except Exception as e:
                row[1] += 1
                why = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
                if not isinstance(e, AssertionError):
                    why = f"{type(e).__name__}: {why} " + traceback.format_exc(limit=-1)[-200:]
                failing.append((c.id, why))
                status = "FAIL"
        if verbose:
            print(f"  {c.id:<56} {status[:90]} ({time.monotonic() - t:.1f} s)", flush=True)
    print(f"{'class':<14}{'cases':>7}{'failures':>10}{'skipped':>9}")
    for cls, (n, f, s) in rows.items():
        print(f"{cls:<14}{n:>7}{f:>10}{s:>9}")
    total = [sum(r[k] for r in rows.values()) for k in range(3)]
    print(f"{'all':<14}{total[0]:>7}{total[1]:>10}{total[2]:>9}")
    for cid, why in failing:
        print(f"FAIL {cid}: {why}")
    return total[1]


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Run the hostile catalog and print its table.")
    ap.add_argument("--table", action="store_true", help="run every case, print the table")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--only", help="run the cases whose id starts with this")
    args = ap.parse_args()
    sys.exit(1 if run_catalog(args.verbose, args.only) else 0)
