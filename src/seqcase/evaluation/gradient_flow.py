"""How much of a gradient survives the trip back through time: one number for a vanishing curve.

Without TensorFlow, so the report stages read it as cheaply as the training callback computes it.
"""

from __future__ import annotations

from collections.abc import Sequence


def first_to_last(by_step: Sequence[float]) -> float:
    """The share of the last step's input gradient (`by_step[0]`, counted back) that reaches the
    first step (`by_step[-1]`); NaN when no gradient reaches the last step at all."""
    return float(by_step[-1] / by_step[0]) if by_step[0] > 0 else float("nan")
