"""`python -m seqcase generate`: which network, and clear refusals."""

import subprocess
import sys

import pytest
import yaml

from conftest import with_verses_case
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


@pytest.mark.parametrize(("arguments", "message"), [
    (["--temperature", "nan"], "argument --temperature: nan is not a finite number above 0"),
    (["--temperature", "0"], "argument --temperature: 0 is not a finite number above 0"),
    (["--length", "-3"], "argument --length: -3 is not positive; give 1 or more"),
    (["--length", "ten"], "argument --length: 'ten' is not a whole number"),
    (["--seed", ""], "argument --seed: an empty text; give at least one character"),
])
def test_argument_mistakes_are_refused_by_the_parser_before_tensorflow_loads(arguments, message):
    script = ("import sys\nfrom seqcase.__main__ import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n"
              "    assert 'tensorflow' not in sys.modules\n    raise\n")
    result = subprocess.run([sys.executable, "-c", script, "generate", "--case", "play", *arguments],
                            capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_a_seed_with_characters_the_model_never_saw_is_refused(tmp_path, raw_params, monkeypatch):
    with_verses_case(raw_params, tmp_path)
    monkeypatch.chdir(tmp_path)
    paths = CasePaths("verses")
    write_json(paths.models / "training.json", {"gru": {"seeds": [1], "window_length": 16}})
    write_json(paths.prepared / "meta.json", {"vocabulary": list(" aehtz")})
    with pytest.raises(UserError, match=r"--seed 'The': the model never saw 'T' in training; its 6 characters are "
                                        r"' aehtz'"):
        generate(tmp_path / "params.yaml", "verses", "The", 10, 0.8, variant="gru")


def test_each_character_is_emitted_the_moment_it_is_drawn_and_together_they_are_the_text(tmp_path, raw_params,
                                                                                         monkeypatch):
    import keras

    from seqcase.models.ensemble import member_path
    from seqcase.tasks.text_generation.data import FIRST_CHARACTER_ID

    with_verses_case(raw_params, tmp_path)
    monkeypatch.chdir(tmp_path)
    paths = CasePaths("verses")
    vocabulary = list(" aehtz")
    write_json(paths.models / "training.json", {"gru": {"seeds": [1], "window_length": 4}})
    write_json(paths.prepared / "meta.json", {"vocabulary": vocabulary})
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((None,), dtype="int32"),
                              keras.layers.Embedding(FIRST_CHARACTER_ID + len(vocabulary), 3),
                              keras.layers.Dense(FIRST_CHARACTER_ID + len(vocabulary), activation="softmax")])
    member_path(paths.models, "gru", 1).parent.mkdir(parents=True)
    model.save(member_path(paths.models, "gru", 1))
    emitted = []
    _, text = generate(tmp_path / "params.yaml", "verses", "the", 12, 1.0, variant="gru", random_seed=3,
                       emit=emitted.append)
    assert len(emitted) == 12 and all(len(character) == 1 for character in emitted)
    assert "the" + "".join(emitted) == text
    _, again = generate(tmp_path / "params.yaml", "verses", "the", 12, 1.0, variant="gru", random_seed=3)
    assert again == text  # streaming draws nothing of its own
