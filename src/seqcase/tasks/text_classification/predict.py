"""Raw texts through a registered text model (its tokenizer inside), decided at its validation threshold."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from seqcase.tasks.base import read_request_csv
from seqcase.evaluation.binary import binary_predictions


def predict(request, input_path: Path) -> pd.DataFrame:
    """The rows, the probability of the positive class, and the class at the validation threshold."""
    from seqcase.serving import TEXT_COLUMN

    column = request.case.prepare.text_column
    frame = read_request_csv(input_path, [column], f"cases.{request.case_name}.prepare.text_column")
    probabilities = request.predict(pd.DataFrame({TEXT_COLUMN: frame[column].fillna("").astype(str)}))
    return pd.concat([frame, binary_predictions(probabilities, request.threshold(), request.facts["class_names"])],
                     axis=1)
