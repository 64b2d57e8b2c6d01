"""`python -m seqcase generate`: which network, and clear refusals."""

import pytest
import yaml

from seqcase.commands.generate import best_variant, generate
from seqcase.errors import DataError, UserError
from seqcase.io import write_json
from seqcase.paths import CasePaths


def test_the_network_with_the_fewest_test_bits_is_chosen_and_baselines_are_not(tmp_path):
    paths = CasePaths("play", tmp_path)
    with pytest.raises(DataError, match="not evaluated yet"):
        best_variant(paths, {"lstm": {}}, None)
    write_json(paths.reports / "metrics.json", {"models": {  # the choice is made on validation, not on test
        "lstm": {"bits_per_character": 2.1, "validation_bits_per_character": 2.3},
        "gru": {"bits_per_character": 2.2, "validation_bits_per_character": 2.2},
        "kneser_ney": {"bits_per_character": 2.0, "validation_bits_per_character": 2.1}}})
    assert best_variant(paths, {"lstm": {}, "gru": {}}, None) == "gru"


def test_a_case_that_is_not_a_language_model_is_refused(tmp_path, raw_params):
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))
    with pytest.raises(UserError, match="tiny is a forecasting case; generate needs a text_generation case"):
        generate(tmp_path / "params.yaml", "tiny", "To be", 10, 0.8)
