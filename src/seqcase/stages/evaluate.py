"""evaluate@<case>: every network and baseline scored on the same untouched test part, and the verdict.

The task scores (`Task.evaluate`) every seed's network, every variant's seed ensemble and every
baseline, folds the seeds back into their variant (seqcase.evaluation.seeds) and gives the verdict
with the test behind it. This stage writes what it returns: metrics.json, the DVC plot tables and
arrays the report draws from (a variant's first seed), and a run per model (and seed) in MLflow.
"""

from __future__ import annotations

import logging
import math
from functools import partial
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from seqcase import backends, tracking, workers
from seqcase.evaluation import work
from seqcase.evaluation.pooled import WorkersWhenWorthIt, nothing_to_load, pooled
from seqcase.evaluation.seeds import members, rename_first_seed, scored_networks
from seqcase.evaluation.verdicts import model_families
from seqcase.io import atomic_directory, atomic_path, read_json, write_json
from seqcase.models.ensemble import (ENSEMBLE_SUFFIX, SEED_MARK, SeedEnsemble, ensemble_name, member_name,
                                     member_path, refit_directory, refit_run_key)
from seqcase.stages.case import open_case
from seqcase.tasks.base import ScoringSettings

logger = logging.getLogger(__name__)


def without_nan(value):
    """JSON for DVC: NaN (undefined, e.g. the naive forecast's DM test) becomes null."""
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nan(item) for item in value]
    return None if isinstance(value, float) and math.isnan(value) else value


def write_table(path: Path, table: pd.DataFrame) -> None:
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)


def seed_metrics(scores: dict) -> dict[str, float]:
    """A variant's spread over its seeds, for its MLflow run: test_<metric>_sd, _low and _high."""
    named = {}
    for metric, spread in scores.get("over_seeds", {}).items():
        name = metric if metric.startswith("validation_") else f"test_{metric}"
        if spread["sd"] is not None:
            named.update({f"{name}_sd": spread["sd"], f"{name}_low": spread["interval"][0],
                          f"{name}_high": spread["interval"][1]})
    return named


def model_id(book: tracking.RunBook, trained: dict, name: str) -> str | None:
    """The logged model a network's test scores belong to (a seed's network, a seed ensemble), so
    MLflow 3's Models view lists them beside it; None for a variant's mean over seeds or a baseline,
    which are no one model."""
    variant = name.split(SEED_MARK)[0].removesuffix(ENSEMBLE_SUFFIX)
    run_id = trained.get(variant, {}).get("model_runs", {}).get(name)
    if run_id is None:
        return None
    model = tracking.logged_model(book.experiment_id, run_id, variant if SEED_MARK in name else name)
    return model.model_id if model is not None else None


def input_groups(trained: dict) -> list[list[str]]:
    """The seeds' networks that read the same inputs, grouped by their window length: a variant's
    seeds always, and every network of a case that tunes no window length (classifiers of whole
    sequences, readers of raw text)."""
    groups: dict = {}
    for variant, names in members(trained).items():
        groups.setdefault(trained[variant].get("window_length"), []).extend(names)
    return list(groups.values())


def load_networks(directory: Path, trained: dict, pool) -> dict:
    """Every seed's network, predicting in the worker pool (seqcase.evaluation.pooled), and each
    variant's seed ensemble."""
    paths = {member_name(variant, seed): member_path(directory, variant, seed)
             for variant, summary in trained.items() for seed in summary["seeds"]}
    networks = pooled(paths, input_groups(trained), pool)
    networks.update({ensemble_name(variant): SeedEnsemble([networks[name] for name in names])
                     for variant, names in members(trained).items() if len(names) > 1})
    return networks


def run(params_path: Path, case_name: str) -> dict:
    params, case, task, paths = open_case(params_path, case_name)
    prepared = task.load_prepared(paths.prepared)
    trained = read_json(paths.models / "training.json")
    training = {**trained, **scored_networks(trained)}
    refits = read_json(paths.models / "refits.json") if (paths.models / "refits.json").exists() else {}
    tracking.configure()
    book = tracking.continue_pipeline_run(tracking.RunBook.load(paths.models / "runs.json"), case_name, "evaluate")
    with tracking.failing_pipeline_run(book):  # a failure in scoring marks the pipeline run FAILED too
        network_count = sum(len(summary["seeds"]) for summary in trained.values()) * (1 + len(refits))
        cores = backends.machine_cores()
        start_workers = partial(workers.pool, network_count, backends.active(), cores, nothing_to_load, ())
        with (WorkersWhenWorthIt(start_workers, None if len(cores) > 1 else math.inf) as pool,
              work.ledger() as fitting):  # a baseline's fit happens in scoring: its run's duration counts it
            networks = load_networks(paths.models, trained, pool)
            refit_networks = {refit: load_networks(refit_directory(paths.models, refit), trained, pool)
                              for refit in refits}
            result = task.evaluate(case, prepared, networks, training,
                                   ScoringSettings(params.seed, params.evaluate.significance), refit_networks)
        families = model_families(result.scores, training)
        samples = rename_first_seed(result.samples, trained)
        for name, scores in result.scores.items():
            kind = "baseline" if name not in training else "ensemble" if name in networks else "model"
            tags = {"seqcase.kind": kind, "seqcase.family": families[name], tracking.COMPARED_IN: book.parent_run_id}
            if name in training:
                tags["seqcase.trained_in"] = training[training[name].get("variant", name)]["run_id"]
            with tracking.child_run(book, name, case_name, "evaluate", tags, work_elsewhere=fitting.get(name, 0.0)):
                mlflow.log_metrics({**tracking.test_metrics(scores), **seed_metrics(scores)},
                                   model_id=model_id(book, trained, name))
                mlflow.log_metric("test_examples", result.examples)
                for temperature, sample in samples.get(name, {}).items():
                    mlflow.log_text(sample, f"samples/temperature_{temperature}.txt")
            for seed, seed_scores in scores.get("seeds", {}).items():
                with tracking.child_run(book, member_name(name, int(seed)), case_name, "evaluate"):
                    mlflow.log_metrics(tracking.test_metrics(seed_scores),
                                       model_id=model_id(book, trained, member_name(name, int(seed))))
        for fold, by_model in result.folds.items():  # a run per backtest origin under each model's run
            for name, scores in by_model.items():
                with tracking.child_run(book, refit_run_key(name, fold), case_name, "evaluate",
                                        {"seqcase.kind": "origin", "seqcase.refit": fold}, parent=name):
                    mlflow.log_metrics(tracking.test_metrics(scores))

        with atomic_directory(paths.reports / "predictions") as tables:
            for name, table in rename_first_seed(result.plot_tables, trained).items():
                write_table(tables / f"{name}.csv", table)
        metrics = {"task": case.task, "test_examples": result.examples, **without_nan(result.facts),
                   "verdict": without_nan(result.verdict), "models": without_nan(result.scores)}
        write_json(paths.reports / "metrics.json", metrics)
        with atomic_directory(paths.evaluation) as evaluation:
            np.savez(evaluation / "predictions.npz", **rename_first_seed(result.arrays, trained, prefix="model_"))
            write_json(evaluation / "models.json", {name: {"family": families[name]} for name in result.scores})
            if samples:
                write_json(evaluation / "samples.json", samples)
            book.save(evaluation / "runs.json")
        logger.info("%s: %d test examples", case_name, result.examples)
        return metrics
