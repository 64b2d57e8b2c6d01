"""train@<case>: each variant retrained on its best hyperparameters once per seed, saved and logged;
and again on each refit's data (a forecast's backtest origins) where the case asks for them.

`train.seeds` networks a variant, trained with the seeds `seed`, `seed + 1`, ... The (variant,
seed) fits run side by side in one-thread worker processes (seqcase.workers): a fit's numbers
depend only on its seed, so a re-run is byte-identical whatever the machine's core count. The parent logs to MLflow: a run per
variant (its seed ensemble as a pyfunc model) with a nested run per seed (that seed's network).
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np

from seqcase import backends, serving, tracking, workers
from seqcase.config import TrainConfig
from seqcase.gradients import record_metrics
from seqcase.io import atomic_directory, atomic_path, read_json, write_json
from seqcase.models.ensemble import ensemble_name, member_name, member_path, refit_directory, refit_run_key
from seqcase.models.hyperparameters import family
from seqcase.models.search_space import ModelSpec
from seqcase.stages.case import open_case
from seqcase.progress import FitProgress
from seqcase.training import best_epoch, monitor_mode

logger = logging.getLogger(__name__)
PROBE_EXAMPLES = 256  # validation examples the gradient diagnostics read each epoch


def training_seeds(seed: int, count: int) -> list[int]:
    """The seeds a variant is trained with: the run's seed and the next `count - 1`."""
    return [seed + offset for offset in range(count)]


def write_learning_curve(path: Path, history: dict[str, list[float]]) -> None:
    columns = ["epoch", *history]
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for epoch in range(len(history["loss"])):
            writer.writerow([epoch + 1, *(history[name][epoch] for name in history)])


@dataclass(frozen=True)
class Fit:
    """One network to train: a variant on its tuned hyperparameters with one seed."""

    variant: str
    spec: ModelSpec
    hyperparameters: dict
    seed: int
    diagnose: bool  # the gradient diagnostics, on the first seed only (they cost a pass per epoch)
    refit: str | None = None  # a refit's data (a backtest origin), or the prepared split


_worker: dict = {}


def load_case(params_path: Path, case_name: str) -> None:
    """A worker's set-up (seqcase.workers): the case's learning problems, on the prepared split and
    on each refit's data, loaded once."""
    _, case, task, paths = open_case(params_path, case_name)
    prepared = task.load_prepared(paths.prepared)
    problems = {None: task.learning_problem(prepared)}
    problems.update({name: task.learning_problem(data) for name, data in task.refits(case, prepared).items()})
    _worker.update(config=case.train, problems=problems, case=case_name)


def fit_one(fit: Fit, model_directory: Path) -> dict:
    """Train and save one network (in a worker); return what the parent logs and summarises."""
    from seqcase.gradients import GradientDiagnostics
    from seqcase.models.networks import build_network
    from seqcase.training import EpochMetricsLogger, fit_network, set_seed

    config, problem = _worker["config"], _worker["problems"][fit.refit]
    set_seed(fit.seed)
    model = build_network(fit.spec.architecture, problem.input_shape(fit.hyperparameters), problem.head,
                          fit.hyperparameters, fit.spec.cell, fit.variant)
    train, validation = problem.datasets(fit.hyperparameters)
    epochs = EpochMetricsLogger()
    callbacks = [epochs]
    if fit.diagnose:
        diagnostics = GradientDiagnostics(validation[0][:PROBE_EXAMPLES], validation[1][:PROBE_EXAMPLES])
        callbacks.append(diagnostics)
    start = time.perf_counter()
    history = fit_network(model, train, validation, config, callbacks, problem.class_weight).history
    fit_seconds = time.perf_counter() - start
    saved = problem.export(model, fit.hyperparameters)
    path = member_path(refit_directory(model_directory, fit.refit) if fit.refit else model_directory, fit.variant,
                       fit.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    saved.save(path)
    result = {"history": {name: [float(value) for value in values] for name, values in history.items()},
              "epochs": epochs.epochs, "gradients": diagnostics.records if fit.diagnose else None,
              "parameters": int(model.count_params()), "train_examples": len(train[0]),
              "validation_examples": len(validation[0]), "fit_seconds": fit_seconds,
              "best_epoch": best_epoch(history, config.monitor)}
    if fit.refit is None:  # a refit's network is scored, not served: no model is logged for it
        sample = problem.example_inputs(fit.hyperparameters)
        result.update(sample=sample, sample_outputs=np.asarray(saved.predict(sample, verbose=0)))
    return result


def longest_first(fits: list[Fit]) -> list[int]:
    """The fits' indices by expected work, the largest first (ties in the order given)."""
    def work(fit: Fit) -> float:
        return workers.expected_work(fit.spec.architecture, fit.spec.cell, fit.hyperparameters)
    return sorted(range(len(fits)), key=lambda index: -work(fits[index]))


def fit_name(fit: Fit) -> str:
    return " ".join([fit.variant, f"seed {fit.seed}", *([fit.refit] if fit.refit else [])])


def fit_all(params_path: Path, case_name: str, fits: list[Fit], model_directory: Path, config: TrainConfig,
            backend: str, cores: list[int], on_result: Callable[[int, dict], None] = lambda index, result: None
            ) -> list[dict]:
    """Every fit, side by side in one-thread worker processes (as many as `cores`, at most one per
    fit), the longest first, with a progress line as each ends; the results in the order of `fits`.
    `on_result(index, result)` takes each fit as it ends, while the others still train (the parent
    logs a variant to MLflow as soon as its seeds are done, instead of after the last fit). The best
    value the line shows is the prepared split's (a refit's validation part is another stretch of time)."""
    monitor = config.monitor
    progress = FitProgress(f"train@{case_name}", len(fits), monitor, monitor_mode(monitor) == "max")
    with workers.pool(len(fits), backend, cores, load_case, (params_path, case_name)) as pool:
        futures = {index: pool.submit(fit_one, fits[index], model_directory) for index in longest_first(fits)}
        index_of = {future: index for index, future in futures.items()}
        for future in as_completed(index_of):
            index, result = index_of[future], future.result()
            fit = fits[index]
            progress.fit_done(fit_name(fit), result["history"][monitor][result["best_epoch"]] if fit.refit is None else None)
            on_result(index, result)
        return [futures[index].result() for index in range(len(fits))]


def log_seed(book: tracking.RunBook, case_name: str, fit: Fit, result: dict, config: TrainConfig, parent_id: str,
             tags: dict, model_path: Path, facts: dict) -> str:
    """A nested run for one seed's network: its params, its epochs, its gradients, its model. Its
    duration is the seed's fit and its logging."""
    started = time.monotonic()
    with mlflow.start_run(experiment_id=book.experiment_id, run_name=f"{fit.variant} seed {fit.seed}",
                          parent_run_id=parent_id, nested=True,
                          tags={**tracking.stage_tags(case_name, "train"), **tags, "seqcase.seed": str(fit.seed)}) as run:
        mlflow.log_params({**fit.hyperparameters, **config.model_dump(exclude_none=True), "seed": fit.seed,
                           "keras_backend": facts["keras_backend"], "train_examples": result["train_examples"]})
        for epoch, metrics in enumerate(result["epochs"]):
            mlflow.log_metrics(metrics, step=epoch)
        if result["gradients"] is not None:
            for epoch, record in enumerate(result["gradients"]):
                mlflow.log_metrics(record_metrics(record), step=epoch)
            mlflow.log_dict(result["gradients"], "gradients.json")
        kept = result["best_epoch"]
        mlflow.log_metrics({"best_epoch": kept + 1, "best_val_loss": result["history"]["val_loss"][kept],
                            f"best_{config.monitor}": result["history"][config.monitor][kept],
                            "fit_seconds": result["fit_seconds"]})
        serving.log_network([model_path], fit.variant, result["sample"], result["sample_outputs"],
                            {**facts, "hyperparameters": fit.hyperparameters, "seeds": [fit.seed]})
    tracking.add_work(run.info.run_id, time.monotonic() - started + result["fit_seconds"])
    return run.info.run_id


def summarise_variant(book: tracking.RunBook, case_name: str, variant: str, spec: ModelSpec, config: TrainConfig,
                      fits: list[Fit], results: list[dict], model_directory: Path, facts: dict) -> dict:
    """The variant's run with a nested run per seed (each logs its network), the seed ensemble's own
    run and model, and the variant's entry in training.json. The ensemble has a run of its own so
    that the test scores the evaluate stage logs in each run are linked to that run's model alone:
    MLflow links a run's metrics to the models the run logged, and the variant's are a mean over
    seeds, not the ensemble's."""
    hyperparameters = fits[0].hyperparameters
    backend = {"keras_backend": facts["keras_backend"]}
    tags = {"seqcase.kind": "model", "seqcase.architecture": spec.architecture,
            "seqcase.family": family(spec.architecture)}
    paths = [member_path(model_directory, variant, fit.seed) for fit in fits]
    seeds = [fit.seed for fit in fits]
    fit_seconds = sum(result["fit_seconds"] for result in results)
    with tracking.child_run(book, variant, case_name, "train", {**tags, "seqcase.seeds": " ".join(map(str, seeds))},
                            work_elsewhere=fit_seconds):
        parent_id = mlflow.active_run().info.run_id
        mlflow.log_params({**hyperparameters, **config.model_dump(exclude_none=True), **backend,
                           "train_examples": results[0]["train_examples"]})
        for fit, result, path in zip(fits, results, paths):
            book.runs[member_name(variant, fit.seed)] = log_seed(book, case_name, fit, result, config, parent_id,
                                                                 {**tags, "seqcase.kind": "seed"}, path, facts)
        kept = [result["best_epoch"] for result in results]
        best_losses = [result["history"]["val_loss"][epoch] for result, epoch in zip(results, kept)]
        mlflow.log_metrics({"best_val_loss": float(np.mean(best_losses)), "seeds": len(seeds)})  # mean over seeds
    if len(seeds) > 1:
        with tracking.child_run(book, ensemble_name(variant), case_name, "train",
                                {**tags, "seqcase.kind": "ensemble", "seqcase.seeds": " ".join(map(str, seeds))}):
            mlflow.log_params({**hyperparameters, **backend, "seeds": " ".join(map(str, seeds))})
            serving.log_network(paths, ensemble_name(variant), results[0]["sample"],
                                np.mean([result["sample_outputs"] for result in results], axis=0),
                                {**facts, "hyperparameters": hyperparameters, "seeds": seeds})
    summary = {
        "architecture": spec.architecture, "family": family(spec.architecture), "hyperparameters": hyperparameters,
        **backend,
        "window_length": hyperparameters.get("window_length"), "seeds": seeds,
        "epochs_run": " ".join(str(len(result["history"]["loss"])) for result in results),
        "best_epoch": " ".join(str(epoch + 1) for epoch in kept),
        "best_val_loss": [float(loss) for loss in best_losses], "parameters": results[0]["parameters"],
        "run_id": book.runs[variant],
        # The run that logged each network (its seeds', its ensemble's): what evaluate links test
        # scores to and the registry serves, even when a later stage starts a new pipeline run.
        "model_runs": {name: book.runs[name] for name in [*(member_name(variant, seed) for seed in seeds),
                                                          ensemble_name(variant)] if name in book.runs},
    }
    logger.info("%s/%s: %s", case_name, variant, summary)
    # Timings go to the log and MLflow, never to an output: outputs stay byte-identical across runs.
    logger.info("%s/%s: %.1f s inside Model.fit over %d seeds", case_name, variant,
                fit_seconds, len(results))
    return summary


def summarise_refits(book: tracking.RunBook, case_name: str, fits: list[Fit], results: list[dict]) -> dict:
    """refits.json: per refit and variant its seeds' kept epochs and losses; and in MLflow a run per
    refit under each variant's run (`gru · origin_2`), which the evaluate stage adds its test scores to."""
    summary: dict = {}
    seconds: dict[tuple[str, str], float] = {}  # Model.fit's, per refit and variant: MLflow only
    for fit, result in zip(fits, results):
        entry = summary.setdefault(fit.refit, {}).setdefault(fit.variant, {
            "seeds": [], "best_epoch": [], "best_val_loss": [], "train_examples": result["train_examples"],
            "validation_examples": result["validation_examples"]})
        kept = result["best_epoch"]
        seconds[fit.refit, fit.variant] = seconds.get((fit.refit, fit.variant), 0.0) + result["fit_seconds"]
        entry["seeds"].append(fit.seed)
        entry["best_epoch"].append(kept + 1)
        entry["best_val_loss"].append(result["history"]["val_loss"][kept])
    for (refit, variant), spent in seconds.items():
        logger.info("%s/%s · %s: %.1f s inside Model.fit over %d seeds", case_name, variant, refit, spent,
                    len(summary[refit][variant]["seeds"]))
    for refit, variants in summary.items():
        for variant, entry in variants.items():
            with tracking.child_run(book, refit_run_key(variant, refit), case_name, "train",
                                    {"seqcase.kind": "refit", "seqcase.refit": refit}, parent=variant,
                                    work_elsewhere=seconds[refit, variant]):
                mlflow.log_params({"refit": refit, "seeds": " ".join(map(str, entry["seeds"])),
                                   "keras_backend": backends.active(),
                                   "train_examples": entry["train_examples"],
                                   "validation_examples": entry["validation_examples"]})
                mlflow.log_metrics({"best_val_loss": float(np.mean(entry["best_val_loss"])),
                                    "fit_seconds": seconds[refit, variant]})
    return summary


def run(params_path: Path, case_name: str) -> dict:
    params, case, task, paths = open_case(params_path, case_name)
    prepared = task.load_prepared(paths.prepared)
    facts = {"case": case_name, "task": case.task, "keras_backend": backends.active(), **prepared.serving_facts()}
    tuned = read_json(paths.tuning / "best_hyperparameters.json")
    seeds = training_seeds(params.seed, case.train.seeds)
    fits = [Fit(variant, spec, tuned[variant]["hyperparameters"], seed, diagnose=seed == seeds[0])
            for variant, spec in case.models.items() for seed in seeds]
    refit_fits = [Fit(variant, spec, tuned[variant]["hyperparameters"], seed, diagnose=False, refit=refit)
                  for refit in task.refits(case, prepared) for variant, spec in case.models.items() for seed in seeds]
    tracking.configure()
    book = tracking.continue_pipeline_run(tracking.RunBook.load(paths.tuning / "runs.json"), case_name, "train")
    with (tracking.failing_pipeline_run(book), atomic_directory(paths.models) as model_directory,
          atomic_directory(paths.reports / "learning_curves") as curves_directory):
        waiting = {variant: [index for index, fit in enumerate(fits) if fit.variant == variant] for variant in case.models}
        finished: dict[int, dict] = {}
        summaries: dict[str, dict] = {}

        def fit_ended(index: int, result: dict) -> None:
            """A variant is summarised and logged as soon as its last seed's fit ends."""
            finished[index] = result
            if index >= len(fits) or not all(mine in finished for mine in waiting[fits[index].variant]):
                return
            variant = fits[index].variant
            variant_fits = [fits[mine] for mine in waiting[variant]]
            variant_results = [finished[mine] for mine in waiting[variant]]
            summaries[variant] = summarise_variant(book, case_name, variant, case.models[variant], case.train,
                                                 variant_fits, variant_results, model_directory, facts)
            # The first seed's curve and gradients: what the report draws (every seed's are in MLflow).
            write_learning_curve(curves_directory / f"{variant}.csv", variant_results[0]["history"])
            write_json(model_directory / "gradients" / f"{variant}.json", variant_results[0]["gradients"])

        everything = fit_all(params_path, case_name, fits + refit_fits, model_directory, case.train, backends.active(),
                             backends.machine_cores(), fit_ended)
        refit_results = everything[len(fits):]
        summary = {variant: summaries[variant] for variant in case.models}  # params.yaml's order, whatever ended first
        write_json(model_directory / "training.json", summary)
        if refit_fits:
            write_json(model_directory / "refits.json", summarise_refits(book, case_name, refit_fits, refit_results))
        book.save(model_directory / "runs.json")
    return summary
