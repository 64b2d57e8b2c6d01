"""Bits per character by block, scoring windows and sampling."""

from __future__ import annotations

import numpy as np

from seqcase.tasks.text_generation.language import block_bits


def test_block_bits_are_the_means_of_consecutive_blocks_the_last_one_shorter():
    bits = np.array([1.0, 3.0, 2.0, 2.0, 5.0])
    assert block_bits(bits, 2).tolist() == [2.0, 2.0, 5.0]
