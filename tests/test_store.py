"""The run store (zopa.io.store) and ``zopa runs``: round trips, crashes, concurrency,
versions, and diff's laws. Every store lives in tmp_path ($ZOPA_STORE points there too)."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import zopa
from zopa.cli.runs import record_cli, runs_app
from zopa.errors import InputError
from zopa.io import store


class Fake:
    """A small result: ``to_json()`` and ``to_frames()`` as every command's result has."""

    def __init__(self, payload: dict[str, Any], frames: dict[str, pd.DataFrame] | None = None):
        self.payload = payload
        self.frames = frames if frames is not None else {"t": pd.DataFrame({"x": [1, 2]})}

    def to_json(self) -> dict[str, Any]:
        return self.payload

    def to_frames(self) -> dict[str, pd.DataFrame]:
        return self.frames


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOPA_STORE", str(tmp_path / "default" / "runs.duckdb"))
    monkeypatch.delenv("ZOPA_NO_STORE", raising=False)  # conftest turns recording off


@pytest.fixture(scope="module")
def reference() -> tuple[Any, Any]:
    sc = zopa.reference()
    return sc, zopa.analyze(sc)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- round trips


def test_default_path_follows_zopa_store(tmp_path: Path) -> None:
    assert store.default_path() == tmp_path / "default" / "runs.duckdb"


def test_analysis_round_trip(tmp_path: Path, reference: tuple[Any, Any]) -> None:
    sc, result = reference
    path = tmp_path / "runs.duckdb"
    rid = store.record(path, "analyze", sc, {"top": 10}, None, result, duration=1.5)
    run = store.get(path, rid)
    assert run.result == json.loads(json.dumps(result.to_json()))
    assert run.params == {"top": 10}
    assert run.summary["scenario_hash"] == sc.content_hash
    assert run.summary["zopa_version"] == store.zopa_version()
    assert run.summary["duration_s"] == 1.5
    original = result.to_frames()
    assert list(run.frames) == list(original)
    for name, df in original.items():
        pd.testing.assert_frame_equal(run.frames[name], df.reset_index(drop=True),
                                      check_column_type=False, check_index_type=False)  # fmt: skip


def test_awkward_frames_survive(tmp_path: Path) -> None:
    frames = {
        "mixed": pd.DataFrame(
            {
                "o": pd.Series([1, "x", None, [1, 2], {"k": 1}], dtype=object),
                "f": [0.1, np.nan, 1e-300, -0.0, 1 / 3],
                "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
                "b": [True, False, True, True, False],
            }
        ),
        "dupes": pd.DataFrame([[1, 2.5], [3, 4.5]], columns=["a", "A"]),
        "labels": pd.DataFrame({0: ["p"], "k": ["q"]}),
        "no_columns": pd.DataFrame(index=range(3)),
        "no_rows": pd.DataFrame({"x": pd.Series([], dtype=float)}),
        "all_null": pd.DataFrame({"x": [np.nan, np.nan]}),
    }
    path = tmp_path / "runs.duckdb"
    got = store.get(path, store.record(path, "analyze", None, {}, 3, Fake({}, frames))).frames
    assert got["mixed"]["o"].tolist()[:2] == ["1", "x"] and pd.isna(got["mixed"]["o"][2])
    assert got["mixed"]["o"].tolist()[3:] == ["[1, 2]", '{"k": 1}']
    f = got["mixed"]["f"].tolist()
    assert f[0] == 0.1 and np.isnan(f[1]) and f[2] == 1e-300 and f[4] == 1 / 3
    assert str(f[3]) == "-0.0"
    assert got["mixed"]["n"].tolist()[0] == 1 and pd.isna(got["mixed"]["n"][1])
    assert got["mixed"]["b"].tolist() == [True, False, True, True, False]
    assert list(got["dupes"].columns) == ["a", "A"] and got["dupes"].to_numpy().tolist() == [
        [1, 2.5],
        [3, 4.5],
    ]
    assert list(got["labels"].columns) == ["0", "k"]
    assert got["no_columns"].shape == (3, 0)
    assert got["no_rows"].shape == (0, 1)
    assert got["all_null"]["x"].isna().all() and len(got["all_null"]) == 2


def test_list_filters_and_id_prefixes(tmp_path: Path, reference: tuple[Any, Any]) -> None:
    sc = reference[0]
    path = tmp_path / "runs.duckdb"
    assert store.runs(path).runs == []  # no store yet: no runs, and no file made
    assert not path.exists()
    ids = [store.record(path, cmd, sc if cmd != "backtest" else None, {"i": i}, i, Fake({"i": i}))
           for i, cmd in enumerate(["analyze", "montecarlo", "backtest"])]  # fmt: skip
    listed = store.runs(path).to_json()["runs"]
    assert {r["id"] for r in listed} == set(ids) and len(listed) == 3
    assert [r["id"] for r in listed] == sorted(ids, key=lambda i: ids.index(i), reverse=True)
    assert [r["id"] for r in store.runs(path, command="montecarlo").runs] == [ids[1]]
    assert len(store.runs(path, scenario=sc.content_hash).runs) == 2
    assert len(store.runs(path, scenario=sc.id).runs) == 2
    assert len(store.runs(path, limit=1).runs) == 1
    assert store.get(path, ids[2][:-2]).id == ids[2]
    with pytest.raises(InputError, match="several runs"):
        store.get(path, "20")
    with pytest.raises(InputError, match="no run 'nope'"):
        store.get(path, "nope")
    assert list(store.runs(path).to_frames()["runs"]["id"]) == [r["id"] for r in listed]


def test_reading_a_missing_store_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no run store here"):
        store.get(tmp_path / "none.duckdb", "x")


def test_diff_reports_parameters_and_result_leaves(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    a = store.record(path, "montecarlo", None, {"draws": 100, "seed": 1}, 1,
                     Fake({"p": 0.5, "list": [1, 2], "same": "x", "gone": True}))  # fmt: skip
    b = store.record(path, "montecarlo", None, {"draws": 200, "seed": 1}, 2,
                     Fake({"p": 0.5000000001, "list": [1, 2, 3], "same": "x"}))  # fmt: skip
    d = store.diff(path, a, b).to_json()
    assert d["params"] == [{"path": "draws", "change": "changed", "a": 100, "b": 200}]
    assert {x["path"]: x["change"] for x in d["result"]} == {
        "p": "changed",
        "gone": "removed",
        "list[2]": "added",
    }
    assert d["run"] == [{"path": "seed", "change": "changed", "a": 1, "b": 2}]
    assert store.diff(path, a, a).to_json()["result"] == []
    assert len(store.diff(path, a, b).to_frames()["differences"]) == 5


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(JSON, JSON)
def test_diff_laws(a: Any, b: Any) -> None:
    assert store.differences(a, a) == []
    flip = {"added": "removed", "removed": "added", "changed": "changed"}
    there = {d["path"]: (d["change"], d["a"], d["b"]) for d in store.differences(a, b)}
    back = {d["path"]: (flip[d["change"]], d["b"], d["a"]) for d in store.differences(b, a)}
    assert there == back


def test_diff_compares_numbers_exactly() -> None:
    assert store.differences({"x": 1}, {"x": 1.0}) == []
    assert store.differences({"x": 1}, {"x": True}) != []
    assert store.differences({"x": 0.1 + 0.2}, {"x": 0.3}) != []


# ---------------------------------------------------------------- export


def test_export_writes_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    frames = {"a/b": pd.DataFrame({"x": [1, 2]}), "a_b": pd.DataFrame({"y": [0.5]})}
    rid = store.record(path, "analyze", None, {"k": 1}, None, Fake({"v": 1}, frames))
    out = tmp_path / "out"
    done = store.export(path, rid, out).to_json()
    assert done["files"] == ["run.json", "a_b.csv", "a_b_2.csv"]
    assert json.loads((out / "run.json").read_text())["result"] == {"v": 1}
    assert pd.read_csv(out / "a_b.csv")["x"].tolist() == [1, 2]
    with pytest.raises(InputError, match="pass --force"):
        store.export(path, rid, out)
    store.export(path, rid, out, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "runs.duckdb"] or sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["out", "runs.duckdb", "runs.duckdb.wal"]
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("mine")
    with pytest.raises(InputError, match="not a zopa run export"):
        store.export(path, rid, precious, force=True)
    assert (precious / "thesis.txt").read_text() == "mine"
    with pytest.raises(InputError, match="no run"):
        store.export(path, "missing", tmp_path / "new")
    assert not (tmp_path / "new").exists()


# ---------------------------------------------------------------- versions and foreign files


V1 = {  # the first layout: runs had no duration
    "meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
    "runs": "id VARCHAR PRIMARY KEY, command VARCHAR, scenario_id VARCHAR, "
    "scenario_title VARCHAR, scenario_hash VARCHAR, params VARCHAR, seed BIGINT, "
    "zopa_version VARCHAR, created TIMESTAMP, result VARCHAR",
    "frames": "run_id VARCHAR, name VARCHAR, position INTEGER, rows BIGINT, columns VARCHAR, "
    "PRIMARY KEY (run_id, name)",
    "cells": "run_id VARCHAR, frame VARCHAR, row BIGINT, col INTEGER, value VARCHAR",
}


def make_v1(path: Path) -> None:
    con = duckdb.connect(str(path))
    for name, columns in V1.items():
        con.execute(f"CREATE TABLE {name} ({columns})")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('created_by', '0.0.1')")
    con.execute(
        "INSERT INTO runs VALUES ('20250101-000000-00000000', 'analyze', 's', 'S', "
        "'sha256:0', '{\"top\": 3}', 7, '0.0.1', '2025-01-01 00:00:00', '{\"z\": 1}')"
    )
    con.execute(
        "INSERT INTO frames VALUES ('20250101-000000-00000000', 't', 0, 2, "
        '\'[{"name": "x", "type": "BIGINT"}]\')'
    )
    con.execute("INSERT INTO cells VALUES ('20250101-000000-00000000', 't', 0, 0, '4'), "
                "('20250101-000000-00000000', 't', 1, 0, '5')")  # fmt: skip
    con.close()


def test_an_older_store_is_migrated_with_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    make_v1(path)
    (old,) = store.runs(path).runs  # reading migrates it
    assert old["id"] == "20250101-000000-00000000" and old["duration_s"] is None
    run = store.get(path, "2025")
    assert run.result == {"z": 1} and run.params == {"top": 3}
    assert run.frames["t"]["x"].tolist() == [4, 5]
    new = store.record(path, "analyze", None, {}, None, Fake({}), duration=0.25)
    assert store.get(path, new).summary["duration_s"] == 0.25
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(store.SCHEMA),
    )
    con.close()


def newer(path: Path) -> None:
    make_v1(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()


def foreign_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE accounts (who VARCHAR, balance DOUBLE)")
    con.execute("INSERT INTO accounts VALUES ('me', 1.0)")
    con.close()


def text_file(path: Path) -> None:
    path.write_text("a shopping list\n" * 10)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (newer, "newer zopa"),
        (foreign_duckdb, "not a zopa run store"),
        (text_file, "not a zopa run store"),
    ],
)
def test_a_newer_or_foreign_file_is_refused_untouched(tmp_path: Path, make: Any,
                                                      message: str) -> None:  # fmt: skip
    path = tmp_path / "store.duckdb"
    make(path)
    before = digest(path)
    for attempt in (lambda: store.runs(path),
                    lambda: store.record(path, "analyze", None, {}, None, Fake({})),
                    lambda: store.get(path, "x")):  # fmt: skip
        with pytest.raises(InputError, match=message) as e:
            attempt()
        assert str(path) in str(e.value)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.duckdb"]


# ---------------------------------------------------------------- crashes and concurrency

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd
    from zopa.io import store

    class Big:
        def __init__(self, i, rows):
            self.i, self.rows = i, rows
        def to_json(self):
            return {"i": self.i, "frames": {"a": self.rows, "b": self.rows // 2}}
        def to_frames(self):
            g = np.random.default_rng(self.i)
            a = pd.DataFrame({"x": g.random(self.rows), "n": np.arange(self.rows),
                              "s": [f"s{k}" for k in range(self.rows)]})
            return {"a": a, "b": a.iloc[: self.rows // 2].reset_index(drop=True)}

    path, start, count, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print("ready", flush=True)
    sys.stdin.readline()  # go
    for i in range(start, start + count):
        store.record(path, "simulate", None, {"i": i}, i, Big(i, rows))
        print("wrote", flush=True)
    """
)


def writer(path: Path, start: int, count: int, rows: int) -> subprocess.Popen[str]:
    """A process that records ``count`` runs with frames of ``rows`` rows once told to go."""
    cmd = [sys.executable, "-c", WRITER, str(path), str(start), str(count), str(rows)]
    pipe = subprocess.PIPE
    return subprocess.Popen(cmd, stdin=pipe, stdout=pipe, stderr=pipe, text=True)


def go(p: subprocess.Popen[str]) -> None:
    assert p.stdout is not None and p.stdin is not None
    assert p.stdout.readline().strip() == "ready"
    p.stdin.write("go\n")
    p.stdin.flush()


def check_complete(path: Path, read_back: bool = True) -> list[str]:
    """Every listed run whole (its JSON, its frames, every cell; each run read back when
    ``read_back``); no orphan rows."""
    ids = [r["id"] for r in store.runs(path).runs]
    for rid in ids if read_back else []:
        run = store.get(path, rid)
        expected = run.result["frames"]
        assert {n: len(f) for n, f in run.frames.items()} == expected
        assert run.frames["a"]["s"].notna().all() and run.frames["a"]["x"].notna().all()
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM frames WHERE run_id NOT IN "
                           "(SELECT id FROM runs)").fetchone() == (0,)  # fmt: skip
        assert con.execute("SELECT count(*) FROM cells c WHERE NOT EXISTS (SELECT 1 FROM "
                           "frames f WHERE f.run_id = c.run_id AND f.name = c.frame)"
                           ).fetchone() == (0,)  # fmt: skip
        per_run = dict(con.execute("SELECT run_id, count(*) FROM cells GROUP BY run_id").fetchall())
        sizes = dict(con.execute("SELECT run_id, sum(rows) FROM frames GROUP BY run_id").fetchall())
        assert per_run == {rid: 3 * n for rid, n in sizes.items()}
        assert set(sizes) == set(ids)
    finally:
        con.close()
    return ids


def test_sigkill_mid_write_leaves_whole_runs(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    # The first kill lands while the store is being created; each other one a staggered
    # moment after the writer's first run landed, somewhere in its next run (a run of this
    # size takes ~0.15 s: converting, inserting, committing, folding the log into the file).
    delays = [0.05, 0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.2]
    following = writer(path, 0, 50, 8_000)
    landed = 0
    for k, delay in enumerate(delays):
        p = following
        go(p)
        following = writer(path, 100 * (k + 1), 50, 8_000)  # starts up while p writes
        if k:
            assert p.stdout is not None and p.stdout.readline().strip() == "wrote"
            landed += 1
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert p.returncode == -signal.SIGKILL
        if path.exists():
            assert len(check_complete(path, read_back=False)) >= landed
    following.kill()
    following.wait()
    assert len(check_complete(path)) >= landed == len(delays) - 1


def test_two_writers_at_once_both_land(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    procs = [writer(path, 0, 4, 2_000), writer(path, 10, 4, 2_000)]
    for p in procs:
        go(p)
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    ids = check_complete(path)
    assert len(ids) == 8
    assert {store.get(path, i).params["i"] for i in ids} == {0, 1, 2, 3, 10, 11, 12, 13}


HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-c", HOLDER, str(path), str(seconds)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "holding"
    return p


def test_a_busy_store_is_waited_for_then_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    store.record(path, "analyze", None, {}, None, Fake({}))
    p = hold(path, 1.0)
    t0 = time.monotonic()
    store.record(path, "analyze", None, {}, None, Fake({}))  # waits, then lands
    assert time.monotonic() - t0 > 0.3
    p.wait()
    p = hold(path, 5.0)
    try:
        with pytest.raises(InputError, match="busy"):
            store.record(path, "analyze", None, {}, None, Fake({}), timeout=0.3)
    finally:
        p.kill()
        p.wait()
    assert len(store.runs(path).runs) == 2


# ---------------------------------------------------------------- the command line


def test_record_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    assert record_cli(None, True, "analyze", None, {}, None, Fake({})) is None
    assert not store.default_path().exists()
    rid = record_cli(None, False, "analyze", None, {}, None, Fake({}))
    assert rid is not None and store.get(None, rid).id == rid
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("ZOPA_STORE", str(blocker / "runs.duckdb"))
    assert record_cli(None, False, "analyze", None, {}, None, Fake({})) is None
    err = capsys.readouterr().err
    assert err.startswith("zopa: warning: run not recorded") and err.count("\n") == 1
    with pytest.raises(InputError, match="--store") as e:
        record_cli(blocker / "runs.duckdb", False, "analyze", None, {}, None, Fake({}))
    assert str(blocker) in str(e.value)


def test_runs_commands(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    a = store.record(path, "forecast", None, {"model": "all"}, 0, Fake({"p": 1}))
    b = store.record(path, "forecast", None, {"model": "eum"}, 0, Fake({"p": 2}))
    cli = CliRunner()
    s = ["--store", str(path)]
    listed = json.loads(cli.invoke(runs_app, ["list", *s, "--json"]).stdout)
    assert [r["id"] for r in listed["runs"]] == [b, a]
    shown = json.loads(cli.invoke(runs_app, ["show", a[:-1], *s, "--json"]).stdout)
    assert shown["id"] == a and shown["result"] == {"p": 1} and shown["frames"][0]["rows"] == 2
    diffed = json.loads(cli.invoke(runs_app, ["diff", a, b, *s, "--json"]).stdout)
    assert [d["path"] for d in diffed["params"]] == ["model"]
    out = tmp_path / "exported"
    done = cli.invoke(runs_app, ["export", a, "-o", str(out), *s])
    assert done.exit_code == 0 and (out / "t.csv").exists() and "wrote" in done.stdout
    for args in (["list"], ["show", a], ["diff", a, b], ["diff", a, a]):
        r = cli.invoke(runs_app, [*args, *s])
        assert r.exit_code == 0, r.stdout
    assert a in cli.invoke(runs_app, ["list", *s]).stdout
    assert "no differences" in cli.invoke(runs_app, ["diff", a, a, *s]).stdout
    bad = cli.invoke(runs_app, ["show", "zzz", *s])
    assert isinstance(bad.exception, InputError)
    assert json.loads(cli.invoke(runs_app, ["list", "--json"]).stdout)["runs"] == []


def test_commands_record_and_runs_read_them(tmp_path: Path) -> None:
    """End to end, as a user runs it: two analyses recorded in the default store (here
    $ZOPA_STORE), listed, compared and exported; --no-store and ZOPA_NO_STORE record
    nothing; an unknown id is bad input (exit 2, one line, no traceback)."""
    import os
    import subprocess
    import sys

    def zopa(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        e = {**os.environ, **env}
        return subprocess.run([sys.executable, "-m", "zopa.cli.main", *args], env=e,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    toy = str(Path(__file__).parent / "data" / "toy_nodeal.yaml")
    assert zopa("analyze", toy, "--json").returncode == 0
    assert zopa("analyze", toy, "--json", "--set", "credibility.trust.IR.US=0.65").returncode == 0
    assert zopa("analyze", toy, "--no-store").returncode == 0
    assert zopa("analyze", toy, ZOPA_NO_STORE="1").returncode == 0
    import jsonschema

    from zopa.io.schemas import output_schema

    listed = zopa("runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    jsonschema.validate(json.loads(listed.stdout), output_schema("runs-list"))
    runs = json.loads(listed.stdout)["runs"]
    assert [r["command"] for r in runs] == ["analyze", "analyze"]
    new, old = runs[0]["id"], runs[1]["id"]
    d = zopa("runs", "diff", old, new, "--json")
    assert d.returncode == 0, d.stderr
    diff = json.loads(d.stdout)
    jsonschema.validate(diff, output_schema("runs-diff"))
    shown = zopa("runs", "show", new, "--json")
    assert shown.returncode == 0, shown.stderr
    jsonschema.validate(json.loads(shown.stdout), output_schema("runs-show"))
    assert "set.credibility.trust.IR.US" in [x["path"] for x in diff["params"]]
    assert diff["result"]  # the trust moved the values
    out = tmp_path / "export"
    e = zopa("runs", "export", new, "-o", str(out), "--json")
    assert e.returncode == 0, e.stderr
    jsonschema.validate(json.loads(e.stdout), output_schema("runs-export"))
    assert (out / "run.json").exists() and list(out.glob("*.csv"))
    bad = zopa("runs", "show", "nonexistent")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_background_recording(tmp_path: Path) -> None:
    """The default store is written by a child process (zopa.io.recorder): readers wait
    for it; a marker left by a dead child does not make them wait; a child killed at once
    leaves the store readable and without its run, or with all of it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from zopa.io.recorder import record_in_background

    path = tmp_path / "runs.duckdb"
    toy = zopa.load(Path(__file__).parent / "data" / "toy.yaml")
    result = zopa.analyze(toy)
    rid = record_in_background(path, "analyze", toy, {"top": 10}, None, result, 0.1)
    assert [r["id"] for r in store.runs(path).to_json()["runs"]] == [rid]  # waited for it
    assert store.get(path, rid).to_json()["result"] == result.to_json()

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    stale = store.pending_dir(path) / "20000101-000000-deadbeef"
    stale.write_text(dead)
    started = time.monotonic()
    assert len(store.runs(path).to_json()["runs"]) == 1
    assert time.monotonic() - started < 5 and not stale.exists()

    killed = record_in_background(path, "analyze", toy, {"top": 10}, None, result, 0.1)
    marker = store.pending_dir(path) / killed
    pid = int(marker.read_text())
    os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    ids = [r["id"] for r in store.runs(path).to_json()["runs"]]
    assert time.monotonic() - started < 5  # a dead child (here a zombie) is not waited for
    assert rid in ids and len(ids) in (1, 2)
    if killed in ids:
        assert store.get(path, killed).to_json()["result"] == result.to_json()


def test_a_background_failure_is_told_by_the_next_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A child that cannot record (here: the path holds a text file, not a store) leaves
    the reason; the next reader says it once on stderr, and the file is left untouched."""
    from zopa.io.recorder import record_in_background

    path = tmp_path / "runs.duckdb"
    path.write_text("not a store\n")
    toy = zopa.load(Path(__file__).parent / "data" / "toy.yaml")
    rid = record_in_background(path, "analyze", toy, {}, None, zopa.analyze(toy))
    with pytest.raises(InputError, match="not a"):
        store.runs(path)
    err = capsys.readouterr().err
    assert f"run {rid}" in err and "run not recorded" in err and err.count("\n") == 1
    assert path.read_text() == "not a store\n"
    with pytest.raises(InputError):
        store.runs(path)
    assert capsys.readouterr().err == ""  # said once
