"""The dashboard (``zopa app``): a Streamlit page over the public API.

:mod:`zopa.app.dashboard` is the Streamlit script: every lever of a scenario as a slider or a
select, the zone, who binds, the solutions and the zone figure recomputed as they move, two
settings side by side, a scenario editor with live validation, the HTML report and the run
store. :mod:`zopa.app.launch` starts it (``zopa app [FILE] [--port PORT]``). Presentation
only: every figure comes from a ``zopa.*`` result object.
"""
