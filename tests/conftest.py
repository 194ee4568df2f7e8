"""Test configuration: make tests/ importable (for the shared oracle module)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
