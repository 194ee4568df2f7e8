"""The refusal estimate against the real time at 6x10^7 packages (issue 12).

``--max-packages`` refuses a larger space up front with its size and an estimated time
(:func:`zopa.analysis.analyze.estimate_seconds`); the issue asks for an estimate within 2x
of the real time on this machine class. This runs ``zopa analyze --json`` end to end in a
fresh process on 10 issues of 6 options (60,466,176 packages) with 3 deciders and uniform
random utilities (bench/synthetic.py), every reservation 0.45 (a small zone) and 0 (the
whole space in the zone: the heaviest case), and prints the refusal's estimate (read from
the refusal message itself) beside the measured wall time and their ratio.

Run: ``python bench/bench_refusal.py`` (about a minute on 2 cores).
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
        for reservation in (0.45, 0.0):
            path = Path(tmp) / f"s_{reservation}.yaml"
            data = synthetic(10, 3, seed=1, n_options=6, reservation=reservation)
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
            print(f"6.0x10^7 packages x 3 deciders, reservations {reservation}: estimated "
                  f"{est:.1f} s, took {real:.1f} s ({ratio:.2f}x off)", flush=True)  # fmt: skip
    print(f"worst: {worst:.2f}x off (goal: within 2x)")


if __name__ == "__main__":
    main()
