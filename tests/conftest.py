"""Test configuration: the same floating-point code paths on every x86-64 machine, make
tests/ importable (for the shared oracle module), make hypothesis deterministic (the same
examples on every run and every machine), and point the run store at a temporary file
(never the user's data directory)."""

import os
import sys

# The golden files hold exact bytes. numpy's AVX-512 loops (exp, log, power, sums) and
# OpenBLAS's AVX-512 kernels round differently from the AVX2 ones in the last bit, and a
# seeded simulation or a forecast that compares values at a threshold can turn that bit
# into a different result (seen on 2026-12-03: the same code, an AVX-512 machine, two
# golden files off). So the tests run numpy and OpenBLAS on their AVX2 paths, which every
# x86-64 machine of this project's kind has (disabling a feature a machine lacks is a
# no-op; OpenBLAS's Haswell kernels only where the CPU has AVX2 and FMA); subprocesses
# inherit the setting. numpy must not be imported before this.
if "numpy" in sys.modules:  # pragma: no cover - a plugin imported numpy first
    raise RuntimeError("tests/conftest.py must run before numpy is imported")


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            line = next((x for x in f if x.startswith("flags")), "")
    except OSError:
        return set()
    return set(line.partition(":")[2].split())


os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")
if {"avx2", "fma"} <= _cpu_flags():
    os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")

_STORE = tempfile.mkdtemp(prefix="zopa-test-store-")
os.environ["ZOPA_STORE"] = os.path.join(_STORE, "runs.duckdb")  # subprocesses inherit it
# Commands record nothing unless a test asks (--store, or ZOPA_NO_STORE removed): a record
# costs a command about half a second of imports (DuckDB, pandas), the suite minutes.
os.environ["ZOPA_NO_STORE"] = "1"
