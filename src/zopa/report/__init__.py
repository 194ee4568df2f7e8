"""The HTML report (``zopa report``): figures and one self-contained offline page.

Presentation only: :mod:`zopa.report.figures` turns result objects into Plotly figures and
:mod:`zopa.report.build` lays them out with tables in one HTML file. Nothing here computes
an analysis; the caller passes the results (:class:`zopa.report.build.ReportInputs`).
"""
