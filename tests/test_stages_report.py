"""What the report stage registers: the served network and the calibration it carries."""

from __future__ import annotations

from seqcase.models.ensemble import member_name
from seqcase.stages.report import interval_tags, registered_run
from seqcase.tracking import RunBook


def test_the_registry_serves_the_best_validation_seed_with_that_seeds_interval_radii():
    training = {"gru": {"seeds": [1, 2], "run_id": "train-run"}}
    scores = {"seeds": {"1": {"validation_rmse": 2.0, "interval_radius": {"80": {"h1": 1.0, "h2": 1.5}}},
                        "2": {"validation_rmse": 1.0, "interval_radius": {"80": {"h1": 0.5, "h2": 0.75}}}}}
    book = RunBook(experiment_id="1", parent_run_id="parent", runs={member_name("gru", 1): "run-1", member_name("gru", 2): "run-2"})
    run_id, name, served = registered_run("gru", scores, training, book, "validation_rmse", higher=False)
    assert (run_id, name) == ("run-2", "gru")
    assert interval_tags(served) == {"seqcase.interval_radius_80": "0.5 0.75"}
    ensemble = {"interval_radius": {"80": {"h1": 0.4}, "95": {"h1": 0.9}}}
    assert registered_run("gru_ensemble", ensemble, training, book, "validation_rmse", higher=False)[0] == "train-run"
    assert interval_tags(ensemble) == {"seqcase.interval_radius_80": "0.4", "seqcase.interval_radius_95": "0.9"}
    assert interval_tags({"validation_accuracy": 0.9}) == {}
