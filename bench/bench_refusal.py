"""The refusal estimate against the real time at 6x10^7 packages (issue 12).

``--max-packages`` refuses a larger space up front with its size and an estimated time
(:func:`zopa.analysis.analyze.estimate_seconds`); the issue asks for an estimate within 2x
of the real time on this machine class. This runs ``zopa analyze --json`` end to end in a
fresh process on 10 issues of 6 options (60,466,176 packages) with 3 deciders and uniform
random utilities (bench/synthetic.py), every reservation 0.45 (a small zone) and 0 (the
whole space in the zone: the heaviest case), then with a deal model (credibility: each
decider's trust in the others) on 16 and 14 issues of 3 options (43,046,721 and 4,782,969
packages), and prints
the refusal's estimate (read from the refusal message itself) beside the measured wall
time and their ratio.

Run: ``python bench/bench_refusal.py`` (about a minute and a half on 2 cores).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_analyze import child_env  # noqa: E402
from synthetic import synthetic  # noqa: E402

ZOPA = str(Path(sys.executable).with_name("zopa"))


def main() -> None:
    env = {**child_env(), "ZOPA_NO_STORE": "1"}
    worst = 1.0
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            (
                f"6.0x10^7 packages x 3 deciders, reservations {r}",
                synthetic(10, 3, seed=1, n_options=6, reservation=r),
            )
            for r in (0.45, 0.0)
        ]
        deal = synthetic(16, 3, seed=2, n_options=3, reservation=0.45)
        ids = [a["id"] for a in deal["actors"]]
        deal["credibility"] = {"trust": {i: {j: 0.8 for j in ids if j != i} for i in ids}}
        cases.append(("4.3x10^7 packages x 3 deciders, a deal model, reservations 0.45", deal))
        small = synthetic(14, 3, seed=2, n_options=3, reservation=0.45)
        small["credibility"] = deal["credibility"]
        cases.append(("4.8x10^6 packages x 3 deciders, a deal model, reservations 0.45", small))
        for k, (label, data) in enumerate(cases):
            path = Path(tmp) / f"s_{k}.yaml"
            path.write_text(yaml.safe_dump(data, sort_keys=False))
            refused = subprocess.run([ZOPA, "analyze", str(path), "--max-packages", "1000"],
                                     env=env, capture_output=True, text=True)  # fmt: skip
            assert refused.returncode == 2, refused.stderr
            found = re.search(r"estimated time about ([\d.,]+) (s|min)", refused.stderr)
            assert found, refused.stderr
            est = float(found.group(1).replace(",", "")) * (60 if found.group(2) == "min" else 1)
            t0 = time.perf_counter()
            subprocess.run([ZOPA, "analyze", str(path), "--max-packages", "1000000000", "--json"],
                           env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            real = time.perf_counter() - t0
            ratio = max(est / real, real / est)
            worst = max(worst, ratio)
            print(f"{label}: estimated {est:.1f} s, took {real:.1f} s ({ratio:.2f}x off)",
                  flush=True)  # fmt: skip
    print(f"worst: {worst:.2f}x off (goal: within 2x)")


if __name__ == "__main__":
    main()
