"""The end-to-end tests' project: a copy of the repository whose params.yaml holds tiny cases over
data made here, run with the real `dvc repro` against an MLflow tracking server. Two modules run a
project each (the forecasting and classification cases; the event, text and generation cases), so
that the two test processes of `make test` share the end-to-end work instead of one doing it all."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import BASE_PARAMS, make_prices, sha256_of
from servers import mlflow_server, postgres_binary, postgres_database
from stage_reads import check_project

from seqcase.reads import FOLDER_VARIABLE

REPOSITORY = Path(__file__).resolve().parents[1]


def run(command: list[str], cwd: Path, env: dict) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result.stdout + result.stderr

BEATS_CASE = {
    "task": "classification", "source": "beats", "description": "Three kinds of synthetic beat.",
    "prepare": {"train_file": "beats.tsv", "class_names": {1: "flat", 2: "rising", 3: "bump"}},
    "models": {"gru": {}, "transformer": {"search_space": {"pooling": "max"}}, "dense": {}}, "tune": {}, "train": {},
    "baselines": {"majority": {}, "logistic_regression": {}}, "evaluate": {},
}

def make_beats(path: Path, per_class: int = 40, steps: int = 16) -> None:
    """A UCR-style file: label, then the sequence; flat, rising or bumped, with noise."""
    rng = np.random.default_rng(3)
    time = np.linspace(0, 1, steps)
    shapes = {1: np.zeros(steps), 2: 2 * time - 1, 3: np.exp(-((time - 0.5) ** 2) / 0.01)}
    rows = [np.concatenate([[label], shape + rng.normal(0, 0.3, steps)])
            for label, shape in shapes.items() for _ in range(per_class)]
    np.savetxt(path, np.array(rows), delimiter="\t", fmt="%.6g")

EVENTS_CASE = {
    "task": "event_classification", "source": "events", "description": "Synthetic transactions.",
    "prepare": {"time_column": "Time", "label_column": "Class", "log_columns": ["Amount"],
                "class_names": ["legitimate", "fraud"], "imbalance": {"method": "undersample", "ratio": 0.25}},
    "models": {"gru": {}, "transformer": {"search_space": {"skip_last_step": True}},
               "dense": {"search_space": {"window_length": 1}}}, "tune": {"max_trials": 1}, "train": {},
    "baselines": {"logistic_regression": {"C": [0.1, 1.0]},
                  "histogram_gradient_boosting": {"max_iter": 20, "min_samples_leaf": 5}},
    "evaluate": {"threshold": "max_f1", "bootstrap_resamples": 100},
}

REVIEWS_CASE = {
    "task": "text_classification", "source": "reviews", "description": "Synthetic reviews.",
    "prepare": {"text_column": "review", "label_column": "sentiment", "positive_label": "positive",
                "test_fraction": 0.3},
    "models": {"gru": {}, "transformer": {}, "dense": {}},
    "tune": {"max_trials": 1, "max_train_examples": 60, "search_space": {"vocabulary_size": 50, "sequence_length": 8,
                                                        "embedding_dim": 4, "kept_words": "last", "pooling": "mean",
                                                        "clipnorm": 1.0}},
    "train": {"seeds": 2}, "baselines": {"tfidf_logistic_regression": {"C": [1.0, 10.0]}},
    "evaluate": {"metric": "accuracy", "threshold": 0.5, "bootstrap_resamples": 100, "misclassified_examples": 3},
}

VERSES_CASE = {
    "task": "text_generation", "source": "verses", "description": "Made-up verses.",
    "prepare": {"validation_fraction": 0.15, "test_fraction": 0.15}, "models": {"gru": {}, "transformer": {}},
    "tune": {"max_trials": 1, "max_epochs": 1, "search_space": {"window_length": 16, "embedding_dim": 4, "units": 16}},
    "train": {"epochs": 2, "seeds": 2}, "baselines": {"kneser_ney": {"order": [2, 3]}, "add_k": {"order": 2, "k": [0.1, 1.0]}},
    "evaluate": {"seed_text": "the ", "sample_length": 40, "temperatures": [0.5, 1.0]},
}

def make_verses(path: Path, lines: int = 150) -> None:
    """Lines from a tiny grammar: enough structure for an n-gram model to find."""
    rng = np.random.default_rng(7)
    subjects, verbs, objects = ["the king", "a ghost", "my lord"], ["sees", "loves", "fears"], ["the night", "a sword"]
    path.write_text("\n".join(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}."
                              for _ in range(lines)) + "\n")

def make_events(path: Path, rows: int = 900) -> None:
    """Transactions in time order; one in ten is positive and stands out in `signal`, and once in a
    while a positive follows a burst of `burst` in the events before it."""
    rng = np.random.default_rng(5)
    labels = (rng.random(rows) < 0.1).astype(int)
    signal = labels * 1.5 + rng.normal(0, 1, rows)
    table = {"Time": np.sort(rng.integers(0, 5000, rows)), "signal": signal, "burst": rng.normal(0, 1, rows),
             "Amount": rng.exponential(50, rows), "Class": labels}
    pd.DataFrame(table).to_csv(path, index=False)

def make_reviews(path: Path, per_class: int = 100) -> None:
    """Short reviews whose sentiment is in their words, with HTML breaks and duplicate rows."""
    rng = np.random.default_rng(6)
    words = {"positive": ["great", "loved", "superb", "fun"], "negative": ["awful", "boring", "dull", "hated"]}
    filler = ["the", "film", "plot", "actor", "was", "and", "a", "it"]
    rows = [(" ".join(rng.choice(filler + words[label] * 2, 7)) + "<br /><br />" + " ".join(rng.choice(filler, 3)),
             label) for label in words for _ in range(per_class)]
    pd.DataFrame(rows + rows[:5], columns=["review", "sentiment"]).to_csv(path, index=False)

CREDENTIALS = ("seqcase-admin", "not-in-git-" + os.urandom(6).hex())


# name -> (the file its data is made in, a function that makes it, the case); tiny's data and case come
# from conftest (the unit tests share them).
MADE_CASES = {"beats": ("beats.tsv", make_beats, BEATS_CASE), "events": ("events.csv", make_events, EVENTS_CASE),
              "reviews": ("reviews.csv", make_reviews, REVIEWS_CASE), "verses": ("verses.txt", make_verses, VERSES_CASE)}


def project_fixture(cases: tuple[str, ...], targets: tuple[str, ...] = ()):
    """A module's project with these cases (in this order), built once for the module by `dvc repro`
    of `targets` (every stage when none is named)."""

    @pytest.fixture(scope="module")
    def project(tmp_path_factory) -> Iterator[tuple[Path, dict]]:
        """The project, run with `dvc repro` against an MLflow tracking server on PostgreSQL behind
        basic authentication (SQLite where PostgreSQL is missing). This process reads the server
        with the same credentials; the module's tests point MLflow at it, and the tests that run
        after them in this process get their tracking URI back."""
        previous_uri = os.environ.get("MLFLOW_TRACKING_URI")
        with contextlib.ExitStack() as servers:
            root, context = run_project(tmp_path_factory.mktemp("project"), servers, cases, targets)
            for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
                if name in context["env"]:
                    servers.enter_context(environment_variable(name, context["env"][name]))
            try:
                yield root, context
            finally:
                mlflow.set_tracking_uri(previous_uri)  # None unsets MLFLOW_TRACKING_URI, as before

    return project


@contextlib.contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def run_project(root: Path, servers: contextlib.ExitStack, cases: tuple[str, ...],
                targets: tuple[str, ...] = ()) -> tuple[Path, dict]:
    for name in ("dvc.yaml", ".dvcignore", "pipelines", "src", ".dvc"):
        source = REPOSITORY / name
        (shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("tmp", "cache", "__pycache__"))
         if source.is_dir() else shutil.copy(source, root / name))
    params = json.loads(json.dumps(BASE_PARAMS))
    shared_sources, shared_cases = params["sources"], params["cases"]
    params["sources"], params["cases"] = {}, {}
    for name in cases:
        if name == "tiny":
            make_prices(260, gap_after=130).to_csv(root / "prices.csv", index=False)
            params["sources"]["prices"] = {**shared_sources["prices"], "sha256": sha256_of(root / "prices.csv")}
            tiny = params["cases"]["tiny"] = shared_cases["tiny"]
            tiny["prepare"]["horizon"] = 2
            tiny["evaluate"] = {"steps": [2], "metrics": ["time_lag"]}
            tiny["train"] = {"backtest": {"origins": 2}}  # the test part in two, refitted at the second
            tiny["models"] = {**tiny["models"], "transformer": {}}  # every task runs the attention family too
            continue
        file, make, case = MADE_CASES[name]
        make(root / file)
        params["sources"][name] = {"kind": "file", "path": file, "sha256": sha256_of(root / file)}
        params["cases"][name] = case
    params["fundamentals"] = {"adding": {"cells": ["simple_rnn", "lstm"], "sequence_lengths": [4, 8], "units": 4,
                                         "iterations": 30, "batch_size": 8}}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    database, credentials = None, {}
    if postgres_binary("initdb") or os.environ.get("SEQCASE_REQUIRE_POSTGRES") == "1":
        database = servers.enter_context(postgres_database())
        tracking_uri = servers.enter_context(mlflow_server(database, root.parent / "mlflow-artifacts",
                                                           credentials=CREDENTIALS))
        credentials = {"MLFLOW_TRACKING_USERNAME": CREDENTIALS[0], "MLFLOW_TRACKING_PASSWORD": CREDENTIALS[1]}
    else:  # said once per project, in pytest's warnings summary: CI requires PostgreSQL and never gets here
        warnings.warn("PostgreSQL is not installed (Debian: apt-get install postgresql): this end-to-end project logs "
                      "to SQLite, and the tests of the tracking server skip", stacklevel=1)
        tracking_uri = f"sqlite:///{root}/mlflow.db"
    env = {**os.environ, **credentials, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "MLFLOW_TRACKING_URI": tracking_uri, "DVC_NO_ANALYTICS": "1",
           "MLFLOW_DISABLE_TELEMETRY": "true", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    run(["git", "init", "-q"], root, env)
    run(["git", "add", "-A"], root, env)
    run(["git", "commit", "-qm", "tiny"], root, env)
    # What each stage of this first run read (tests/stage_reads.py): a folder per project, as one
    # pytest worker may build both test modules' projects side by side.
    reads = root.parent / f"{root.name}-reads"
    output = run(["dvc", "repro", *targets], root, {**env, FOLDER_VARIABLE: str(reads)})
    return root, {"env": env, "output": output, "database": database, "artifacts": root.parent / "mlflow-artifacts",
                  "reads": reads}


def assert_every_stage_read_what_the_record_says(root: Path, context: dict) -> None:
    """This project's stages read the modules and params keys tests/stage_reads.json holds for their
    tasks, against which test_dvc_stages checks dvc.yaml both ways."""
    problems = check_project(context["reads"], root / "params.yaml")
    assert not problems, ("\n".join(problems) + "\nIf the change is meant, rewrite tests/stage_reads.json: "
                          "SEQCASE_UPDATE_READS=1 python -m pytest -n 2 tests/test_pipeline.py tests/test_pipeline_tasks.py "
                          "(the whole modules: the TensorFlow test adds its stages' reads)")


def status_of(root: Path, env: dict) -> dict:
    """`dvc status`: the stages a `dvc repro` would run, with why."""
    return json.loads(run(["dvc", "status", "--json"], root, env))


def champion_window_length(case: str) -> int:
    """The window the registered champion of a case reads (the tracking URI is set by the caller)."""
    facts = mlflow.pyfunc.load_model(f"models:/seqcase-{case}@champion").unwrap_python_model().facts
    return facts["hyperparameters"]["window_length"]


def assert_every_case_carries_its_verdict(root: Path, cases: tuple[str, ...]) -> None:
    for case in cases:
        verdict = json.loads((root / f"reports/{case}/metrics.json").read_text())["verdict"]
        assert {"beaten", "model", "baseline", "p_value", "difference", "interval", "test", "text"} <= set(verdict), case
        low, high = verdict["interval"]
        assert low < verdict["difference"] < high and 0 <= verdict["p_value"] <= 1, case
        assert verdict["beaten"] == (verdict["p_value"] < verdict["significance"]), case  # the test's interval:
        assert not verdict["beaten"] or low > 0 or high < 0, case  # a "yes" is an interval without 0
        assert verdict["text"] in (root / f"reports/{case}/report.md").read_text()
        assert f"- {case}: {verdict['test']}\n" in (root / "reports/summary.md").read_text()  # the footnote's p
        # Every case has a transformer: the same recurrent model meets it, with the same test.
        attention = verdict["attention"]
        assert attention["model"] == verdict["model"] and attention["baseline"].startswith("transformer"), case
        assert attention["test"].split(";")[0] == verdict["test"].split(";")[0], case  # the same resampling
        assert "model minus attention model" in attention["test"], case
        low, high = attention["interval"]
        assert attention["beaten"] == (attention["p_value"] < attention["significance"]) and low < high, case
        assert f"Against the attention model: {attention['text']}" in (root / f"reports/{case}/report.md").read_text()
        headline = json.loads((root / f"reports/{case}/headline.json").read_text())["verdict"]
        assert headline["recurrent_beats_attention"] == attention["beaten"], case


def verdict_chance(root: Path, case: str, unit: str) -> str:
    """What the verdict's interval is over: the test examples alone for an ensemble (a fixed model),
    with the seeds for a mean over seeds."""
    verdict = json.loads((root / f"reports/{case}/metrics.json").read_text())["verdict"]
    alone = verdict["model"].endswith("_ensemble") or len(verdict["seeds"]) < 2
    return f"over {unit})" if alone else f"over {unit} and seeds)"


def best_on_validation(search: dict, score: str, higher: bool) -> dict:
    """The grid entry a baseline's search should choose: the best validation score, less that score."""
    best = (max if higher else min)(search["grid"], key=lambda entry: entry[score])
    return {key: value for key, value in best.items() if key != score}


def shown_plots(root: Path, env: dict, cases: tuple[str, ...]) -> dict:
    """`dvc plots show --json`: one chart per case and kind, every model on it, not one per file."""
    shown = json.loads(run(["dvc", "plots", "show", "--json"], root, env))["data"]
    assert set(shown) == {f"reports/{case}/plots/{kind}.csv" for case in cases for kind in ("learning_curves", "predictions")}
    return shown


def headline_shown(root: Path, env: dict, case: str) -> dict:
    """A case's numbers as `dvc metrics show` reads them: its headline.json, not the full metrics.json."""
    shown = json.loads(subprocess.run(["dvc", "metrics", "show", "--json"], cwd=root, env=env, capture_output=True,
                                      text=True, check=True).stdout)
    (revision,) = shown.values()
    assert f"reports/{case}/metrics.json" not in revision["data"]
    return revision["data"][f"reports/{case}/headline.json"]["data"]
