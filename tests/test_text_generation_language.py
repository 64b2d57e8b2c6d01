"""Bits per character by block, and the paired block bootstrap between two language models."""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.tasks.text_generation.language import block_bits, paired_block_bootstrap


def test_block_bits_are_the_means_of_consecutive_blocks_the_last_one_shorter():
    bits = np.array([1.0, 3.0, 2.0, 2.0, 5.0])
    assert block_bits(bits, 2).tolist() == [2.0, 2.0, 5.0]


def test_a_model_clearly_better_on_every_block_has_a_small_p_value():
    rng = np.random.default_rng(0)
    reference = rng.gamma(2.0, 1.2, 5000)
    better = reference - 0.3 + rng.normal(0, 0.5, 5000)
    result = paired_block_bootstrap(better, reference, block=100, resamples=500, seed=1)
    assert result["difference"] == pytest.approx(np.mean(better - reference))
    assert result["interval"][0] < result["difference"] < result["interval"][1] < 0
    assert result["p_value"] == pytest.approx(1 / 501)


def test_identical_models_are_not_called_better():
    bits = np.random.default_rng(2).gamma(2.0, 1.2, 1000)
    result = paired_block_bootstrap(bits, bits.copy(), block=50, resamples=200, seed=0)
    assert result["difference"] == 0.0 and result["p_value"] == 1.0


def test_models_scored_on_different_characters_are_refused():
    with pytest.raises(ValueError, match="scored 3 and 4"):
        paired_block_bootstrap(np.ones(3), np.ones(4), 2, 10, 0)
