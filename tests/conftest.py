"""Test configuration: make tests/ importable (for the shared oracle module) and make
hypothesis deterministic (the same examples on every run and every machine)."""

import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")
