"""Forecasting models: where a negotiation will land (compromise, Nash, EUM, SMP, exchange).

Every model shares one small interface (:class:`zopa.forecast.base.ForecastModel`):
construct it with its parameters, call ``predict(inputs)`` with a
:class:`~zopa.forecast.base.ForecastInput`, get a :class:`~zopa.forecast.base.Forecast`.
"""
