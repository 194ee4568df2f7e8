"""Forecasting models: where a negotiation will land (compromise, Nash, EUM, SMP, exchange).

Every model shares one small interface (:class:`zopa.forecast.base.ForecastModel`):
construct it with its parameters (``get_params()`` returns them), call ``predict(inputs)``
with a :class:`~zopa.forecast.base.ForecastInput`, get a
:class:`~zopa.forecast.base.Forecast`. Its capabilities (``stacks_issues``,
``has_trajectory``, ``lean_params``) are class attributes, and
:mod:`zopa.forecast.registry` lists every model once, by name.
"""
