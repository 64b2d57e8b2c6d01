"""Corpus data: a text read as one stream of characters, for language models that generate text (one-to-many).

The stream is split by position, never at random: neighbouring windows share characters, so a
random split would put the test text inside the training windows. The vocabulary comes from the
training part alone; id 0 is never a character (it stays free as padding) and id 1 stands for any
character the training part lacks or holds too rarely.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.io import atomic_directory, read_json, write_json
from seqcase.splits import SPLIT_NAMES, Split, check_parts, largest_value
from seqcase.tasks.text_generation.schema import GenerationPrepare
PADDING_ID, UNKNOWN_ID, FIRST_CHARACTER_ID = 0, 1, 2
UNKNOWN_CHARACTER = "\ufffd"


@dataclass(frozen=True)
class PreparedCorpus:
    ids: np.ndarray
    boundaries: tuple[int, int]  # where validation starts, where test starts
    vocabulary: tuple[str, ...]  # the character of id FIRST_CHARACTER_ID + i

    @property
    def vocabulary_size(self) -> int:
        """The width of a model's softmax: the characters plus the padding and unknown ids."""
        return len(self.vocabulary) + FIRST_CHARACTER_ID

    def part(self, part: Split | str) -> np.ndarray:
        edges = (0, *self.boundaries, len(self.ids))
        index = Split.of(part)
        return self.ids[edges[index]:edges[index + 1]]

    def describe(self) -> dict[str, str | int]:
        """The facts an MLflow run of this data records as params."""
        return {"characters": len(self.ids), "vocabulary_size": self.vocabulary_size,
                "training_characters": self.boundaries[0]}

    def serving_facts(self) -> dict:
        """The logged model reads character ids: the vocabulary maps them back to text."""
        return {"vocabulary": list(self.vocabulary), "first_character_id": FIRST_CHARACTER_ID}


def read_corpus(path: Path, config: GenerationPrepare) -> str:
    """A plain-text file, or a CSV whose `text_column` rows are joined, one per line."""
    if config.text_column is None:
        text = path.read_text(encoding="utf-8")
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if config.text_column not in frame.columns:
            raise DataError(f"{path}: no column {config.text_column!r}; the file has {list(frame.columns)}")
        text = "\n".join(frame[config.text_column])
    return text


def clean_corpus(text: str, config: GenerationPrepare) -> str:
    """Line ends unified, HTML line breaks (reviews) as new lines, optionally lower case, cut to size."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for line_break in ("<br />", "<br/>", "<br>"):
        text = text.replace(line_break, "\n")
    if config.lowercase:
        text = text.lower()
    return text if config.max_characters is None else text[:config.max_characters]


def build_vocabulary(training_text: str, min_count: int) -> tuple[str, ...]:
    """Characters seen at least `min_count` times in the training part, most frequent first
    (ties in code-point order, so the ids do not depend on a dictionary's order)."""
    counts = Counter(training_text)
    return tuple(sorted((character for character, count in counts.items() if count >= min_count),
                        key=lambda character: (-counts[character], character)))


def encode(text: str, vocabulary: tuple[str, ...]) -> np.ndarray:
    index = {character: FIRST_CHARACTER_ID + position for position, character in enumerate(vocabulary)}
    return np.fromiter((index.get(character, UNKNOWN_ID) for character in text), dtype=np.int32, count=len(text))


def decode(ids: np.ndarray, vocabulary: tuple[str, ...]) -> str:
    characters = ("", UNKNOWN_CHARACTER, *vocabulary)
    return "".join(characters[int(i)] for i in ids)


def prepare_corpus(text: str, config: GenerationPrepare) -> tuple[PreparedCorpus, dict]:
    """Split by position (test last), the vocabulary from the training part, the ids of all of it."""
    text = clean_corpus(text, config)
    test_start = int(round(len(text) * (1 - config.test_fraction)))
    validation_start = int(round(test_start * (1 - config.validation_fraction)))
    if min(validation_start, test_start - validation_start, len(text) - test_start) < 2:
        raise DataError(f"the corpus has {len(text)} characters: too few for a training, a validation and a "
                         "test part of at least two each")
    vocabulary = build_vocabulary(text[:validation_start], config.min_character_count)
    ids = encode(text, vocabulary)
    unknown = ids == UNKNOWN_ID
    summary = {
        "characters": len(text), "vocabulary_size": len(vocabulary) + FIRST_CHARACTER_ID,
        "per_split": {name: {"characters": int(size)} for name, size in
                      zip(SPLIT_NAMES, (validation_start, test_start - validation_start, len(text) - test_start))},
        "unknown_characters": {name: int(unknown[start:end].sum()) for name, start, end in
                               zip(SPLIT_NAMES, (0, validation_start, test_start), (validation_start, test_start, len(text)))},
        "lines": text.count("\n") + 1,
    }
    return PreparedCorpus(ids, (validation_start, test_start), vocabulary), summary


def training_windows(ids: np.ndarray, window_length: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of `window_length` characters every `stride`, and the same windows one character on:
    the target at each step is the next character (many-to-many)."""
    starts = np.arange(0, len(ids) - window_length, stride)
    if len(starts) == 0:
        raise ValueError(f"{len(ids)} characters hold no window of {window_length} plus the next character")
    steps = np.arange(window_length)
    return ids[starts[:, None] + steps], ids[starts[:, None] + steps + 1]


def prepare(case, locate, seed: int) -> tuple[PreparedCorpus, dict]:
    """The source's text to character ids split by position (nothing here is random)."""
    prepared, summary = prepare_corpus(read_corpus(locate(case.prepare.file), case.prepare), case.prepare)
    window_length = largest_value([spec.search_space for spec in case.models.values()], "window_length") or 1
    sizes = {Split.of(name): part["characters"] for name, part in summary["per_split"].items()}
    check_parts(sizes, "characters", "the corpus",
                f"each part needs more than the longest window ({window_length} characters) to learn from, or to "
                "score on: a longer text, shorter windows or other fractions",
                minimum={Split.TRAIN: 10 * window_length, Split.VALIDATION: window_length + 1,
                         Split.TEST: window_length + 1})
    return prepared, summary


def save_prepared(prepared: PreparedCorpus, summary: dict, directory: Path) -> None:
    with atomic_directory(directory) as temporary:
        np.save(temporary / "ids.npy", prepared.ids)
        write_json(temporary / "meta.json", {"task": "text_generation", "vocabulary": list(prepared.vocabulary),
                                             "boundaries": list(prepared.boundaries), "summary": summary})


def load_prepared(directory: Path) -> PreparedCorpus:
    meta = read_json(Path(directory) / "meta.json")
    return PreparedCorpus(np.load(Path(directory) / "ids.npy"), tuple(meta["boundaries"]), tuple(meta["vocabulary"]))
