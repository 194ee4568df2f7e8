"""Forecasting models: where a negotiation will land (compromise, Nash, EUM, SMP, exchange).

Every model shares one small interface (:class:`zopa.forecasting.base.ForecastModel`):
construct it with its parameters (``get_params()`` returns them), call ``predict(inputs)``
with a :class:`~zopa.forecasting.base.ForecastInput`, get a
:class:`~zopa.forecasting.base.Forecast`. Its capabilities (``stacks_issues``,
``has_trajectory``, ``lean_params``) are class attributes, and
:mod:`zopa.forecasting.registry` lists every model once, by name.
"""
