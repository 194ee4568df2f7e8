"""What a shock of ``simulation.shocks`` does to a scenario: the preferences it changes.

A ``goalposts`` or ``preferences`` shock rewrites part of its actor's preferences as the
shock writes them: ``weights`` and each issue of ``utilities`` are replaced, ``red_lines``
are added, ``reservation`` is replaced. :func:`shocked` gives the scenario once a list of
shocks has happened (the numbers keep their identity, so values set by object still
apply); trust changes are numbers, applied by :mod:`zopa.simulation.regimes`.
"""

from __future__ import annotations

from collections.abc import Sequence

from zopa.scenario.schema import Preferences, Scenario, Shock


def changed_preferences(pref: Preferences, shock: Shock) -> Preferences:
    """``pref`` once ``shock`` has happened."""
    update: dict[str, object] = {}
    if shock.weights is not None:
        update["weights"] = shock.weights
    if shock.utilities:
        update["utilities"] = {**pref.utilities, **shock.utilities}
    if shock.red_lines:
        update["red_lines"] = [*pref.red_lines, *shock.red_lines]
    if shock.reservation is not None:
        update["reservation"] = shock.reservation
    return pref.model_copy(update=update)


def shocked(sc: Scenario, shocks: Sequence[Shock]) -> Scenario:
    """The scenario once ``shocks`` have happened, in order (preference changes only)."""
    prefs = dict(sc.preferences)
    for shock in shocks:
        if shock.changes_preferences and shock.actor in prefs:
            prefs[shock.actor] = changed_preferences(prefs[shock.actor], shock)
    out = sc.model_copy(update={"preferences": prefs})
    out._source = sc._source
    return out
