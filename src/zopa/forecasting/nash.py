"""The capability-weighted Nash bargaining solution over positions, issue by issue.

For each issue, over the actors i present on it with salience s_i > 0 and capability
c_i > 0, the forecast is

    x_hat = argmax_{x in [0, 100]}  sum_i w_i log(U_i(x) - U_i(d_i)),
    U_i(x) = -s_i |x - x_i|**p,

the asymmetric (weighted) Nash bargaining solution (Nash 1950; the weighted form of
Kalai 1977; applied to EU legislative bargaining by Achen 2006, ch. 4). Choices:

- **Loss exponent** ``p`` (default 2, quadratic loss; any p >= 1 keeps the problem concave).
- **Bargaining weights** ``w_i = c_i`` (``bargaining_power="capability"``, the default). The
  Nash solution is invariant to a positive rescaling of each actor's utility, so with these
  weights the salience s_i cancels out of the argmax: it only decides who takes part
  (s_i > 0). ``bargaining_power="capability_salience"`` uses ``w_i = c_i s_i`` instead,
  which is the weighting that reduces to the compromise model when every actor's gain from
  agreement is about the same (Achen 2006).
- **Disagreement point** ``d_i``: by default (``disagreement="worst"``) each actor's worst
  point of the 0..100 range, the end farther from x_i, so that every actor gains from any
  agreement strictly inside the range. ``disagreement="status_quo"`` uses the issue's
  status quo (reversion point) where one is given (from the ``status_quo`` argument, or an
  inputs object carrying a ``status_quo`` array, as :mod:`zopa.io.deu` produces),
  and the worst point elsewhere. With the status quo as d, the solution must leave every
  participant strictly better off than the status quo; when no point does (actors on both
  sides of it, or one sitting on it), no agreement beats disagreement and the forecast is
  the status quo itself.

Solution method: the objective is strictly concave on the interval where every gain is
positive, so its maximiser is found exactly (to ~1e-12) by bisection on the sign of its
(sub)derivative, vectorised over issues.

An issue where actors are present but none has positive weight gets the unweighted mean of
their positions; an issue with no actor present gets NaN.

References:
    Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2): 155-162.
    Kalai, E. (1977). Nonsymmetric Nash solutions and replications of 2-person bargaining.
    *International Journal of Game Theory* 6(3): 129-133.
    Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson, Stokman,
    Achen and König (eds.), *The European Union Decides*, ch. 4. Cambridge University Press.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from zopa.forecasting.base import Forecast, ForecastInput, ModelBase, finish

LOW, HIGH = 0.0, 100.0
_ITERATIONS = 64


def nash_solve(
    position: np.ndarray,
    weight: np.ndarray,
    reach: np.ndarray,
    p: float = 2.0,
    low: float = LOW,
    high: float = HIGH,
) -> tuple[np.ndarray, np.ndarray]:
    """Maximise ``sum_i w_i log(reach_i**p - |x - x_i|**p)`` over x, for every issue at once.

    ``position``, ``weight`` and ``reach`` are (actors, issues); ``reach_i = |d_i - x_i|`` is
    the distance from an actor's ideal to its disagreement point (so its gain from x is
    proportional to ``reach_i**p - |x - x_i|**p``). Actors with ``weight <= 0`` take no part.
    Returns ``(x, feasible)``: the maximiser per issue (NaN where no actor takes part or no
    point gives every participant a positive gain) and whether such a point exists.
    """
    position = np.asarray(position, dtype=float)
    weight = np.asarray(weight, dtype=float)
    reach = np.asarray(reach, dtype=float)
    on = weight > 0
    x = np.where(on, position, 0.0)
    r = np.where(on, reach, np.inf)
    w = np.where(on, weight, 0.0)
    lo = np.maximum(low, np.max(np.where(on, x - r, -np.inf), axis=0))
    hi = np.minimum(high, np.min(np.where(on, x + r, np.inf), axis=0))
    anyone = on.any(axis=0)
    feasible = anyone & (lo < hi)
    lo = np.where(feasible, lo, 0.0)
    hi = np.where(feasible, hi, 0.0)
    rp = np.where(on, r, 1.0) ** p
    for _ in range(_ITERATIONS):
        mid = 0.5 * (lo + hi)
        diff = mid[None, :] - x
        dist = np.abs(diff)
        gain = rp - dist**p
        slope = -p * dist ** (p - 1.0) * np.sign(diff)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(on, w * slope / gain, 0.0)
        up = term.sum(axis=0) > 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    return np.where(feasible, 0.5 * (lo + hi), np.nan), feasible


class NashModel(ModelBase):
    """The weighted Nash bargaining solution over positions, per issue (Nash 1950; Achen 2006).

    ``p`` is the loss exponent (2: quadratic); ``disagreement`` is ``"worst"`` (each actor's
    worst point of 0..100) or ``"status_quo"``; ``bargaining_power`` is ``"capability"``
    (w_i = c_i) or ``"capability_salience"`` (w_i = c_i s_i). See the module docstring.
    Each issue is solved on its own (``stacks_issues``), in closed form (no trajectory).
    """

    name: ClassVar[str] = "nash"
    stacks_issues: ClassVar[bool] = True

    def __init__(
        self,
        p: float = 2.0,
        disagreement: Literal["worst", "status_quo"] = "worst",
        bargaining_power: Literal["capability", "capability_salience"] = "capability",
        status_quo: np.ndarray | None = None,
    ) -> None:
        if not p >= 1.0:
            raise ValueError("p must be >= 1 (concave gains)")
        if disagreement not in ("worst", "status_quo"):
            raise ValueError("disagreement must be 'worst' or 'status_quo'")
        if bargaining_power not in ("capability", "capability_salience"):
            raise ValueError("bargaining_power must be 'capability' or 'capability_salience'")
        self.p = float(p)
        self.disagreement = disagreement
        self.bargaining_power = bargaining_power
        self.status_quo = None if status_quo is None else np.asarray(status_quo, dtype=float)

    def _status_quo(self, inputs: ForecastInput) -> np.ndarray:
        k = len(inputs.issues)
        sq = self.status_quo
        if sq is None:
            sq = getattr(inputs, "status_quo", None)
        if sq is None:
            return np.full(k, np.nan)
        sq = np.asarray(sq, dtype=float)
        if sq.shape != (k,):
            raise ValueError(f"status_quo must have shape {(k,)}")
        return sq

    def predict(self, inputs: ForecastInput) -> Forecast:
        """Forecast every issue: the weighted Nash bargaining solution."""
        position = np.asarray(inputs.position, dtype=float)
        present = ~np.isnan(position)
        salience = np.where(present, np.nan_to_num(np.asarray(inputs.salience, dtype=float)), 0.0)
        capability = np.asarray(inputs.capability, dtype=float)[:, None]
        on = present & (salience > 0) & (capability > 0)
        if self.bargaining_power == "capability_salience":
            weight = np.where(on, capability * salience, 0.0)
        else:
            weight = np.where(on, capability, 0.0)
        x = np.where(present, position, 0.0)
        reach = np.maximum(x - LOW, HIGH - x)  # distance to the worst end of the range
        sq = np.full(len(inputs.issues), np.nan)
        if self.disagreement == "status_quo":
            sq = self._status_quo(inputs)
            has_sq = ~np.isnan(sq)
            reach = np.where(has_sq[None, :], np.abs(sq[None, :] - x), reach)
        solved, feasible = nash_solve(x, weight, reach, self.p)
        anyone = on.any(axis=0)
        count = present.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            plain = x.sum(axis=0) / count
        no_agreement = anyone & ~feasible
        out = np.where(
            feasible,
            solved,
            np.where(no_agreement, sq, np.where(count > 0, plain, np.nan)),
        )
        return finish(
            self.name,
            inputs,
            out,
            details={
                "p": self.p,
                "disagreement": self.disagreement,
                "bargaining_power": self.bargaining_power,
                "no_agreement": [
                    k for k, flag in zip(inputs.issues, no_agreement, strict=True) if flag
                ],
            },
        )
