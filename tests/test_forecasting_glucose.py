"""Clarke error grid zones and MARD on points whose zone is known."""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.tasks.forecasting.glucose import clarke_shares, clarke_zones, mard

# (reference, prediction, zone) in mg/dL, each a textbook case of its zone.
KNOWN = [
    (100, 100, "A"), (100, 119, "A"), (200, 165, "A"), (50, 65, "A"),  # within 20 %, or both below 70
    (100, 125, "B"), (300, 200, "B"), (150, 100, "B"),                  # off, but benign
    (100, 215, "C"), (150, 25, "C"),                                    # overcorrection
    (250, 150, "D"), (60, 100, "D"), (50, 120, "D"),                    # a missed high or low
    (50, 200, "E"), (250, 60, "E"),                                     # the wrong way round
]


def test_known_points_fall_in_their_clarke_zones():
    reference, predicted, zones = zip(*KNOWN)
    assert clarke_zones(np.array(reference), np.array(predicted)).tolist() == list(zones)


def test_clarke_shares_add_up_and_a_and_b_together():
    reference, predicted, _ = zip(*KNOWN)
    shares = clarke_shares(np.array(reference), np.array(predicted))
    assert shares["clarke_a"] == pytest.approx(4 / 14) and shares["clarke_ab"] == pytest.approx(7 / 14)
    assert sum(shares[f"clarke_{zone}"] for zone in "abcde") == pytest.approx(1.0)


def test_mard_is_the_mean_relative_error_in_percent():
    assert mard(np.array([100.0, 200.0]), np.array([110.0, 180.0])) == pytest.approx(10.0)
