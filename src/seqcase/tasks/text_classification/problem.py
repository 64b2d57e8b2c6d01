"""What a text network is given: token ids from Keras' own tokenizer, which is saved beside it."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqcase.models.networks import classification_head
from seqcase.models.text import TextNetwork, Tokenizer
from seqcase.splits import Split
from seqcase.tasks.base import Arrays, LearningProblem
from seqcase.tasks.text_classification.data import PreparedTexts


def learning_problem(prepared: PreparedTexts) -> LearningProblem:
    """Token ids from a vocabulary adapted on the training texts (one per vocabulary size).

    `sequence_length` words are kept: the first ones (TextVectorization's cut), or with
    `kept_words: last` the last ones. Networks fit on the ids; the saved model keeps its tokenizer
    beside it, so it reads raw text on any backend.
    """
    vocabularies: dict[int, tuple[str, ...]] = {}
    tokens: dict[tuple, tuple[Arrays, Arrays]] = {}

    def tokenizer(hyperparameters: dict) -> Tokenizer:
        vocabulary_size, length = int(hyperparameters["vocabulary_size"]), int(hyperparameters["sequence_length"])
        if vocabulary_size not in vocabularies:
            layer = keras.layers.TextVectorization(max_tokens=vocabulary_size, name="words")
            # The texts stay Python strings: astype(str) would copy them into a fixed-width array of
            # the longest review's size (1 GB for 26 MB of IMDB text). tf.data is TextVectorization's
            # own input on every backend.
            layer.adapt(tf.data.Dataset.from_tensor_slices(prepared.part(Split.TRAIN)[0].astype(object)).batch(1024))
            vocabularies[vocabulary_size] = tuple(layer.get_vocabulary())
        return Tokenizer(vocabularies[vocabulary_size], length, str(hyperparameters.get("kept_words", "first")))

    def datasets(hyperparameters: dict) -> tuple[Arrays, Arrays]:
        key = tuple(hyperparameters.get(name) for name in ("vocabulary_size", "sequence_length", "kept_words"))
        if key not in tokens:
            ids = tokenizer(hyperparameters)
            tokens[key] = tuple((ids(texts), labels.astype(np.int64))
                                for texts, labels in (prepared.part(Split.TRAIN), prepared.part(Split.VALIDATION)))
        return tokens[key]

    def export(model: keras.Model, hyperparameters: dict) -> TextNetwork:
        return TextNetwork(tokenizer(hyperparameters), model)

    return LearningProblem(classification_head(2), datasets,
                           lambda hyperparameters: (int(hyperparameters["sequence_length"]),), None, export,
                           prepared.part(Split.VALIDATION)[0][:8].astype(object))
