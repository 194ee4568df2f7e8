"""zopa: model, forecast and stress-test multi-party negotiations under coercion.

The pipeline is one-way: a scenario file is loaded and validated
(:mod:`zopa.scenario`), compiled once into numpy arrays (:mod:`zopa.space.space`),
analysed by pure functions (:mod:`zopa.engine`, :mod:`zopa.forecast`), and presented
by the CLI (:mod:`zopa.cli`). Heavy modules are imported lazily.
"""

__version__ = "0.1.0"
