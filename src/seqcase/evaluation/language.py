"""Held-out bits per character, and whether one language model's lead over another is more than luck."""

from __future__ import annotations

import numpy as np


def block_bits(bits: np.ndarray, block: int) -> np.ndarray:
    """Mean bits per character of consecutive blocks of `block` characters (the last may be shorter)."""
    edges = np.arange(0, len(bits), block)
    return np.add.reduceat(bits, edges) / np.diff(np.append(edges, len(bits)))


def paired_block_bootstrap(bits: np.ndarray, reference_bits: np.ndarray, block: int, resamples: int,
                           seed: int) -> dict:
    """The difference in bits per character (model minus reference: below 0, the model is better),
    its 95 % interval, and the one-sided p-value of "the model is better".

    Neighbouring characters are not independent (a word the model knows is cheap all through), so
    whole blocks of `block` characters are resampled, both models on the same blocks.
    """
    if bits.shape != reference_bits.shape:
        raise ValueError(f"the two models scored {len(bits)} and {len(reference_bits)} characters")
    edges = np.arange(0, len(bits), block)
    sums = np.add.reduceat(bits - reference_bits, edges)
    sizes = np.diff(np.append(edges, len(bits)))
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(sums), (resamples, len(sums)))
    differences = sums[chosen].sum(axis=1) / sizes[chosen].sum(axis=1)
    return {"difference": float(np.mean(bits - reference_bits)),
            "p_value": float((np.sum(differences >= 0) + 1) / (resamples + 1)),
            "interval": [float(np.percentile(differences, 2.5)), float(np.percentile(differences, 97.5))]}
