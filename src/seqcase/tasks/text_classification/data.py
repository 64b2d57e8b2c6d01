"""Text data: labelled texts (movie reviews): cleaned, deduplicated before the split, then split stratified.

Deduplication comes first: a review in both the training and the test part would be scored on a
text the model has seen. Tokenising is Keras' (TextVectorization, adapted on the training part
in the tune and train stages), so that the saved model reads raw text.
"""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.io import atomic_directory, atomic_path, read_json, write_json
from seqcase.splits import Split, check_parts, stratified_split
from seqcase.tasks.text_classification.schema import TextPrepare
LINE_BREAK = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PreparedTexts:
    texts: np.ndarray
    labels: np.ndarray
    split: np.ndarray
    class_names: tuple[str, str]

    def part(self, part: Split | str) -> tuple[np.ndarray, np.ndarray]:
        chosen = self.split == Split.of(part)
        return self.texts[chosen], self.labels[chosen]

    def describe(self) -> dict[str, str | int]:
        """The facts an MLflow run of this data records as params."""
        return {"texts": len(self.labels), "classes": ",".join(self.class_names),
                "training_texts": int((self.split == Split.TRAIN).sum())}

    def serving_facts(self) -> dict:
        """A text model reads raw text; predictions only need the class names."""
        return {"class_names": list(self.class_names)}


def clean_text(text: str) -> str:
    """HTML line breaks (`<br />`, 2 in 3 IMDB reviews) become spaces; runs of space become one."""
    return SPACES.sub(" ", LINE_BREAK.sub(" ", text)).strip()


ARCHIVE_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/[^/]+\.txt$")


def read_review_archive(path: Path, config: TextPrepare) -> pd.DataFrame:
    """The Stanford aclImdb_v1.tar.gz layout: one text file per review under {train,test}/{pos,neg}/.

    The folder name is the label (`pos` or `neg`); the archive's unlabelled reviews (unsup/) are left
    out, and the split is made here like any other source's.
    """
    rows = []
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            match = ARCHIVE_MEMBER.search(member.name)
            if member.isfile() and match:
                rows.append((archive.extractfile(member).read().decode("utf-8"), match.group(2)))
    if not rows:
        raise DataError(f"{path}: no */train|test/pos|neg/*.txt member: not an aclImdb-style archive")
    return pd.DataFrame(rows, columns=[config.text_column, config.label_column])


def read_texts(path: Path, config: TextPrepare) -> pd.DataFrame:
    """A CSV with the text and label columns, or a tar archive of text files by label (aclImdb)."""
    if path.name.endswith((".tar.gz", ".tgz", ".tar")):
        return read_review_archive(path, config)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in (config.text_column, config.label_column) if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: no column(s) {missing}; the file has {list(frame.columns)}")
    return frame[[config.text_column, config.label_column]]


def prepare_texts(frame: pd.DataFrame, config: TextPrepare) -> tuple[PreparedTexts, dict]:
    """Clean, drop duplicate texts (the first kept), encode the label, split test then validation."""
    texts = frame[config.text_column].map(clean_text)
    raw_duplicates = int(frame[config.text_column].duplicated().sum())
    positive = str(config.positive_label)
    label_text = frame[config.label_column].astype(str)
    compared = (pd.Series(True, index=frame.index) if config.negative_label is None
                else label_text.isin([positive, str(config.negative_label)]))
    keep = compared & ~texts.where(compared).duplicated() & (texts != "")
    texts, labels_text = texts[keep].to_numpy(dtype=object), label_text[keep].to_numpy()
    found = sorted(set(labels_text))
    if config.negative_label is None and (positive not in found or len(found) != 2):
        raise DataError(f"{config.label_column} must have two values, one of them {positive!r}; found {found}"
                        + ("; name the other in prepare.negative_label to keep those two and drop the rest"
                           if positive in found and len(found) > 2 else ""))
    negative = str(config.negative_label) if config.negative_label is not None else next(
        label for label in found if label != positive)
    missing = [label for label in (positive, negative) if label not in found]
    if missing:
        raise DataError(f"{config.label_column} has no text labelled {missing[0]!r}; it holds "
                        f"{sorted(set(label_text))}")
    labels = (labels_text == positive).astype(np.int8)
    split = np.full(len(labels), Split.TRAIN, dtype=np.int8)
    split[stratified_split(labels, config.test_fraction, config.split_seed)] = Split.TEST
    training_rows = np.flatnonzero(split == Split.TRAIN)
    split[training_rows[stratified_split(labels[training_rows], config.validation_fraction,
                                         config.split_seed)]] = Split.VALIDATION
    for value, name in ((1, positive), (0, negative)):
        check_parts({part: int(((split == part) & (labels == value)).sum()) for part in Split},
                    f"texts labelled {name!r}", config.label_column,
                    "each part needs both labels: give the source more texts of that label",
                    minimum={part: 1 for part in Split})
    words = np.array([len(text.split()) for text in texts])
    summary = {
        "rows": len(frame), "duplicate_rows_in_file": raw_duplicates,
        "dropped_duplicates_after_cleaning": int(compared.sum() - keep.sum()),
        **({"dropped_other_labels": {str(label): int(count) for label, count in
                                     label_text[~compared].value_counts().sort_index().items()}}
           if config.negative_label is not None else {}),
        "texts": len(labels), "classes": f"0: {negative}, 1: {positive}",
        "per_split": {part.label: {"texts": int((split == part).sum()), "positive": int(labels[split == part].sum())}
                      for part in Split},
        "words_median": int(np.median(words)), "words_p90": int(np.percentile(words, 90)),
    }
    return PreparedTexts(texts, labels, split, (negative, positive)), summary


def prepare(case, locate, seed: int) -> tuple[PreparedTexts, dict]:
    """The source's texts cleaned, deduplicated and split (the split has its own seed, prepare.split_seed)."""
    return prepare_texts(read_texts(locate(case.prepare.file), case.prepare), case.prepare)


def save_prepared(prepared: PreparedTexts, summary: dict, directory: Path) -> None:
    with atomic_directory(directory) as temporary:
        table = pd.DataFrame({"text": prepared.texts, "label": prepared.labels, "split": prepared.split})
        with atomic_path(temporary / "texts.parquet") as path:
            table.to_parquet(path, index=False)
        write_json(temporary / "meta.json", {"task": "text_classification", "class_names": list(prepared.class_names),
                                             "summary": summary})


def load_prepared(directory: Path) -> PreparedTexts:
    meta = read_json(Path(directory) / "meta.json")
    table = pd.read_parquet(Path(directory) / "texts.parquet")
    return PreparedTexts(table["text"].to_numpy(dtype=object), table["label"].to_numpy(dtype=np.int8),
                         table["split"].to_numpy(dtype=np.int8), tuple(meta["class_names"]))
