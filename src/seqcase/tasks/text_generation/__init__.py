"""Text generation: a corpus as one stream of characters; character language models predict the
next character at every step (many-to-many), then write new text one character at a time
(one-to-many).

data: the corpus, the split by position, the vocabulary. problem: what the networks get. ngram:
add-k and Kneser-Ney baselines. language: held-out bits per character, the block bootstrap,
sampling. scoring: every model on the test text, samples and the verdict. report: its tables and
figures. A language model writes rather than predicts rows: `python -m seqcase generate`.
"""

from __future__ import annotations

from pathlib import Path

from seqcase.errors import UserError
from seqcase.tasks.base import PackageTask
from seqcase.tasks.text_generation.schema import GenerationCase



class TextGeneration(PackageTask):
    """A language model writes rather than predicts rows: `predict` refuses, naming the command that serves it."""

    def predict(self, request, input_path: Path):
        raise UserError(f"{request.case_name} is a language model: `python -m seqcase generate --case "
                        f"{request.case_name}` samples text from it")


TASK = TextGeneration(__name__, "text_generation", GenerationCase, ("bits_per_character", False),
                      step_label="characters before the predicted one")
