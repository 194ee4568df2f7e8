"""zopa: model, forecast and stress-test multi-party negotiations under coercion.

A scenario compiles once into numbers; every analysis is a function of those numbers::

    import zopa

    sc = zopa.reference()                     # or zopa.load(path), zopa.loads(text)
    a = zopa.analyze(sc)                      # a.to_json() == `zopa analyze --json`
    a.to_frames()["frontier"]                 # one row per frontier package
    m = zopa.montecarlo(sc, draws=2000, seed=0)

The functions live in :mod:`zopa.api` and are imported on first use, so ``import zopa``
stays fast. The layers, in pipeline order: :mod:`zopa.scenario` (text -> Scenario),
:mod:`zopa.space` (Scenario -> numpy tables), :mod:`zopa.analysis`,
:mod:`zopa.forecasting`, :mod:`zopa.studies`, :mod:`zopa.io`, and the CLI.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not ``from typing``: importing typing costs ``import zopa`` 8 ms
__version__ = "0.1.0"

__all__ = [
    "analyze",
    "backtest",
    "forecast",
    "leverage",
    "levers",
    "load",
    "loads",
    "montecarlo",
    "read",
    "reference",
    "score",
    "simulate",
    "sources",
    "sweep",
]

if TYPE_CHECKING:
    from typing import Any

    from zopa.api import (
        analyze,
        backtest,
        forecast,
        leverage,
        levers,
        load,
        loads,
        montecarlo,
        read,
        reference,
        score,
        simulate,
        sources,
        sweep,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zopa import api

        return getattr(api, name)
    raise AttributeError(f"module 'zopa' has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*globals(), *__all__]
