"""Texts: HTML line breaks stripped, duplicates dropped before the split, a stratified seeded split."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pandas as pd
import pytest

from seqcase.tasks.text_classification.schema import TextPrepare
from seqcase.tasks.text_classification.data import clean_text, load_prepared, prepare_texts, read_texts, save_prepared

CONFIG = TextPrepare(text_column="review", label_column="sentiment", positive_label="positive",
                     test_fraction=0.5, validation_fraction=0.2, split_seed=3)


def make_reviews(per_class: int = 50) -> pd.DataFrame:
    """Distinct reviews, plus three duplicates: one exact, two that differ only in line breaks."""
    rows = [(f"review {label} number {index}<br /><br />the end", label)
            for label in ("positive", "negative") for index in range(per_class)]
    rows += [rows[0], ("review positive number 1 <br/>the end", "positive"),
             ("review negative number 2<BR>  the end", "negative")]
    return pd.DataFrame(rows, columns=["review", "sentiment"])


def test_line_breaks_become_single_spaces():
    assert clean_text("Great.<br /><br />Loved it.<br/>Really<BR>so") == "Great. Loved it. Really so"
    assert clean_text("  two   spaces\n\tand a tab ") == "two spaces and a tab"


def test_duplicates_are_dropped_before_the_split_so_no_text_is_on_both_sides():
    prepared, summary = prepare_texts(make_reviews(), CONFIG)
    assert summary["rows"] == 103 and summary["duplicate_rows_in_file"] == 1
    assert summary["dropped_duplicates_after_cleaning"] == 3 and summary["texts"] == 100
    assert len(set(prepared.texts)) == 100
    train, test = set(prepared.part("train")[0]), set(prepared.part("test")[0])
    assert not train & test and all("<br" not in text.lower() for text in prepared.texts)


def test_the_split_is_stratified_and_seeded():
    prepared, summary = prepare_texts(make_reviews(), CONFIG)
    assert summary["per_split"] == {"train": {"texts": 40, "positive": 20}, "validation": {"texts": 10, "positive": 5},
                                    "test": {"texts": 50, "positive": 25}}
    again, _ = prepare_texts(make_reviews(), CONFIG)
    np.testing.assert_array_equal(prepared.split, again.split)
    other, _ = prepare_texts(make_reviews(), CONFIG.model_copy(update={"split_seed": 4}))
    assert not np.array_equal(prepared.split, other.split)
    assert prepared.class_names == ("negative", "positive")
    assert prepared.labels[prepared.texts == "review positive number 3 the end"].tolist() == [1]


def test_a_label_column_without_the_positive_label_is_refused():
    frame = make_reviews().assign(sentiment=lambda table: table["sentiment"].str.upper())
    with pytest.raises(ValueError, match="one of them 'positive'"):
        prepare_texts(frame, CONFIG)


def test_a_third_label_is_refused_with_the_key_that_keeps_two_and_dropped_once_it_is_set():
    plots = pd.DataFrame([(f"plot summary {index}", "plot") for index in range(7)], columns=["review", "sentiment"])
    frame = pd.concat([make_reviews().head(1).assign(sentiment="plot"), make_reviews(), plots], ignore_index=True)
    with pytest.raises(ValueError, match=r"found \['negative', 'plot', 'positive'\]; name the other in "
                                         r"prepare.negative_label to keep those two and drop the rest"):
        prepare_texts(frame, CONFIG)
    prepared, summary = prepare_texts(frame, CONFIG.model_copy(update={"negative_label": "negative"}))
    reference, reference_summary = prepare_texts(make_reviews(), CONFIG)
    assert summary["dropped_other_labels"] == {"plot": 8} and summary["rows"] == 111
    # A plot sharing a review's text never hides that review: the compared texts are the two labels'.
    assert summary["texts"] == reference_summary["texts"] == 100 and summary["dropped_duplicates_after_cleaning"] == 3
    np.testing.assert_array_equal(prepared.texts, reference.texts)
    np.testing.assert_array_equal(prepared.labels, reference.labels)
    assert prepared.class_names == ("negative", "positive")
    with pytest.raises(ValueError, match=r"sentiment has no text labelled 'rotten'"):
        prepare_texts(frame, CONFIG.model_copy(update={"negative_label": "rotten"}))


def test_a_review_archive_of_text_files_reads_as_the_csv_does(tmp_path):
    """The aclImdb_v1.tar.gz layout: the folder names the label; unlabelled reviews are left out."""
    path = tmp_path / "aclImdb_v1.tar.gz"
    files = {"aclImdb/train/pos/0_9.txt": "Loved it.<br />Again!", "aclImdb/test/neg/1_2.txt": "Dull.",
             "aclImdb/train/unsup/5_0.txt": "no label", "aclImdb/README": "readme"}
    with tarfile.open(path, "w:gz") as archive:
        for name, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    frame = read_texts(path, CONFIG.model_copy(update={"positive_label": "pos"}))
    assert frame.to_dict("records") == [{"review": "Loved it.<br />Again!", "sentiment": "pos"},
                                        {"review": "Dull.", "sentiment": "neg"}]


def test_prepared_texts_round_trip(tmp_path):
    prepared, summary = prepare_texts(make_reviews(), CONFIG)
    save_prepared(prepared, summary, tmp_path / "prepared")
    loaded = load_prepared(tmp_path / "prepared")
    assert list(loaded.texts) == list(prepared.texts) and loaded.class_names == prepared.class_names
    np.testing.assert_array_equal(loaded.split, prepared.split)
