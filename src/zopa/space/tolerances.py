"""Every numeric tolerance of the engine, in one place.

- :data:`ACCEPT_TOL`: weak preference. A decider accepts a package whose deal value is at
  least its reservation minus ACCEPT_TOL; Fearon's and Powell's models count differences
  within it as indifference, and Monte Carlo's spoiler-order test allows it as slack.
- :data:`QUANTUM`: the dominance grid. Values are compared for Pareto dominance as
  integer multiples of QUANTUM (:func:`quantize`), so values equal up to float rounding
  tie and dominance is an exact, transitive order.
- :data:`CLEAR`: how much better a partial package must be, on one decider, for the
  issue-by-issue frontier construction to drop the other (see :mod:`zopa.analysis.pareto`).
- :data:`TIE`: the tie rule of every optimum (bargaining solutions, the assumed deal, a
  proposer's best offer): values within TIE * max(1, |best|) of the best tie, and the
  lowest package index among them wins (:func:`tie_floor`).
- :data:`NO_ROOM`: a decider whose best possible gain is at most NO_ROOM has no room and
  never binds the Kalai-Smorodinsky solution.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ACCEPT_TOL = 1e-9
QUANTUM = 1e-9
CLEAR = 2 * QUANTUM  # more than one grid step plus float rounding: see zopa.analysis.pareto
TIE = 1e-12
NO_ROOM = 1e-12


def quantize(u: Any) -> np.ndarray:
    """Values on the dominance grid (int64 multiples of :data:`QUANTUM`)."""
    return np.rint(np.asarray(u) / QUANTUM).astype(np.int64)


def tie_floor(best: Any) -> Any:
    """The least value that ties with ``best`` (elementwise): best - TIE * max(1, |best|)."""
    return best - TIE * np.maximum(1.0, np.abs(best))
