"""Checking the reference: central-difference gradients and the relative error used against them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(loss: Callable[[], float], array: np.ndarray, epsilon: float = 1e-6) -> np.ndarray:
    """d loss / d array by central differences, nudging `array` in place (and restoring it).

    In float64 the truncation error is O(epsilon^2) and the rounding error O(1e-16 / epsilon):
    1e-6 keeps both near 1e-10.
    """
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + epsilon
        above = loss()
        array[index] = original - epsilon
        below = loss()
        array[index] = original
        gradient[index] = (above - below) / (2 * epsilon)
    return gradient


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max |a - n| / max(|a| + |n|): scale-free, and 0 when both are exactly zero."""
    scale = np.abs(analytic) + np.abs(numeric)
    return float(np.max(np.abs(analytic - numeric)) / max(float(np.max(scale)), 1e-300))
