"""Small data the tests make: a price table with a known gap, and a params mapping around it."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The tests' own process runs Keras on the default backend (a test that needs the other runs a stage
# or a script in a process of its own).
os.environ.setdefault("KERAS_BACKEND", "jax")


def make_prices(rows: int = 300, gap_after: int | None = 150, gap_days: int = 10, seed: int = 0) -> pd.DataFrame:
    """Business-day OHLCV with a random-walk close and one closure of `gap_days` after row `gap_after`."""
    rng = np.random.default_rng(seed)
    dates = list(pd.bdate_range("2020-01-01", periods=rows))
    if gap_after is not None:
        shift = pd.Timedelta(days=gap_days)
        dates = dates[: gap_after + 1] + [date + shift for date in dates[gap_after + 1:]]
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, rows)))
    high = close * (1 + rng.uniform(0.001, 0.02, rows))
    low = close * (1 - rng.uniform(0.001, 0.02, rows))
    volume = rng.integers(1_000_000, 5_000_000, rows)
    return pd.DataFrame({
        "Date": [date.strftime("%m/%d/%Y") for date in dates],
        "Open": close, "High": high, "Low": low, "Close": close, "Volume": volume,
    })


def series_from(values: np.ndarray, transform: str = "none", horizon: int = 2) -> "PreparedSeries":
    """A one-feature prepared series, split 60/20/20, scaled on its training rows."""
    from seqcase.tasks.forecasting.data import PreparedSeries

    values = np.asarray(values, dtype=np.float64)
    rows = len(values)
    split = np.zeros(rows, dtype=np.int8)
    split[int(rows * 0.6):] = 1
    split[int(rows * 0.8):] = 2
    mean, scale = values[split == 0].mean(), values[split == 0].std()
    return PreparedSeries(
        timestamps=np.arange(rows).astype("datetime64[D]").astype("datetime64[ns]"),
        inputs=((values - mean) / scale).astype(np.float32)[:, None], target_original=values,
        segment=np.zeros(rows, dtype=np.int32), split=split, feature_names=("y",),
        feature_mean=np.array([mean]), feature_scale=np.array([scale]), horizon=horizon, target_transform=transform,
    )


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


BASE_CASE = {
    "task": "forecasting",
    "source": "prices",
    "description": "A synthetic random walk.",
    "prepare": {
        "time_column": "Date",
        "time_format": "%m/%d/%Y",
        "target": {"column": "Close", "transform": "log_return"},
        "features": [{"column": "High", "over": "Low", "transform": "log_ratio"}],
        "horizon": 1,
        "max_gap": "5D",
    },
    "models": {"lstm": {}, "dense": {}},
    "tune": {},
    "train": {},
    "baselines": {"naive": {}, "drift": {}, "mean": {}, "linear_lags": {"lags": 5}},
    "evaluate": {},
}

def with_verses_case(raw_params: dict, directory: Path) -> Path:
    """params.yaml in `directory` with a character language model case `verses` beside the tiny one."""
    import yaml

    raw_params["sources"]["verses"] = {"kind": "file", "path": "verses.txt", "sha256": "0" * 64}
    raw_params["cases"]["verses"] = {
        "task": "text_generation", "source": "verses", "description": "Verses.", "prepare": {},
        "models": {"gru": {}}, "tune": {"search_space": {"window_length": 16, "embedding_dim": 4}}, "train": {},
        "baselines": {"add_k": {}}, "evaluate": {"seed_text": "the "}}
    path = directory / "params.yaml"
    path.write_text(yaml.safe_dump(raw_params))
    return path


BASE_PARAMS = {
    "seed": 7,
    "keras_backend": "jax",
    "evaluate": {"significance": 0.05},
    "sources": {"prices": {"kind": "file", "path": "prices.csv", "sha256": "0" * 64}},
    "defaults": {
        "prepare": {"validation_fraction": 0.2, "test_fraction": 0.2},
        "search_space": {"window_length": [5], "units": [2, 4], "layers": [1], "dropout": [0.0],
                         "learning_rate": 0.01, "filters": [4], "kernel_size": [3]},
        "tune": {"algorithm": "random_search", "max_trials": 2, "max_epochs": 2, "batch_size": 32},
        "train": {"epochs": 3, "batch_size": 32, "early_stopping_patience": 2, "reduce_lr_patience": 1},
    },
    "cases": {"tiny": BASE_CASE},
}


@pytest.fixture
def raw_params() -> dict:
    return copy.deepcopy(BASE_PARAMS)


@pytest.fixture(scope="session")
def empty_mlflow_database(tmp_path_factory) -> Path:
    """An empty SQLite tracking store, made once per test process: MLflow creating and migrating
    its tables costs a second or two, paid by every test that wants a store of its own."""
    from mlflow.tracking import MlflowClient

    path = tmp_path_factory.mktemp("empty-mlflow") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch, empty_mlflow_database) -> str:
    """A fresh SQLite tracking store for one test: a copy of the empty one, whose Default
    experiment keeps its artifacts under this test's directory."""
    from seqcase import tracking

    database = tmp_path / "mlflow.db"
    shutil.copyfile(empty_mlflow_database, database)
    with contextlib.closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                           (str(tmp_path / "mlruns" / "0"),))
    uri = f"sqlite:///{database}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    tracking.configure()
    return uri


@pytest.fixture(scope="session")
def keras_seeded():
    """Import Keras once and seed it; tests that build networks share it."""
    import keras

    keras.utils.set_random_seed(0)
    return keras


def pytest_collection_modifyitems(items: list) -> None:
    """The end-to-end modules first. `make test` runs two processes that take whole files in
    collection order (`--dist loadfile --no-loadscope-reorder`): each starts on an end-to-end
    project at once, the longest work, and the unit tests fill in after."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
