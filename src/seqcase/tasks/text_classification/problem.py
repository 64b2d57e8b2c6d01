"""What a text network is given: token ids from Keras' own tokenizer, which the saved model keeps."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqcase.models.networks import KeepLastTokens, classification_head
from seqcase.splits import Split
from seqcase.tasks.text_classification.data import PreparedTexts
from seqcase.training import Arrays, LearningProblem


def learning_problem(prepared: PreparedTexts) -> LearningProblem:
    """Token ids from a TextVectorization adapted on the training texts (one per vocabulary size).

    `sequence_length` words are kept: the first ones (TextVectorization's cut), or with
    `kept_words: last` the last ones. Networks fit on the ids; the saved model puts the tokenizer in
    front, so it reads raw text.
    """
    vocabularies: dict[int, keras.layers.TextVectorization] = {}
    tokens: dict[tuple, tuple[Arrays, Arrays]] = {}

    def tokenizer(hyperparameters: dict) -> keras.Sequential:
        vocabulary_size, length = int(hyperparameters["vocabulary_size"]), int(hyperparameters["sequence_length"])
        if vocabulary_size not in vocabularies:
            layer = keras.layers.TextVectorization(max_tokens=vocabulary_size, name="words")
            # The texts stay Python strings: astype(str) would copy them into a fixed-width array of
            # the longest review's size (1 GB for 26 MB of IMDB text).
            layer.adapt(tf.data.Dataset.from_tensor_slices(prepared.part(Split.TRAIN)[0].astype(object)).batch(1024))
            vocabularies[vocabulary_size] = layer
        vocabulary = vocabularies[vocabulary_size].get_vocabulary()
        if hyperparameters.get("kept_words", "first") == "last":
            return keras.Sequential([keras.layers.TextVectorization(vocabulary=vocabulary, name="words"),
                                     KeepLastTokens(length, name="last_words")], name="tokenizer")
        return keras.Sequential([keras.layers.TextVectorization(vocabulary=vocabulary, output_sequence_length=length,
                                                                name="words")], name="tokenizer")

    def token_ids(layer: keras.Sequential, texts: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(layer(chunk.astype(object)), dtype=np.int32)
                               for chunk in np.array_split(texts, max(1, len(texts) // 1000))])

    def datasets(hyperparameters: dict) -> tuple[Arrays, Arrays]:
        key = tuple(hyperparameters.get(name) for name in ("vocabulary_size", "sequence_length", "kept_words"))
        if key not in tokens:
            layer = tokenizer(hyperparameters)
            tokens[key] = tuple((token_ids(layer, texts), labels.astype(np.int64))
                                for texts, labels in (prepared.part(Split.TRAIN), prepared.part(Split.VALIDATION)))
        return tokens[key]

    def export(model: keras.Model, hyperparameters: dict) -> keras.Model:
        raw = keras.Input(shape=(), dtype="string", name="text")
        return keras.Model(raw, model(tokenizer(hyperparameters)(raw)), name=model.name)

    return LearningProblem(classification_head(2), datasets,
                           lambda hyperparameters: (int(hyperparameters["sequence_length"]),), None, export,
                           prepared.part(Split.VALIDATION)[0][:8].astype(object))
