"""The compromise model: the capability- and salience-weighted mean of positions.

For each issue k, over the actors i present on it,

    x_hat_k = sum_i c_i s_ik x_ik / sum_i c_i s_ik

with capability c_i, salience s_ik and position x_ik (0..100). Achen (2006) derives it as a
simple variant of the Nash bargaining solution with quadratic, salience-scaled losses
(weights ``c_i s_ik`` when every actor's gain from agreement is about the same); on the DEU
data (Thomson et al. 2006; Thomson 2011) it is among the most accurate forecasting models,
and hard to beat (Leinaweaver and Thomson 2014; Franchino and Mariotto 2021).

The generalised form ``w_ik = c_i**a * s_ik**b`` (``capability_power`` a and
``salience_power`` b; 1 and 1 by default) gives salience-only weighting (a = 0) and
capability-only weighting (b = 0) as special cases, and lets a backtest calibrate a and b.
An actor with zero salience gets zero weight whatever b is.

References:
    Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson, Stokman,
    Achen and König (eds.), *The European Union Decides*, ch. 4. Cambridge University Press.
    Thomson, R., Stokman, F. N., Achen, C. H. and König, T. (eds.) (2006). *The European
    Union Decides*. Cambridge University Press.
    Thomson, R. (2011). *Resolving Controversy in the European Union*. Cambridge University
    Press.
    Leinaweaver, J. and Thomson, R. (2014). Testing models of legislative decision-making
    with measurement error. *European Union Politics*.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from zopa.forecasting.base import Forecast, ForecastInput, ModelBase, finish


def compromise_weights(
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    capability_power: float = 1.0,
    salience_power: float = 1.0,
) -> np.ndarray:
    """The weights ``c_i**a * s_ik**b`` (actors, issues); 0 where absent or salience is 0."""
    c = np.asarray(capability, dtype=float)[:, None]
    s = np.where(present, np.asarray(salience, dtype=float), 0.0)
    s = np.where(np.isnan(s), 0.0, s)
    with np.errstate(divide="ignore", invalid="ignore"):
        cw = c if capability_power == 1.0 else np.power(c, capability_power)
        sw = s if salience_power == 1.0 else np.power(s, salience_power)
    return np.where(present & (s > 0) & (c > 0), cw * sw, 0.0)


def compromise(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    capability_power: float = 1.0,
    salience_power: float = 1.0,
) -> np.ndarray:
    """Compromise-model positions for every issue at once.

    ``position`` and ``salience`` are (actors, issues) arrays, ``position`` NaN where an actor
    takes no part; ``capability`` is (actors,). Returns (issues,). An issue on which actors
    are present but every weight is 0 gets the unweighted mean of their positions; an issue
    with no actor present gets NaN.
    """
    position = np.asarray(position, dtype=float)
    present = ~np.isnan(position)
    w = compromise_weights(salience, capability, present, capability_power, salience_power)
    x = np.where(present, position, 0.0)
    total = w.sum(axis=0)
    count = present.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = (w * x).sum(axis=0) / total
        plain = x.sum(axis=0) / count
    return np.where(total > 0, weighted, np.where(count > 0, plain, np.nan))


class CompromiseModel(ModelBase):
    """The compromise model (Achen 2006): ``x_hat = sum c s x / sum c s`` per issue.

    ``capability_power`` and ``salience_power`` generalise the weights to ``c**a * s**b``;
    the defaults (1, 1) are the published model. Each issue is forecast on its own
    (``stacks_issues``), in closed form (no trajectory).
    """

    name: ClassVar[str] = "compromise"
    stacks_issues: ClassVar[bool] = True

    def __init__(self, capability_power: float = 1.0, salience_power: float = 1.0) -> None:
        self.capability_power = float(capability_power)
        self.salience_power = float(salience_power)

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Forecast every issue: the weighted mean of the present actors' positions."""
        position = compromise(
            inputs.position,
            inputs.salience,
            inputs.capability,
            self.capability_power,
            self.salience_power,
        )
        return finish(
            self.name,
            inputs,
            position,
            details={
                "capability_power": self.capability_power,
                "salience_power": self.salience_power,
            },
        )
