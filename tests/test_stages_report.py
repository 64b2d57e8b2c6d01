"""What the report stage registers: the served network and the calibration it carries."""

from __future__ import annotations

from seqcase.models.ensemble import member_name
from seqcase.stages.report import interval_tags, registered_run, shared_hyperparameters
from seqcase.models.search_space import Range  # after seqcase.config (through report): search_space needs it first


def test_the_registry_serves_the_best_validation_seed_with_that_seeds_interval_radii():
    training = {"gru": {"seeds": [1, 2], "run_id": "variant-run", "model_runs": {
        member_name("gru", 1): "run-1", member_name("gru", 2): "run-2", "gru_ensemble": "ensemble-run"}}}
    scores = {"seeds": {"1": {"validation_rmse": 2.0, "interval_radius": {"80": {"h1": 1.0, "h2": 1.5}}},
                        "2": {"validation_rmse": 1.0, "interval_radius": {"80": {"h1": 0.5, "h2": 0.75}}}}}
    run_id, name, served = registered_run("gru", scores, training, "validation_rmse", higher=False)
    assert (run_id, name) == ("run-2", "gru")
    assert interval_tags(served) == {"seqcase.interval_radius_80": "0.5 0.75"}
    assert registered_run("gru", scores, training, "validation_rmse", higher=True)[0] == "run-1"  # higher is better
    ensemble = {"interval_radius": {"80": {"h1": 0.4}, "95": {"h1": 0.9}}}
    assert registered_run("gru_ensemble", ensemble, training, "validation_rmse", higher=False)[0] == "ensemble-run"
    assert interval_tags(ensemble) == {"seqcase.interval_radius_80": "0.4", "seqcase.interval_radius_95": "0.9"}
    assert interval_tags({"validation_accuracy": 0.9}) == {}
    # Radii in units of a window's volatility travel with how to measure it: over 6 rows, plus the floor.
    scaled = {**ensemble, "interval_scale": {"steps": 6, "floor": 1.25}}
    assert interval_tags(scaled)["seqcase.interval_scale"] == "6 1.25"
    assert "seqcase.interval_scale" not in interval_tags({**ensemble, "interval_scale": {"steps": 0, "floor": 0.0}})


def test_the_headline_metrics_hold_the_verdict_and_each_model_s_main_metric_with_its_interval():
    from seqcase.stages.report import headline_metrics

    metrics = {
        "verdict": {"beaten": True, "model": "gru_ensemble", "value": 24.69, "baseline": "naive", "baseline_value": 30.88,
                    "difference": -6.19, "interval": [-7.22, -5.09], "p_value": 0.001, "text": "Yes...",
                    "seed_agreement": {"agree": 3, "seeds": 3, "text": "3 of 3 seeds"}},
        "models": {
            "gru": {"rmse": 24.9, "mae": 17.0, "over_seeds": {"rmse": {"mean": 24.85, "sd": 0.32, "interval": [24.06, 25.64]},
                                                              "mae": {"mean": 17.0, "interval": [16.0, 18.0]}}},
            "gru_ensemble": {"rmse": 24.69, "mae": 16.9},
            "naive": {"rmse": 30.88, "mae": 21.0},
        },
    }
    families = {"gru": "recurrent", "gru_ensemble": "recurrent", "naive": "baseline"}
    assert headline_metrics(metrics, families, "rmse") == {
        "verdict": {"recurrent_wins": True, "value": 24.69, "baseline_value": 30.88, "difference": -6.19,
                    "p_value": 0.001, "difference_low": -7.22, "difference_high": -5.09, "seeds_agreeing": 3},
        "test_rmse": {"gru": {"mean": 24.85, "low": 24.06, "high": 25.64}, "naive": 30.88},
    }
    single_seed = {"verdict": {"beaten": False}, "models": {"gru": {"rmse": 25.0}, "naive": {"rmse": 30.0}}}
    assert headline_metrics(single_seed, families, "rmse") == {"verdict": {"recurrent_wins": False},
                                                               "test_rmse": {"gru": 25.0, "naive": 30.0}}


def test_mlflow_reads_the_headline_as_metrics_and_the_verdict_first_in_the_run_s_description():
    from types import SimpleNamespace

    from seqcase.stages.report import flat_metrics, run_description, version_description

    headline = {"verdict": {"recurrent_wins": True, "p_value": 0.001, "seeds_agreeing": 3},
                "test_rmse": {"gru": {"mean": 24.85, "low": 24.06, "high": 25.64}, "naive": 30.88}}
    assert flat_metrics(headline) == {"verdict.recurrent_wins": 1.0, "verdict.p_value": 0.001,
                                      "verdict.seeds_agreeing": 3.0, "test_rmse.gru.mean": 24.85,
                                      "test_rmse.gru.low": 24.06, "test_rmse.gru.high": 25.64, "test_rmse.naive": 30.88}
    row = {"metric": "RMSE", "verdict": {"beaten": True, "text": "Yes: gru beat the naive forecast."}}
    description = run_description(SimpleNamespace(description="Glucose, 5 to 60 minutes ahead."), row,
                                  headline["test_rmse"])
    assert description.startswith("**Recurrent wins.** Yes: gru beat the naive forecast.\n\nGlucose, 5 to 60")
    assert "Test RMSE (networks: mean over seeds): gru 24.85; naive 30.88." in description
    metrics = {"verdict": {"model": "gru_ensemble", "baseline": "naive", "baseline_value": 30.88}}
    assert version_description("gru_ensemble", {"rmse": 24.69}, metrics, "rmse", [42, 43, 44]) == (
        "gru_ensemble (the average of 3 seeds' networks), test rmse 24.69, 0.7995 of naive's 30.88; "
        "chosen on validation")
    assert version_description("gru", {"rmse": 25.0}, metrics, "rmse", [42, 43, 44], "43") == (
        "gru, seed 43 (its best on validation of 3), test rmse 25; chosen on validation")
    assert version_description("gru", {"rmse": 25.0}, metrics, "rmse", [42]) == (
        "gru, test rmse 25; chosen on validation")


def test_the_parallel_plot_s_axes_are_the_hyperparameters_every_network_holds_and_that_vary():
    recurrent = {"window_length": 24, "units": [16, 32], "layers": 1, "dropout": [0.0, 0.1],
                 "learning_rate": Range(min=0.001, max=0.01, sampling="log")}
    stacked = {**recurrent, "layers": 2}
    convolution = {"window_length": 24, "layers": 1, "dropout": 0.0, "learning_rate": 0.003, "filters": [16, 32]}
    # units and filters: one architecture's own; window_length: one value everywhere; layers: 1 and 2
    # between variants; dropout and learning_rate: tuned by some, fixed by another.
    assert shared_hyperparameters([recurrent, stacked, convolution]) == ["layers", "dropout", "learning_rate"]
    assert shared_hyperparameters([{"units": 32, "dropout": [0.1, 0.1]}]) == []  # one value, even as a list
    assert shared_hyperparameters([]) == []
