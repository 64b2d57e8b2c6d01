import re

import pytest
import yaml

from seqcase.config import ParamsError
from seqcase.params import load_params, parse_params
from seqcase.models.search_space import Range


def test_defaults_fill_every_case_and_search_spaces_keep_what_each_architecture_uses(raw_params):
    params = parse_params(raw_params)
    case = params.cases["tiny"]
    assert case.prepare.validation_fraction == 0.2
    assert case.tune.algorithm == "random_search" and case.tune.max_trials == 2
    assert case.train.epochs == 3
    assert set(case.models["lstm"].search_space) == {"window_length", "units", "layers", "dropout", "learning_rate"}
    assert "filters" not in case.models["dense"].search_space
    assert case.models["lstm"].architecture == "lstm"


def test_a_case_overrides_one_default_and_keeps_the_rest(raw_params):
    raw_params["cases"]["tiny"]["tune"] = {"max_epochs": 9}
    tune = parse_params(raw_params).cases["tiny"].tune
    assert (tune.max_epochs, tune.max_trials, tune.algorithm) == (9, 2, "random_search")


def test_the_repository_params_file_is_valid():
    params = load_params("params.yaml")
    assert {"sp500_next_day", "sp500_next_week"} <= set(params.cases)
    assert params.cases["sp500_next_week"].prepare.horizon == 5


def test_unknown_key_names_the_key_and_its_value(raw_params):
    raw_params["cases"]["tiny"]["train"] = {"epochz": 3}
    with pytest.raises(ParamsError) as error:
        parse_params(raw_params)
    assert "cases.tiny.train.epochz = 3" in str(error.value)
    assert "not a key here; allowed: epochs, seeds, monitor" in str(error.value)


def test_wrong_type_names_the_key(raw_params):
    raw_params["cases"]["tiny"]["tune"] = {"max_epochs": "many"}
    with pytest.raises(ParamsError, match=r"cases\.tiny\.tune\.max_epochs = 'many'"):
        parse_params(raw_params)


def test_unknown_model_architecture_lists_the_allowed_ones(raw_params):
    raw_params["cases"]["tiny"]["models"] = {"perceiver": {}}
    with pytest.raises(ParamsError, match=r"unknown architecture 'perceiver'; allowed: simple_rnn, lstm, gru"):
        parse_params(raw_params)


def test_hyperparameter_an_architecture_does_not_take_is_refused(raw_params):
    raw_params["cases"]["tiny"]["models"] = {"dense": {"search_space": {"kernel_size": [3]}}}
    with pytest.raises(ParamsError, match="kernel_size"):
        parse_params(raw_params)


def test_missing_source_names_the_case_and_the_known_sources(raw_params):
    raw_params["cases"]["tiny"]["source"] = "nowhere"
    with pytest.raises(ParamsError, match=r"cases\.tiny\.source = 'nowhere' is not a key of sources \(known: prices\)"):
        parse_params(raw_params)


def test_a_case_must_spell_out_the_blocks_dvc_tracks(raw_params):
    del raw_params["cases"]["tiny"]["tune"]
    with pytest.raises(ParamsError, match=r"cases\.tiny lacks \['tune'\]"):
        parse_params(raw_params)


def test_wheel_package_must_be_pinned_and_checksums_are_hex(raw_params):
    raw_params["sources"]["prices"] = {"kind": "wheel", "package": "arch>=8", "member": "a.csv", "sha256": "xyz"}
    with pytest.raises(ParamsError) as error:
        parse_params(raw_params)
    assert "sources.prices.package = 'arch>=8'" in str(error.value)
    assert "sources.prices.sha256 = 'xyz'" in str(error.value)


def test_bad_gap_and_transform_are_refused(raw_params):
    raw_params["cases"]["tiny"]["prepare"]["max_gap"] = "soon"
    raw_params["cases"]["tiny"]["prepare"]["target"]["transform"] = "log_ratio"
    with pytest.raises(ParamsError) as error:
        parse_params(raw_params)
    assert "max_gap = 'soon'" in str(error.value)
    assert "`over` is given exactly when transform is log_ratio" in str(error.value)


def test_missing_required_key_is_named_without_dumping_the_file(raw_params):
    del raw_params["seed"]
    del raw_params["cases"]["tiny"]["prepare"]["time_column"]
    with pytest.raises(ParamsError) as error:
        parse_params(raw_params)
    assert "  seed: missing, and required" in str(error.value)
    assert "  cases.tiny.prepare.time_column: missing, and required" in str(error.value)


def test_a_misspelt_default_hyperparameter_is_refused_not_dropped(raw_params):
    raw_params["defaults"]["search_space"]["uints"] = [16, 32]
    with pytest.raises(ParamsError, match=r"defaults.search_space: has \['uints'\], which no architecture uses"):
        parse_params(raw_params)
    raw_params["defaults"]["search_space"] = {}
    raw_params["defaults"]["train"] = 5
    with pytest.raises(ParamsError, match=r"defaults.train = 5: Input should be a valid dictionary"):
        parse_params(raw_params)


@pytest.mark.parametrize("spec, line", [
    ({"min": 64, "max": 16}, "  defaults.search_space.units: max (16) must be greater than min (64)"),
    ([16, None], "  defaults.search_space.units.1 = None: must be a number, a word, true or false; or a list of them, "
                 "or a {min, max} range"),
    ([-4, 16], "  defaults.search_space: units: -4 is out of range; allowed: a whole number from 1"),
])
def test_a_mistake_in_the_default_search_space_is_one_line_not_one_per_case_and_variant(raw_params, spec, line):
    raw_params["cases"]["other"] = {**raw_params["cases"]["tiny"]}
    raw_params["defaults"]["search_space"]["units"] = spec
    with pytest.raises(ParamsError) as error:
        parse_params(raw_params)
    assert str(error.value).splitlines()[1:] == [line]


def test_unknown_top_level_key(raw_params):
    raw_params["sedd"] = 1
    with pytest.raises(ParamsError, match=r"sedd = 1: not a key here; allowed: seed, keras_backend, evaluate, sources, defaults, cases, fundamentals"):
        parse_params(raw_params)


def test_load_params_names_the_file(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("cases: [unclosed")
    with pytest.raises(ParamsError, match="params.yaml: not valid YAML"):
        load_params(path)
    with pytest.raises(ParamsError, match="no such file"):
        load_params(tmp_path / "absent.yaml")


def test_url_source_takes_its_filename_from_the_url(raw_params):
    raw_params["sources"]["prices"] = {"kind": "url", "url": "http://127.0.0.1:8000/files/prices.csv.gz?x=1",
                                       "sha256": "a" * 64}
    assert list(parse_params(raw_params).sources["prices"].files) == ["prices.csv.gz"]


def test_range_is_integer_only_when_written_with_integers():
    assert Range(min=16, max=128, step=16).is_integer
    assert not Range(min=0.0, max=0.5).is_integer
    with pytest.raises(ValueError, match="log sampling needs min > 0"):
        Range(min=0, max=1, sampling="log")


def test_yaml_anchors_and_merge_keys_resolve(tmp_path, raw_params):
    """params.yaml shares blocks between cases with anchors; `<<:` overrides one key of a block."""
    raw_params["cases"]["tiny"]["prepare"] = "PREPARE"
    text = yaml.safe_dump(raw_params, sort_keys=False).replace("prepare: PREPARE", """prepare: &shared
      time_column: Date
      target: {column: Close, transform: log_return}
      horizon: 1
      max_gap: 5D""")
    text += """  tiny_week:
    task: forecasting
    source: prices
    description: five days
    prepare:
      <<: *shared
      horizon: 5
    models: {gru: {}}
    tune: {}
    train: {}
    baselines: {naive: {}}
    evaluate: {}
"""
    path = tmp_path / "params.yaml"
    path.write_text(text)
    cases = load_params(path).cases
    assert (cases["tiny"].prepare.horizon, cases["tiny_week"].prepare.horizon) == (1, 5)
    assert cases["tiny_week"].prepare.max_gap == "5D"


def classification_case() -> dict:
    return {"task": "classification", "source": "prices", "description": "beats",
            "prepare": {"train_file": "prices.csv"}, "models": {"gru": {}, "dense": {}}, "tune": {}, "train": {},
            "baselines": {"majority": {}}, "evaluate": {}}


def test_a_classification_case_takes_no_window_length_and_no_encoder_decoder(raw_params):
    raw_params["cases"]["beats"] = classification_case()
    case = parse_params(raw_params).cases["beats"]
    assert "window_length" not in case.models["gru"].search_space and case.prepare.validation_fraction == 0.2
    raw_params["cases"]["beats"]["models"] = {"gru": {"search_space": {"window_length": [5]}}}
    with pytest.raises(ParamsError, match=r"models.gru.search_space has \['window_length'\], which a classification"):
        parse_params(raw_params)
    raw_params["cases"]["beats"]["models"] = {"encoder_decoder": {}}
    with pytest.raises(ParamsError, match="'encoder_decoder' is for forecasting only"):
        parse_params(raw_params)


def test_a_case_search_space_changes_every_variant_of_that_case(raw_params):
    raw_params["cases"]["tiny"]["tune"] = {"search_space": {"window_length": 24}, "max_epochs": 4}
    case = parse_params(raw_params).cases["tiny"]
    assert case.models["lstm"].search_space["window_length"] == 24 and case.tune.max_epochs == 4
    raw_params["cases"]["tiny"]["tune"] = {"search_space": {"window_lenght": 24}}
    with pytest.raises(ParamsError, match=r"cases.tiny.tune.search_space has \['window_lenght'\]"):
        parse_params(raw_params)


@pytest.mark.parametrize(("prepare", "message"), [
    ({"max_gap": "5D", "frequency": "5min"}, "give exactly one of max_gap"),
    ({"max_gap": "5D", "interpolate_gap": "30min"}, "interpolate_gap needs frequency"),
    ({"max_gap": None, "frequency": "5min", "interpolate_gap": "1min"}, r"interpolate_gap \(1min\) is shorter"),
    ({"max_gap": "soon"}, "must be a positive duration"),
])
def test_gap_rules_are_checked(raw_params, prepare, message):
    raw_params["cases"]["tiny"]["prepare"].update(prepare)
    with pytest.raises(ParamsError, match=message):
        parse_params(raw_params)


def test_level_metrics_need_an_untransformed_target_and_steps_within_the_horizon(raw_params):
    raw_params["cases"]["tiny"]["evaluate"] = {"metrics": ["mard"]}
    with pytest.raises(ParamsError, match=r"\['mard'\] need the target's own level"):
        parse_params(raw_params)
    raw_params["cases"]["tiny"]["evaluate"] = {"steps": [3]}
    with pytest.raises(ParamsError, match=r"evaluate.steps \[3\] must lie in 1..horizon \(1\)"):
        parse_params(raw_params)


@pytest.mark.parametrize("evaluate, message", [
    ({"interval_levels": [0.8, 95]}, r"interval_levels.*\[95\.0\] are not levels; allowed: numbers between 0 and 1"),
    ({"interval_levels": [0.8, 0.8]}, r"interval_levels.*names a level twice"),
    ({"interval_span": "a day"}, r"interval_span.*must be a positive duration such as '4D'"),
    ({"interval_scale_steps": [6, 1]}, r"interval_scale_steps.*\[1\]: a volatility needs at least 2 rows"),
    ({"interval_scale_steps": [6, 6]}, r"interval_scale_steps.*names a row count twice"),
])
def test_interval_levels_and_the_fan_charts_span_are_checked(raw_params, evaluate, message):
    raw_params["cases"]["tiny"]["evaluate"] = evaluate
    with pytest.raises(ParamsError, match=message):
        parse_params(raw_params)


def test_intervals_default_to_80_and_95_percent_sorted(raw_params):
    assert parse_params(raw_params).cases["tiny"].evaluate.interval_levels == [0.8, 0.95]
    raw_params["cases"]["tiny"]["evaluate"] = {"interval_levels": [0.95, 0.5]}
    assert parse_params(raw_params).cases["tiny"].evaluate.interval_levels == [0.5, 0.95]


def test_a_wheel_source_takes_one_member_or_several(raw_params):
    raw_params["sources"]["prices"] = {"kind": "wheel", "package": "data==1.0",
                                       "members": {"d/train.tsv": "a" * 64, "d/test.tsv": "b" * 64}}
    assert list(parse_params(raw_params).sources["prices"].files) == ["train.tsv", "test.tsv"]
    raw_params["sources"]["prices"]["member"] = "d/x.csv"
    with pytest.raises(ParamsError, match="either member and sha256, or members"):
        parse_params(raw_params)


def test_a_url_source_takes_one_url_or_several(raw_params):
    raw_params["sources"]["prices"] = {"kind": "url", "urls": {"https://example.org/a/TRAIN.tsv": "a" * 64,
                                                               "https://example.org/a/TEST.tsv?raw=1": "b" * 64}}
    files = parse_params(raw_params).sources["prices"].files
    assert files == {"TRAIN.tsv": ("https://example.org/a/TRAIN.tsv", "a" * 64),
                     "TEST.tsv": ("https://example.org/a/TEST.tsv?raw=1", "b" * 64)}
    raw_params["sources"]["prices"]["urls"]["ftp://example.org/x.tsv"] = "c" * 64
    with pytest.raises(ParamsError, match="'ftp://example.org/x.tsv' must be an http:// or https:// URL"):
        parse_params(raw_params)
    raw_params["sources"]["prices"] = {"kind": "url", "url": "https://example.org/x.csv"}
    with pytest.raises(ParamsError, match="give either url and sha256, or urls"):
        parse_params(raw_params)


def event_case() -> dict:
    return {"task": "event_classification", "source": "prices", "description": "transactions",
            "prepare": {"time_column": "Time", "label_column": "Class"},
            "models": {"gru": {}, "dense": {"search_space": {"window_length": 1}}}, "tune": {}, "train": {},
            "baselines": {"logistic_regression": {"C": [0.1, 1.0]}}, "evaluate": {"threshold": {"recall": 0.8}}}


def text_case() -> dict:
    return {"task": "text_classification", "source": "prices", "description": "reviews",
            "prepare": {"text_column": "review", "label_column": "sentiment", "positive_label": "positive"},
            "models": {"gru": {}}, "tune": {"search_space": {"vocabulary_size": 100, "sequence_length": 20,
                                                             "embedding_dim": 8}},
            "train": {}, "baselines": {"tfidf_logistic_regression": {}}, "evaluate": {"metric": "accuracy"}}


def test_an_event_case_takes_windows_and_a_threshold_rule(raw_params):
    raw_params["cases"]["events"] = event_case()
    case = parse_params(raw_params).cases["events"]
    assert case.models["gru"].search_space["window_length"] == [5]  # from the defaults
    assert case.models["dense"].search_space["window_length"] == 1  # one-to-one
    assert case.evaluate.threshold.recall == 0.8 and case.evaluate.metric == "average_precision"
    assert case.prepare.imbalance.method == "class_weight" and case.baselines.logistic_regression.C == [0.1, 1.0]
    raw_params["cases"]["events"]["prepare"]["imbalance"] = {"method": "smote"}
    with pytest.raises(ParamsError, match="cases.events.prepare.imbalance.method = 'smote'"):
        parse_params(raw_params)


def test_a_text_case_needs_its_vocabulary_length_and_embedding(raw_params):
    raw_params["cases"]["reviews"] = text_case()
    case = parse_params(raw_params).cases["reviews"]
    assert case.models["gru"].search_space["sequence_length"] == 20
    assert "window_length" not in case.models["gru"].search_space
    del raw_params["cases"]["reviews"]["tune"]["search_space"]["embedding_dim"]
    with pytest.raises(ParamsError, match="models.gru.search_space must give embedding_dim"):
        parse_params(raw_params)


def test_word_valued_hyperparameters_take_only_their_words(raw_params):
    raw_params["cases"]["reviews"] = text_case()
    raw_params["cases"]["reviews"]["tune"]["search_space"].update(kept_words="last", pooling=["last", "mean"])
    assert parse_params(raw_params).cases["reviews"].models["gru"].search_space["pooling"] == ["last", "mean"]
    raw_params["cases"]["reviews"]["tune"]["search_space"]["kept_words"] = "middle"
    with pytest.raises(ParamsError, match=r"kept_words = 'middle': must be one of \['first', 'last'\]"):
        parse_params(raw_params)


def test_gradient_clipping_is_by_norm_or_by_value_not_both(raw_params):
    raw_params["cases"]["tiny"]["models"] = {"lstm": {"search_space": {"clipnorm": 1.0, "clipvalue": 0.5}}}
    with pytest.raises(ParamsError, match="gives clipnorm and clipvalue: Keras takes one of them"):
        parse_params(raw_params)


def test_a_forecast_cannot_stop_early_on_accuracy(raw_params):
    raw_params["cases"]["tiny"]["train"] = {"monitor": "val_accuracy"}
    with pytest.raises(ParamsError, match="a forecast has no accuracy"):
        parse_params(raw_params)
    raw_params["cases"]["tiny"]["train"] = {"monitor": "val_f1"}
    with pytest.raises(ParamsError, match="train.monitor"):
        parse_params(raw_params)


def generation_case() -> dict:
    return {"task": "text_generation", "source": "prices", "description": "a play",
            "prepare": {}, "models": {"lstm": {}, "conv1d": {}},
            "tune": {"search_space": {"embedding_dim": 8, "window_stride": 4}}, "train": {},
            "baselines": {"kneser_ney": {"order": [3, 5]}, "add_k": {}}, "evaluate": {"temperatures": [0.7]}}


def test_a_generation_case_reads_windows_of_characters_and_refuses_to_look_ahead(raw_params):
    raw_params["cases"]["play"] = generation_case()
    case = parse_params(raw_params).cases["play"]
    assert case.models["lstm"].search_space["window_length"] == [5] and case.prepare.test_fraction == 0.2  # the defaults
    assert "vocabulary_size" not in case.models["lstm"].search_space  # the corpus' characters
    assert case.baselines.chosen()["kneser_ney"].order == [3, 5] and case.baselines.add_k.k == 0.1
    assert case.evaluate.seed_text == "To be" and case.evaluate.sample_length == 300
    raw_params["cases"]["play"]["models"]["bidirectional_gru"] = {"architecture": "bidirectional", "cell": "gru"}
    with pytest.raises(ParamsError, match="a bidirectional layer reads the characters a language model must predict"):
        parse_params(raw_params)
    raw_params["cases"]["play"] = generation_case()
    raw_params["cases"]["play"]["evaluate"]["temperatures"] = [0.0]
    with pytest.raises(ParamsError, match=r"cases.play.evaluate.temperatures.0 = 0.0"):
        parse_params(raw_params)


def test_a_key_written_twice_is_refused_with_both_lines(tmp_path, raw_params):
    text = yaml.safe_dump(raw_params, sort_keys=False).replace("cases:\n", "seed: 1\ncases:\n", 1)
    (tmp_path / "params.yaml").write_text(text)
    line = text.splitlines().index("seed: 1") + 1
    with pytest.raises(ParamsError, match=rf"params.yaml: not valid YAML at line {line}: key 'seed' appears twice "
                                          rf"in one mapping \(first on line 1\)$"):
        load_params(tmp_path / "params.yaml")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("units", -8, "-8 is out of range; allowed: a whole number from 1"),
    ("dropout", 1.5, "1.5 is out of range; allowed: a number from 0 to below 1"),
    ("dropout", [0.0, 1.0], "1.0 is out of range; allowed: a number from 0 to below 1"),
    ("learning_rate", {"min": 0.0, "max": 0.1}, "0.0 is out of range; allowed: a number above 0 to 1"),
    ("layers", 1.5, "1.5 is not a whole number"),
    ("window_length", 0, "0 is out of range; allowed: a whole number from 1"),
])
def test_search_space_values_are_held_to_their_bounds(raw_params, name, value, message):
    raw_params["cases"]["tiny"]["models"]["lstm"] = {"search_space": {name: value}}
    with pytest.raises(ParamsError, match=re.escape(f"search_space.{name}: {message}")):
        parse_params(raw_params)
