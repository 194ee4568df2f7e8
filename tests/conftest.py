"""Test configuration: make tests/ importable (for the shared oracle module), make
hypothesis deterministic (the same examples on every run and every machine), and point
the run store at a temporary file (never the user's data directory)."""

import os
import sys
import tempfile
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")

_STORE = tempfile.mkdtemp(prefix="zopa-test-store-")
os.environ["ZOPA_STORE"] = os.path.join(_STORE, "runs.duckdb")  # subprocesses inherit it
# Commands record nothing unless a test asks (--store, or ZOPA_NO_STORE removed): a record
# costs a command about half a second of imports (DuckDB, pandas), the suite minutes.
os.environ["ZOPA_NO_STORE"] = "1"
