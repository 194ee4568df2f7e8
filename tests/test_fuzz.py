"""The command line under a seeded fuzzer: thousands of hostile inputs, none mishandled.

Each case mutates the reference scenario, a toy scenario or an importer's fixture (see
``tests/fuzzing.py``) and runs a command in this process. Every case must end with exit
status 0, 1 or 2, no traceback, no timeout; a refusal (2) prints at most a screenful of
lines, each naming the file (or option) first; ``--json`` prints strict JSON; what
``validate`` accepts ``analyze`` handles; what ``import`` writes ``validate`` accepts.
The same seed gives the same cases: a failure is reproduced with
``python tests/fuzzing.py --seed 20260 --case N``. ``make fuzz`` runs 100,000 cases.
"""

from __future__ import annotations

import time

import fuzzing
import pytest

SEED = 20260
CASES = 2000
LIMIT = 10.0  # seconds per command
WORKERS = 2  # processes, each running its own range of the cases


def test_fuzz_the_command_line() -> None:
    start = time.monotonic()
    summary = fuzzing.fuzz_parallel(CASES, SEED, WORKERS, limit=LIMIT)
    took = time.monotonic() - start
    assert summary.failures == 0, f"\n{summary.table(SEED)}\n({took:.0f} s)"
    assert summary.total == CASES
    assert summary.cases["reference"] > 0 and len(summary.cases) >= 6


def test_the_same_seed_makes_the_same_cases() -> None:
    table = fuzzing.inputs()
    for i in (0, 1, 17, 555):
        a, b = fuzzing.make_case(SEED, i, table), fuzzing.make_case(SEED, i, table)
        assert (a.files, a.argv, a.mutations) == (b.files, b.argv, b.mutations)
    kinds = {fuzzing.make_case(SEED, i, table).kind for i in range(300)}
    assert {"toy", "toy_nodeal", "reference", "ktab-csv", "genius", "deliberation"} <= kinds


def _outcome(argv: list[str], code: int, out: str = "", err: str = "") -> fuzzing.Outcome:
    return fuzzing.Outcome(argv, code, out, err, None, 0.0)


def test_the_checks_catch_each_failure_class() -> None:
    """The fuzzer is not vacuous: every kind of mishandling is classified."""
    where = ["/tmp/s.yaml"]

    def classes(o: fuzzing.Outcome) -> list[str]:
        return [c for c, _ in fuzzing.problems(o, where)]

    assert classes(_outcome(["validate"], 0)) == []
    assert classes(_outcome(["validate"], 2, err="/tmp/s.yaml:3: id: bad\n")) == []
    counted = "/tmp/s.yaml:3: id: bad\n... and 7 more problems\n"
    assert classes(_outcome(["validate"], 2, err=counted)) == []
    assert classes(_outcome(["montecarlo"], 2, err="--draws: must be > 0\n")) == []
    assert classes(_outcome(["validate"], 2, err="bad id\n")) == ["unlocated message"]
    assert classes(_outcome(["validate"], 2)) == ["unlocated message"]
    many = "/tmp/s.yaml:3: x: bad\n" * 61
    assert classes(_outcome(["validate"], 2, err=many)) == ["too many lines"]
    wide = "/tmp/s.yaml:3: " + "k" * 600 + "\n"
    assert classes(_outcome(["validate"], 2, err=wide)) == ["overlong line"]
    assert classes(_outcome(["validate"], 3)) == ["bad exit code"]
    tb = "Traceback (most recent call last):\n  File x\nKeyError: 'a'\n"
    assert classes(_outcome(["validate"], 1, err=tb)) == ["traceback: KeyError"]
    caught = "zopa: internal error (ZeroDivisionError: division by zero); please report it\n"
    assert classes(_outcome(["validate"], 70, err=caught)) == ["traceback: ZeroDivisionError"]
    assert classes(_outcome(["forecast", "--json"], 0, out='{"a": NaN}')) == ["non-JSON output"]
    assert classes(_outcome(["forecast", "--json"], 0, out='{"a": 1.5}')) == []
    escaped = fuzzing.Outcome(["validate"], None, "", "", "RecursionError", 0.0)
    assert classes(escaped) == ["traceback: RecursionError"]
    slow = fuzzing.Outcome(["validate"], None, "", "", "timeout", 9.0)
    assert classes(slow) == ["timeout"]


def test_the_runner_catches_an_escaping_exception_and_a_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import zopa.cli.main

    def boom() -> None:
        raise KeyError("x")

    monkeypatch.setattr(zopa.cli.main, "main", boom)
    assert fuzzing.run_cli(["validate"]).error == "KeyError"

    def spin() -> None:
        while True:
            pass

    monkeypatch.setattr(zopa.cli.main, "main", spin)
    o = fuzzing.run_cli(["validate"], limit=0.2)
    assert o.error == "timeout" and o.seconds < 2
