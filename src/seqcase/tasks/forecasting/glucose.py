"""Clinical accuracy of glucose forecasts in mg/dL: MARD and the Clarke error grid.

Clarke et al. (1987) sort each (reference, prediction) pair by what a patient acting on the
prediction would do: A within 20 % (or both hypoglycaemic), B benign, C overcorrection, D a
dangerous failure to detect, E treatment the wrong way round.
"""

from __future__ import annotations

import numpy as np

ZONES = ("A", "B", "C", "D", "E")


def mard(reference: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute relative difference, in percent of the reference."""
    reference = np.asarray(reference, dtype=np.float64)
    return float(100 * np.mean(np.abs(np.asarray(predicted, dtype=np.float64) - reference) / reference))


def clarke_zones(reference: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The Clarke zone letter of every pair (the boundaries of the usual published implementation)."""
    ref = np.asarray(reference, dtype=np.float64)
    pred = np.asarray(predicted, dtype=np.float64)
    zone_a = ((ref <= 70) & (pred <= 70)) | ((pred <= 1.2 * ref) & (pred >= 0.8 * ref))
    zone_e = ((ref >= 180) & (pred <= 70)) | ((ref <= 70) & (pred >= 180))
    zone_c = (((ref >= 70) & (ref <= 290)) & (pred >= ref + 110)) | (
        ((ref >= 130) & (ref <= 180)) & (pred <= (7 / 5) * ref - 182))
    zone_d = ((ref >= 240) & (pred >= 70) & (pred <= 180)) | ((ref <= 175 / 3) & (pred <= 180) & (pred >= 70)) | (
        ((ref >= 175 / 3) & (ref <= 70)) & (pred >= (6 / 5) * ref))
    return np.select([zone_a, zone_e, zone_c, zone_d], ["A", "E", "C", "D"], default="B")


def clarke_shares(reference: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Share of pairs in each zone, and in A or B together (the usual headline)."""
    zones = clarke_zones(reference, predicted)
    shares = {f"clarke_{zone.lower()}": float(np.mean(zones == zone)) for zone in ZONES}
    shares["clarke_ab"] = shares["clarke_a"] + shares["clarke_b"]
    return shares
