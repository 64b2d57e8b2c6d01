"""A corpus as a character stream: the split by position, windows, held-out scoring and sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcase.tasks.text_generation.schema import GenerationPrepare
from seqcase.splits import SPLIT_NAMES
from seqcase.tasks.text_generation import data as generation
from seqcase.tasks.text_generation import language


def test_the_corpus_is_split_by_position_and_the_vocabulary_comes_from_training_alone():
    text = "ab\r\n" * 40 + "abc<br />" + "ab" * 5 + "z" * 10  # z: only in the test part
    prepared, summary = generation.prepare_corpus(text, GenerationPrepare(validation_fraction=0.25, test_fraction=0.1))
    assert "\r" not in generation.decode(prepared.ids, prepared.vocabulary)
    length = len(prepared.ids)
    test_start = round(length * 0.9)
    assert prepared.boundaries == (round(test_start * 0.75), test_start)
    assert set(prepared.vocabulary) == {"a", "b", "\n"}  # c, <, z... come after the training part
    assert prepared.vocabulary_size == 5
    assert (prepared.part("test") == generation.UNKNOWN_ID).sum() == summary["unknown_characters"]["test"] >= 10
    assert summary["unknown_characters"]["train"] == 0
    assert sum(part["characters"] for part in summary["per_split"].values()) == length
    assert np.array_equal(np.concatenate([prepared.part(name) for name in SPLIT_NAMES]), prepared.ids)


def test_rare_training_characters_become_the_unknown_id_and_decoding_round_trips():
    vocabulary = generation.build_vocabulary("aaabbc", min_count=2)
    assert vocabulary == ("a", "b")
    ids = generation.encode("abcab", vocabulary)
    assert ids.tolist() == [2, 3, 1, 2, 3]
    assert generation.decode(ids, vocabulary) == "ab" + generation.UNKNOWN_CHARACTER + "ab"


def test_a_training_window_predicts_its_next_characters():
    ids = np.arange(20)
    inputs, targets = generation.training_windows(ids, window_length=5, stride=4)
    assert inputs.shape == targets.shape == (4, 5)
    assert inputs[1].tolist() == [4, 5, 6, 7, 8] and targets[1].tolist() == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="no window"):
        generation.training_windows(ids[:5], window_length=5, stride=1)


@pytest.mark.parametrize(("length", "window_length"), [(2, 8), (9, 8), (10, 8), (37, 8), (100, 10), (101, 7)])
def test_scoring_windows_predict_every_character_once_from_half_a_window(length, window_length):
    windows = language.scoring_windows(length, window_length)
    steps = min(window_length, length - 1)
    scored = [(start + offset + 1, offset + 1) for start, first in windows for offset in range(first, steps)]
    assert [character for character, _ in scored] == list(range(1, length))
    assert all(start >= 0 and start + steps <= length - 1 for start, _ in windows)
    assert all(context >= min(character, steps // 2) for character, context in scored)


def bigram_predict(table: np.ndarray):
    """A 'network' whose every step predicts from the current character alone (rows of `table`)."""
    return lambda windows: table[windows]


def test_a_network_is_scored_on_the_same_characters_as_an_ngram_model():
    rng = np.random.default_rng(0)
    table = rng.dirichlet(np.ones(6), size=6)
    ids = rng.integers(2, 6, 50)
    log2 = language.model_log2_probabilities(bigram_predict(table), ids, window_length=8)
    assert np.allclose(log2, np.log2(table[ids[:-1], ids[1:]]))


def test_sampling_is_deterministic_at_a_low_temperature_and_never_draws_padding_or_unknown():
    vocabulary_size = 6
    cycle = np.full((vocabulary_size, vocabulary_size), 0.02)
    for current in range(vocabulary_size):
        cycle[current, 2 + (current - 1) % 4] = 0.9  # after 2 comes 3, after 5 comes 2; 0 and 1 tempting too
    cycle /= cycle.sum(axis=1, keepdims=True)

    def next_distribution(histories: np.ndarray) -> np.ndarray:
        return cycle[histories[:, -1]]

    sharp, flat = language.sample_texts(next_distribution, np.array([2]), 40, [0.05, 5.0], 3,
                                          np.random.default_rng(1))
    assert sharp[:6].tolist() == [3, 4, 5, 2, 3, 4]
    assert (sharp >= 2).all() and (flat >= 2).all() and len(flat) == 40
    assert len(set(flat.tolist())) == 4 and not np.array_equal(flat, sharp)


def test_uniform_networks_need_log2_of_the_vocabulary_bits():
    ids = np.arange(2, 12) % 7
    uniform = lambda windows: np.full((*windows.shape, 7), 1 / 7)  # noqa: E731
    assert -language.model_log2_probabilities(uniform, ids, 4).mean() == pytest.approx(math.log2(7))


def test_a_corpus_too_short_for_the_longest_window_is_refused_at_prepare(tmp_path, raw_params):
    from seqcase.params import get_case, parse_params

    (tmp_path / "verses.txt").write_text("the king sees the night. " * 20)  # 500 characters
    raw_params["sources"]["verses"] = {"kind": "file", "path": "verses.txt", "sha256": "0" * 64}
    raw_params["cases"] = {"verses": {
        "task": "text_generation", "source": "verses", "description": "Verses.", "prepare": {},
        "models": {"gru": {}}, "tune": {"search_space": {"window_length": [16, 64], "embedding_dim": 4}},
        "train": {}, "baselines": {"add_k": {}}, "evaluate": {"seed_text": "the "}}}
    case = get_case(parse_params(raw_params), "verses")
    with pytest.raises(generation.DataError, match=r"^the corpus: the train part has \d+ characters; at least 640 "
                                                   r"are needed to learn from; each part needs more than the longest "
                                                   r"window \(64 characters\)"):
        generation.prepare(case, lambda name: tmp_path / "verses.txt", seed=0)
