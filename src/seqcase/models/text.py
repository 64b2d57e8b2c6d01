"""A text network: Keras' tokenizer in front of a network on token ids, kept beside it.

Keras' `TextVectorization` runs inside a model on TensorFlow alone; as a layer called on its own it
runs with any backend. So the network is saved on its own (`seed_42.keras`, token ids in) and its
tokenizer beside it (`seed_42.tokenizer.json`: the vocabulary, how many words and which), and
whatever loads the network (evaluate, `python -m seqcase predict`, the pyfunc model) reads raw text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from seqcase.io import atomic_path
from seqcase.models.networks import KeepLastTokens

TOKENIZER_SUFFIX = ".tokenizer.json"
CHUNK = 1000  # texts tokenized at once: a whole split of long reviews as one tensor costs gigabytes


def tokenizer_path(network_path: Path | str) -> Path:
    """Where a text network's tokenizer is kept: beside it, under the same stem."""
    path = Path(network_path)
    return path.with_name(path.stem + TOKENIZER_SUFFIX)


@dataclass(frozen=True)
class Tokenizer:
    """Words to ids with a fixed vocabulary (id 0 pads, 1 is an unknown word): the first
    `sequence_length` words of each text, or with `kept_words: last` the last ones."""

    vocabulary: tuple[str, ...]
    sequence_length: int
    kept_words: str = "first"
    _layers: list = field(default_factory=list, compare=False, repr=False)

    def _layer(self):
        if not self._layers:  # built once, on first use: it holds a TensorFlow lookup table
            import tensorflow  # noqa: F401  Keras' TextVectorization runs on TensorFlow, whatever the backend

            length = None if self.kept_words == "last" else self.sequence_length
            self._layers.append(keras.layers.TextVectorization(vocabulary=list(self.vocabulary),
                                                               output_sequence_length=length, name="words"))
            if self.kept_words == "last":
                self._layers.append(KeepLastTokens(self.sequence_length, name="last_words"))
        return self._layers

    def __call__(self, texts) -> np.ndarray:
        texts = np.asarray(texts, dtype=object)
        chunks = []
        for chunk in np.array_split(texts, max(1, len(texts) // CHUNK)):
            ids = chunk
            for layer in self._layer():
                ids = layer(ids)
            chunks.append(np.asarray(keras.ops.convert_to_numpy(ids), dtype=np.int32))
        return np.concatenate(chunks)

    def save(self, path: Path) -> None:
        with atomic_path(path) as temporary:
            Path(temporary).write_text(json.dumps({"vocabulary": list(self.vocabulary),
                                                   "sequence_length": self.sequence_length,
                                                   "kept_words": self.kept_words}))

    @classmethod
    def load(cls, path: Path | str) -> Tokenizer:
        saved = json.loads(Path(path).read_text())
        return cls(tuple(saved["vocabulary"]), int(saved["sequence_length"]), saved["kept_words"])


class TextNetwork:
    """A network on token ids with its tokenizer in front: texts in, the network's outputs out."""

    def __init__(self, tokenizer: Tokenizer, network: keras.Model) -> None:
        self.tokenizer, self.network = tokenizer, network

    def predict(self, texts, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        return np.asarray(self.network.predict(self.tokenizer(texts), batch_size=batch_size, verbose=verbose))

    def __call__(self, texts, training: bool = False):
        return self.network(self.tokenizer(texts), training=training)

    def save(self, path: Path) -> None:
        """The network at `path`, its tokenizer beside it."""
        self.network.save(path)
        self.tokenizer.save(tokenizer_path(path))
