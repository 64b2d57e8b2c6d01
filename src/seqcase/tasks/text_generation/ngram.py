"""Character n-gram language models: the classical baseline a recurrent language model must beat.

Two smoothings, both proper distributions over the whole vocabulary for every history:
- add-k: the order-n counts plus k for every character (an unseen history is uniform);
- interpolated Kneser-Ney (Chen and Goodman 1999): absolute discounting of the highest order,
  interpolated with lower orders built on continuation counts (how many different characters
  precede an n-gram), down to a uniform distribution.

Characters are integer ids (0 .. vocabulary_size - 1); they are kept as one-character strings so
that n-grams are string slices and dictionary keys.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from seqcase.evaluation.work import fit_each


def _as_text(ids: np.ndarray) -> str:
    return "".join(map(chr, np.asarray(ids, dtype=np.int64).tolist()))


def _by_history(table: Counter) -> dict[str, tuple[int, int]]:
    """history -> (total count of what follows it, how many different characters follow it)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for gram, count in table.items():
        entry = totals[gram[:-1]]
        entry[0] += count
        entry[1] += 1
    return {history: (total, types) for history, (total, types) in totals.items()}


@dataclass(frozen=True)
class NgramCounts:
    """The counts of every n-gram up to `order` of a training text; smoothing only reads them."""

    order: int
    counts: dict[int, Counter]  # n -> n-gram -> count
    continuation: dict[int, Counter]  # n < order -> n-gram -> how many different characters precede it
    totals: dict[int, dict[str, tuple[int, int]]]
    continuation_totals: dict[int, dict[str, tuple[int, int]]]


def count_ngrams(ids: np.ndarray, order: int) -> NgramCounts:
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order}")
    text = _as_text(ids)
    counts = {n: Counter(text[i:i + n] for i in range(len(text) - n + 1)) for n in range(1, order + 1)}
    continuation = {n: Counter(gram[1:] for gram in counts[n + 1]) for n in range(1, order)}
    return NgramCounts(order, counts, continuation, {n: _by_history(table) for n, table in counts.items()},
                       {n: _by_history(table) for n, table in continuation.items()})


class CharacterNgramModel:
    """P(next character | the last order-1) with `smoothing` "kneser_ney" (`discount`) or "add_k" (`k`)."""

    def __init__(self, counts: NgramCounts, vocabulary_size: int, smoothing: str = "kneser_ney",
                 discount: float = 0.75, k: float = 0.1) -> None:
        if smoothing not in ("kneser_ney", "add_k"):
            raise ValueError(f"smoothing must be kneser_ney or add_k, not {smoothing!r}")
        if smoothing == "kneser_ney" and not 0 < discount < 1:
            raise ValueError(f"discount must lie in (0, 1), not {discount}")
        if smoothing == "add_k" and k <= 0:
            raise ValueError(f"k must be positive, not {k}")
        self.counts, self.order, self.vocabulary_size = counts, counts.order, vocabulary_size
        self.smoothing, self.discount, self.k = smoothing, discount, k

    def _kneser_ney(self, history: str, character: str, highest: bool) -> float:
        n = len(history) + 1
        # The highest order used (the model's, or a shorter one at the start of a text) reads the
        # counts; lower orders read continuation counts.
        uses_counts = highest or n == self.order
        table = self.counts.counts[n] if uses_counts else self.counts.continuation[n]
        totals = self.counts.totals if uses_counts else self.counts.continuation_totals
        total, types = totals[n].get(history, (0, 0))
        lower = 1.0 / self.vocabulary_size if n == 1 else self._kneser_ney(history[1:], character, False)
        if total == 0:
            return lower
        return max(table.get(history + character, 0) - self.discount, 0.0) / total + self.discount * types / total * lower

    def _add_k(self, history: str, character: str) -> float:
        n = len(history) + 1
        total, _ = self.counts.totals[n].get(history, (0, 0))
        return (self.counts.counts[n].get(history + character, 0) + self.k) / (total + self.k * self.vocabulary_size)

    def _probability(self, history: str, character: str) -> float:
        history = history[max(0, len(history) - self.order + 1):] if self.order > 1 else ""
        if self.smoothing == "add_k":
            return self._add_k(history, character)
        return self._kneser_ney(history, character, highest=True)

    def probability(self, history: np.ndarray, character: int) -> float:
        """P(character | the last order-1 characters of history)."""
        return self._probability(_as_text(history), chr(int(character)))

    def distribution(self, histories: np.ndarray) -> np.ndarray:
        """The next character's probabilities after each history (a row of ids), over the vocabulary."""
        return np.array([[self._probability(text, chr(character)) for character in range(self.vocabulary_size)]
                         for text in map(_as_text, np.atleast_2d(histories))])

    def log2_probabilities(self, ids: np.ndarray) -> np.ndarray:
        """log2 P of each character from the second on, given the ones before it in `ids` alone."""
        text = _as_text(ids)
        return np.log2([self._probability(text[max(0, position - self.order + 1):position], text[position])
                        for position in range(1, len(text))])


def bits_per_character(log2_probabilities: np.ndarray) -> float:
    """The mean number of bits a model needs per character: the held-out cross-entropy in base 2."""
    return float(-np.mean(log2_probabilities))


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def fit_ngram_baselines(training: np.ndarray, validation: np.ndarray, vocabulary_size: int,
                        chosen: dict) -> dict[str, tuple[CharacterNgramModel, dict, list[dict]]]:
    """Each configured smoothing fitted on the training part, its order (and discount or k) chosen
    by the validation part's bits per character, the way the networks' hyperparameters are tuned.

    `chosen` maps "kneser_ney" / "add_k" to their options; returns name -> (model, the chosen
    setting, every setting tried with its validation bits per character).
    """
    counts: dict[int, NgramCounts] = {}  # one count per order, shared by the smoothings

    def fit(name: str, options) -> tuple[CharacterNgramModel, dict, list[dict]]:
        strength = ("discount", options.discount) if name == "kneser_ney" else ("k", options.k)
        search, best = [], None
        for order in _as_list(options.order):
            if order not in counts:
                counts[order] = count_ngrams(training, order)
            for value in _as_list(strength[1]):
                model = CharacterNgramModel(counts[order], vocabulary_size, name, **{strength[0]: value})
                score = bits_per_character(model.log2_probabilities(validation))
                setting = {"order": order, strength[0]: value}
                search.append({**setting, "validation_bits_per_character": score})
                if best is None or score < best[1]:
                    best = (model, score, setting)
        return best[0], best[2], search

    return fit_each(chosen, fit)
