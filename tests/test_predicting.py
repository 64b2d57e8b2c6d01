"""Predictions from a registered model: labels at the threshold, and clear refusals."""

import numpy as np
import pytest
import yaml

from seqcase.predicting import model_uri, predict_csv, text_predictions


def test_labels_follow_the_validation_threshold_not_one_half():
    frame = text_predictions(np.array([[0.8, 0.2], [0.6, 0.4], [0.1, 0.9]]), 0.3, ["negative", "positive"])
    assert frame["predicted"].tolist() == ["negative", "positive", "positive"]
    assert frame["probability_positive"].tolist() == [0.2, 0.4, 0.9]


def test_the_champion_or_a_named_version():
    assert model_uri("imdb") == "models:/seqcase-imdb@champion"
    assert model_uri("imdb", 3) == "models:/seqcase-imdb/3"


def test_a_forecasting_case_is_refused_with_the_reason(tmp_path, raw_params):
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))
    (tmp_path / "in.csv").write_text("x\n1\n")
    with pytest.raises(NotImplementedError, match="tiny is a forecasting case"):
        predict_csv(tmp_path / "params.yaml", "tiny", tmp_path / "in.csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
