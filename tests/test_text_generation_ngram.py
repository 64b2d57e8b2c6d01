"""Character n-gram baselines: proper distributions, Kneser-Ney by hand, the search on validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcase.tasks.text_generation.schema import AddKOptions, KneserNeyOptions
from seqcase.tasks.text_generation.ngram import CharacterNgramModel, bits_per_character, count_ngrams, fit_ngram_baselines

VOCABULARY = 6  # ids 0 and 1 are padding and unknown; the texts below use 2..5


def ids(text: str) -> np.ndarray:
    return np.array([ord(character) - ord("a") + 2 for character in text])


@pytest.mark.parametrize("smoothing", ["kneser_ney", "add_k"])
@pytest.mark.parametrize("history", ["", "a", "ab", "dd", "cab", "zz"])
def test_every_history_gets_a_distribution_over_the_whole_vocabulary(smoothing, history):
    model = CharacterNgramModel(count_ngrams(ids("abcabcabdab"), 3), VOCABULARY, smoothing)
    history_ids = np.array([min(i, VOCABULARY - 1) for i in ids(history)], dtype=int)
    distribution = model.distribution(history_ids[None, :])[0]
    assert distribution.shape == (VOCABULARY,)
    assert distribution.sum() == pytest.approx(1.0, abs=1e-12) and (distribution > 0).all()


def test_kneser_ney_bigram_matches_the_formula_by_hand():
    # "abab": bigrams ab, ba, ab. After "a": count(ab) = 2, one type; continuation counts of the
    # unigrams: b is preceded by {a}, a by {b}: 1 each out of 2.
    model = CharacterNgramModel(count_ngrams(ids("abab"), 2), VOCABULARY, discount=0.5)
    lower_b = (1 - 0.5) / 2 + 0.5 * 2 / 2 / VOCABULARY  # discounted continuation + uniform
    expected_b = (2 - 0.5) / 2 + 0.5 * 1 / 2 * lower_b
    assert model.probability(ids("a"), ids("b")[0]) == pytest.approx(expected_b)
    lower_c = 0.5 * 2 / 2 / VOCABULARY  # c never seen: only the uniform share reaches it
    assert model.probability(ids("a"), ids("c")[0]) == pytest.approx(0.5 * 1 / 2 * lower_c)


def test_add_k_matches_the_formula_by_hand():
    model = CharacterNgramModel(count_ngrams(ids("abab"), 2), VOCABULARY, "add_k", k=0.5)
    assert model.probability(ids("a"), ids("b")[0]) == pytest.approx((2 + 0.5) / (2 + 0.5 * VOCABULARY))
    assert model.probability(ids("d"), ids("b")[0]) == pytest.approx(1 / VOCABULARY)  # unseen history


def test_bits_per_character_of_a_uniform_model_is_log2_of_the_vocabulary():
    model = CharacterNgramModel(count_ngrams(ids("a"), 1), VOCABULARY, "add_k", k=1e9)
    assert bits_per_character(model.log2_probabilities(ids("abcdabcd"))) == pytest.approx(math.log2(VOCABULARY))


def test_the_search_picks_the_order_that_the_validation_text_rewards():
    periodic = ids("abcd" * 50)  # after three characters the next one is certain; after one it is too
    shuffled = ids("abdc" * 3 + "acbd" * 3)
    fitted = fit_ngram_baselines(periodic, ids("abcd" * 10), VOCABULARY,
                                 {"kneser_ney": KneserNeyOptions(order=[1, 2, 3]),
                                  "add_k": AddKOptions(order=[1, 2], k=[0.01, 1.0])})
    model, chosen, grid = fitted["kneser_ney"]
    assert len(grid) == 3 and chosen["order"] in (2, 3)
    unigram = next(entry for entry in grid if entry["order"] == 1)
    assert unigram["validation_bits_per_character"] == pytest.approx(2.0, abs=0.05)  # four equally common characters
    assert bits_per_character(model.log2_probabilities(ids("abcd" * 10))) < 0.3
    assert fitted["add_k"][1] == {"order": 2, "k": 0.01}
    assert bits_per_character(model.log2_probabilities(shuffled)) > 1.0
