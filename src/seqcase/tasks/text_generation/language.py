"""A language model on held-out text and as a writer: bits per character and sampling one character
at a time.

Held-out text is scored by windows of the tuned length that overlap by half: every character is
predicted once, from at least half a window of context (the first ones of the part from what
precedes them), the way the networks were trained.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seqcase.tasks.text_generation.data import FIRST_CHARACTER_ID


def block_bits(bits: np.ndarray, block: int) -> np.ndarray:
    """Mean bits per character of consecutive blocks of `block` characters (the last may be shorter)."""
    edges = np.arange(0, len(bits), block)
    return np.add.reduceat(bits, edges) / np.diff(np.append(edges, len(bits)))


def scoring_windows(length: int, window_length: int) -> list[tuple[int, int]]:
    """(start, first scored offset) of windows that predict characters 1 .. length - 1 exactly once.

    Windows overlap by half: a window scores its second half, where each character has at least
    half a window of context; the first window scores all of its steps (there is no context before).
    """
    if length < 2:
        raise ValueError("a held-out part needs at least two characters")
    steps = min(window_length, length - 1)
    half = max(1, steps // 2)
    windows, scored_until = [(0, 0)], steps  # window at start s predicts characters s+1 .. s+steps
    while scored_until < length - 1:
        start = min(scored_until - half + 1, length - 1 - steps)
        windows.append((start, scored_until - start))
        scored_until = start + steps
    return windows


def model_log2_probabilities(predict: Callable[[np.ndarray], np.ndarray], ids: np.ndarray,
                             window_length: int) -> np.ndarray:
    """log2 P of characters 1 .. n-1 of `ids` under a network; `predict` maps a batch of windows to
    per-step distributions over the vocabulary."""
    windows = scoring_windows(len(ids), window_length)
    steps = min(window_length, len(ids) - 1)
    inputs = np.stack([ids[start:start + steps] for start, _ in windows])
    targets = np.stack([ids[start + 1:start + steps + 1] for start, _ in windows])
    probabilities = predict(inputs)
    chosen = np.take_along_axis(probabilities, targets[..., None], axis=-1)[..., 0]
    pieces = [chosen[row, first:] for row, (_, first) in enumerate(windows)]
    return np.log2(np.maximum(np.concatenate(pieces).astype(np.float64), np.finfo(np.float64).tiny))


def sample_texts(next_distribution: Callable[[np.ndarray], np.ndarray], seed_ids: np.ndarray, length: int,
                 temperatures: list[float], context_length: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One continuation of the seed per temperature, generated one character at a time (one-to-many).

    `next_distribution` maps a batch of histories (the last `context_length` ids) to the next
    character's probabilities; a temperature below 1 sharpens them, above 1 flattens them. The
    padding and unknown ids are never drawn.
    """
    if len(seed_ids) == 0:
        raise ValueError("the seed text must hold at least one character")
    rows = np.repeat(np.asarray(seed_ids, dtype=np.int32)[None, :], len(temperatures), axis=0)
    inverse_temperature = 1.0 / np.asarray(temperatures, dtype=np.float64)[:, None]
    generated = []
    for _ in range(length):
        probabilities = np.asarray(next_distribution(rows[:, -context_length:]), dtype=np.float64)
        probabilities[:, :FIRST_CHARACTER_ID] = 0.0
        logits = np.log(np.maximum(probabilities, 1e-300)) * inverse_temperature
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=1, keepdims=True)
        chosen = np.array([rng.choice(len(row), p=row) for row in weights], dtype=np.int32)
        generated.append(chosen)
        rows = np.concatenate([rows, chosen[:, None]], axis=1)
    return list(np.stack(generated, axis=1)) if generated else [np.zeros(0, np.int32)] * len(temperatures)


def network_next_distribution(model, context_length: int) -> Callable[[np.ndarray], np.ndarray]:
    """The next character's distribution from a Keras language model (or a seed ensemble of them):
    the output at the history's last step, averaged over the ensemble's members.

    Histories are padded on the right to `context_length`, so that every call has one shape and
    each member compiles once, on any backend; a language model is causal (no layer reads ahead),
    so the padding never reaches the step that is read.
    """
    from seqcase.models.ensemble import SeedEnsemble

    members = model.networks if isinstance(model, SeedEnsemble) else [model]

    def next_distribution(histories: np.ndarray) -> np.ndarray:
        histories = np.asarray(histories, dtype=np.int32)
        length = histories.shape[1]
        if not 1 <= length <= context_length:
            raise ValueError(f"a history of {length} characters; between 1 and {context_length} fit the context")
        inputs = np.pad(histories, [(0, 0), (0, context_length - length)])
        return np.mean([np.asarray(member.predict_on_batch(inputs), dtype=np.float64)[:, length - 1, :]
                        for member in members], axis=0)

    return next_distribution
