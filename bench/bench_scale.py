"""Speed and scale where people wait (issue 12): ``python bench/bench_scale.py [--quick]``.

Prints the issue's table: each case's figure recorded on main before this work (the
issue's "today" column, measured on this machine class) beside the figure measured now,
each a median of ``--repeats`` runs in a fresh process (``zopa ... --json`` end to end:
start-up, loading, the work, JSON), with the yardsticks measured in the same run:

- 10 deciders under unanimity and under a quota of 6, 28 deciders under a quota of 16, on
  5 or 6 issues of 10 options with uniform random utilities and every reservation 0.45
  (bench/synthetic.py); the 3-decider case of the same size is the yardstick;
- 10^6 packages with 5 deciders against 3 (reservations 0: the whole space is the zone);
- 10^6 x 3 against NegMAS ``pareto_frontier`` + ``nash_points`` (bench/negmas_peer.py),
  medians of 5 and 3 interleaved runs, with the frontier sizes and Nash utilities checked equal;
- the reference scenario: ``zopa analyze``, ``zopa leverage --for IRN``,
  ``zopa forecast --model all --draws 1000`` (2 workers, the default, and ``--workers 1``); the
  leverage ratio is against the ``zopa analyze`` median of the same run;
- peak memory (the child's max RSS) at 10^7 x 5.

``--quick`` skips the 28-decider, 10^7 and NegMAS cases. Results go to
bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_analyze import ZOPA, measure  # noqa: E402
from synthetic import write  # noqa: E402

BEFORE = {  # issue 12's "today" column: main before this work, same machine class
    "una10_4": "3.4 s",
    "una10_5": "61 s",
    "quota10_4": "> 120 s",
    "quota10_5": "not tried",
    "quota28_5": "not tried",
    "five_vs_three": "13.7x",
    "negmas": "13x",
    "reference": "1.57 s",
    "leverage": "12.3 s (7.8x)",
    "forecast": "58.6 s",
    "memory": "not reported",
}


def timed(cmd: list[str], repeats: int) -> tuple[float, float, dict]:
    """Median wall seconds, peak MiB and the last JSON output of ``cmd``."""
    walls, peak, out = [], 0.0, ""
    for _ in range(repeats):
        wall, rss, out = measure(cmd)
        walls.append(wall)
        peak = max(peak, rss)
    return statistics.median(walls), peak, json.loads(out) if out.strip() else {}


def analyze_case(path: Path, repeats: int, force: bool = False) -> dict:
    cmd = [*ZOPA, "analyze", str(path), "--json", "--max-packages", "1000000000"]
    cmd += ["--frontier"] if force else []
    wall, rss, res = timed(cmd, repeats)
    p = res["pareto"]
    return {"wall_s": wall, "peak_mib": rss, "zone": res["agreement_zone"]["size"],
            "frontier": p["size"], "frontier_estimate_s": p["estimated_seconds"]}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.environ["ZOPA_NO_STORE"] = "1"  # time the work, not the run store
    r = args.repeats
    rows: list[tuple[str, str, str, str, str]] = []
    out: dict = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        w = Path(tmp)

        def case(
            name: str, k: int, d: int, res: float = 0.45, quota: int | None = None, n: int = r
        ) -> dict:
            f = write(w / f"{name}.yaml", k, d, reservation=res, quota=quota)
            got = analyze_case(f, n)
            out[name] = got
            fr = got["frontier"]
            fr_s = (
                f"{fr:,}"
                if fr is not None
                else f"not computed (est. {got['frontier_estimate_s']} s)"
            )
            print(
                f"  {name}: {got['wall_s']:.2f} s, zone {got['zone']:,}, frontier {fr_s}",
                flush=True,
            )
            return got

        def forced(name: str, k: int, d: int, q: int | None, got: dict) -> None:
            """The frontier computed anyway (--frontier, one run): its real cost against
            the estimate that left it out."""
            f = w / f"{name}.yaml"
            full = analyze_case(f, 1, force=True)
            extra = full["wall_s"] - got["wall_s"]
            est = got["frontier_estimate_s"]
            print(f"    --frontier: {full['wall_s']:.2f} s, frontier {full['frontier']:,}; "
                  f"estimated {est} s, took about {extra:.1f} s more", flush=True)  # fmt: skip
            rows.append((f"{name} with --frontier", "", f"{full['wall_s']:.2f} s",
                         f"estimate {est} s vs {extra:.1f} s real",
                         f"frontier {full['frontier']:,}"))  # fmt: skip

        print("many deciders (end to end, median of", r, "runs):")
        y4 = case("three_4", 4, 3)
        y5 = case("three_5", 5, 3)
        for name, k, d, q, yard in [
            ("una10_4", 4, 10, None, y4), ("una10_5", 5, 10, None, y5),
            ("quota10_4", 4, 10, 6, y4), ("quota10_5", 5, 10, 6, y5),
            *([] if args.quick else [("quota28_5", 5, 28, 16, y5)]),
        ]:  # fmt: skip
            got = case(name, k, d, quota=q)
            what = (f"{d} deciders, {'unanimity' if q is None else f'quota {q} of {d}'}, "
                    f"10^{k} (zone {got['zone']:,})")  # fmt: skip
            note = "" if got["frontier"] is not None else "frontier not computed"
            ratio = f"{got['wall_s'] / yard['wall_s']:.1f}x the 3-decider case"
            rows.append((what, BEFORE[name], f"{got['wall_s']:.2f} s", ratio, note))
            if got["frontier"] is None:
                forced(name, k, d, q, got)
        print("10^6 x 5 against 10^6 x 3 (reservations 0):")
        three = case("six_3", 6, 3, res=0.0)
        five = case("six_5", 6, 5, res=0.0)
        if five["frontier"] is None:
            forced("six_5", 6, 5, None, five)
        rows.append(("10^6 x 5 vs x 3", BEFORE["five_vs_three"],
                     f"{five['wall_s'] / three['wall_s']:.1f}x",
                     f"{five['wall_s']:.2f} s vs {three['wall_s']:.2f} s",
                     "" if five["frontier"] is not None else "frontier not computed"))  # fmt: skip
        if not args.quick:
            from bench_analyze import negmas_side_by_side

            peer = negmas_side_by_side(w)
            big = [p for p in peer if p["packages"] == 10**6]
            if big:
                rows.append(("10^6 x 3 vs NegMAS, end to end", BEFORE["negmas"],
                             f"{big[0]['ratio']:.1f}x",
                             f"{big[0]['zopa_s']:.2f} s vs {big[0]['negmas_s']:.2f} s",
                             "medians of 5 and 3 runs; same frontier and Nash"))  # fmt: skip
            out["negmas"] = peer
            mem = case("seven_5", 7, 5, res=0.0)
            rows.append(("memory, 10^7 x 5", BEFORE["memory"], f"{mem['peak_mib']:.0f} MiB",
                         f"{mem['wall_s']:.2f} s", ""))  # fmt: skip
    print("reference scenario:")
    for warm in (["leverage", "--for", "IRN"], ["forecast", "--model", "all"]):  # bytecode
        measure([*ZOPA, *warm, "--json"])
    ref, _, _ = timed([*ZOPA, "analyze", "--json"], max(r, 5))
    lev, _, _ = timed([*ZOPA, "leverage", "--for", "IRN", "--json"], r)
    fc2, _, _ = timed([*ZOPA, "forecast", "--model", "all", "--draws", "1000", "--json"], r)
    fc, _, _ = timed([*ZOPA, "forecast", "--model", "all", "--draws", "1000", "--workers", "1",
                      "--json"], r)  # fmt: skip
    out["reference"] = {"analyze_s": ref, "leverage_s": lev, "forecast_s": fc2,
                        "forecast_1_worker_s": fc}  # fmt: skip
    rows += [
        ("zopa analyze (reference)", BEFORE["reference"], f"{ref:.2f} s", "median", ""),
        ("zopa leverage --for IRN", BEFORE["leverage"], f"{lev:.2f} s",
         f"{lev / ref:.1f}x one analysis", ""),
        ("zopa forecast --model all --draws 1000", BEFORE["forecast"], f"{fc2:.2f} s",
         f"{fc / fc2:.2f}x faster than one worker", "2 workers (the default)"),
        ("the same with --workers 1", "", f"{fc:.2f} s", "", ""),
    ]  # fmt: skip
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scale.json").write_text(json.dumps(out, indent=2))
    print("\n| case | before (issue 12) | now | against | note |")
    print("|---|---:|---:|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
