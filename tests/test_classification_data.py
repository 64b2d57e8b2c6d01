"""The classification task: UCR files, the stratified validation split, labels and class weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqcase.tasks.classification.schema import ClassificationPrepare
from seqcase.tasks.classification import data as classification
from seqcase.tasks.classification.predict import inference_inputs


def make_beats(counts: dict[int, int], steps: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequences whose level is their class, with noise; labels as UCR files write them (floats)."""
    rng = np.random.default_rng(seed)
    labels = np.concatenate([[float(label)] * count for label, count in counts.items()])
    values = labels[:, None] + rng.normal(0, 0.3, (len(labels), steps))
    return values, labels


def write_ucr(path, values: np.ndarray, labels: np.ndarray) -> None:
    np.savetxt(path, np.column_stack([labels, values]), delimiter="\t", fmt="%.6g")


def test_ucr_files_read_labels_as_text_whatever_their_number_format(tmp_path):
    values, labels = make_beats({1: 3, 2: 2})
    write_ucr(tmp_path / "beats.tsv", values, labels)
    read_values, read_labels = classification.read_sequences(tmp_path / "beats.tsv", ClassificationPrepare(train_file="x"))
    assert read_values.shape == (5, 12) and read_labels.tolist() == ["1", "1", "1", "2", "2"]


def test_validation_is_stratified_from_the_training_file_and_the_test_file_kept():
    train = make_beats({1: 50, 2: 30, 3: 10, 4: 5})
    test = make_beats({1: 40, 2: 20, 3: 5, 4: 2}, seed=1)
    config = ClassificationPrepare(train_file="x", test_file="y", validation_fraction=0.2, class_weight="none")
    prepared, summary = classification.prepare_sequences((train[0], train[1].astype(int).astype(str)),
                                                         (test[0], test[1].astype(int).astype(str)), config)
    assert summary["per_split"]["validation"] == {"1": 10, "2": 6, "3": 2, "4": 1}
    assert summary["per_split"]["train"] == {"1": 40, "2": 24, "3": 8, "4": 4}
    assert summary["per_split"]["test"] == {"1": 40, "2": 20, "3": 5, "4": 2}
    assert (prepared.split[:95] < 2).all() and (prepared.split[95:] == 2).all()
    training_values = train[0][prepared.split[:95] == 0]
    assert prepared.inputs[prepared.split == 0].mean() == pytest.approx(0.0, abs=1e-5)
    assert float(prepared.inputs[0, 0, 0]) == pytest.approx((train[0][0, 0] - training_values.mean()) / training_values.std(), rel=1e-5)
    assert prepared.class_weight is None


def test_without_a_test_file_the_test_part_is_stratified_too():
    values, labels = make_beats({1: 60, 2: 20})
    config = ClassificationPrepare(train_file="x", test_fraction=0.25, validation_fraction=0.25, class_weight="none")
    prepared, summary = classification.prepare_sequences((values, labels.astype(int).astype(str)), None, config)
    assert summary["per_split"]["test"] == {"1": 15, "2": 5}
    assert summary["per_split"]["validation"] == {"1": 11, "2": 4}


def test_balanced_class_weights_follow_the_training_counts():
    train = make_beats({1: 60, 2: 15})
    config = ClassificationPrepare(train_file="x", validation_fraction=0.2, class_weight="balanced")
    prepared, _ = classification.prepare_sequences((train[0], train[1].astype(int).astype(str)), None, config)
    _, labels = prepared.part("train")
    counts = np.bincount(labels)
    for index, weight in prepared.class_weight.items():
        assert weight == pytest.approx(len(labels) / (2 * counts[index]))
    explicit = ClassificationPrepare(train_file="x", class_weight={2: 5.0})
    prepared, _ = classification.prepare_sequences((train[0], train[1].astype(int).astype(str)), None, explicit)
    assert prepared.class_weight == {0: 1.0, 1: 5.0}


def test_a_class_too_rare_to_split_is_named():
    values, labels = make_beats({1: 20, 2: 1})
    with pytest.raises(ValueError, match=r"class\(es\) \['2'\] have fewer than 2 examples"):
        classification.prepare_sequences((values, labels.astype(int).astype(str)), None,
                                         ClassificationPrepare(train_file="x"))


def test_prepared_sequences_round_trip(tmp_path):
    values, labels = make_beats({1: 20, 2: 10})
    config = ClassificationPrepare(train_file="x", class_names={1: "normal", "2": "odd"})
    prepared, summary = classification.prepare_sequences((values, labels.astype(int).astype(str)), None, config)
    classification.save_prepared(prepared, summary, tmp_path / "prepared")
    loaded = classification.load_prepared(tmp_path / "prepared")
    assert loaded.class_names == ("normal", "odd") and loaded.class_weight == prepared.class_weight
    np.testing.assert_array_equal(loaded.inputs, prepared.inputs)


def test_new_sequences_are_scaled_with_the_training_parts_statistics():
    values, labels = make_beats({1: 20, 2: 10})
    config = ClassificationPrepare(train_file="x", label_column="label")
    prepared, _ = classification.prepare_sequences((values, labels.astype(int).astype(str)), None, config)
    frame = pd.DataFrame(values, columns=[f"step_{index}" for index in range(values.shape[1])])
    inputs = inference_inputs(frame.assign(label=labels), config, prepared.serving_facts())
    np.testing.assert_allclose(inputs, prepared.inputs, atol=1e-6)
    facts = prepared.serving_facts()
    assert facts["value_mean"] == pytest.approx(values[prepared.split == 0].mean())
    with pytest.raises(ValueError, match="rows have 11 values; the model reads sequences of 12"):
        inference_inputs(frame.iloc[:, :11], config, facts)


def prepare_both(train_counts: dict, test_counts: dict, **config):
    train, test = make_beats(train_counts), make_beats(test_counts, seed=1)
    prepare = ClassificationPrepare(**{"train_file": "x", "test_file": "y", "validation_fraction": 0.2,
                                       "class_weight": "none", **config})
    return classification.prepare_sequences((train[0], train[1].astype(int).astype(str)),
                                            (test[0], test[1].astype(int).astype(str)), prepare)


def test_a_source_with_one_class_is_refused_not_scored_perfect():
    with pytest.raises(classification.DataError, match=r"^the training part has one class \('1'\); a classifier "
                                                        r"needs two or more"):
        prepare_both({1: 40}, {1: 10})


def test_a_label_with_a_single_training_sequence_is_refused_as_a_likely_typo():
    values, labels = make_beats({1: 40, 2: 30})
    labels = labels.astype(int).astype(str)
    labels[0] = "11"  # a typo: a class of its own, one sequence
    with pytest.raises(classification.DataError, match="fewer than 2 examples"):  # the stratified split sees it first
        classification.prepare_sequences((values, labels), None, ClassificationPrepare(train_file="x"))


def test_every_class_must_be_named_when_class_names_are_given():
    with pytest.raises(classification.DataError, match=r"prepare.class_names names \['1', '2'\] but the data also "
                                                        r"has label\(s\) \['3'\]"):
        prepare_both({1: 20, 2: 20, 3: 20}, {1: 5, 2: 5, 3: 5}, class_names={1: "normal", 2: "PVC"})


def test_a_part_too_small_to_do_its_job_is_refused_with_the_count():
    with pytest.raises(classification.DataError, match=r"the test part has 1 sequences; at least 2 are needed to "
                                                        r"score on"):
        prepare_both({1: 20, 2: 20}, {1: 1})
