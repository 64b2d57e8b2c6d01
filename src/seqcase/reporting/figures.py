"""Matplotlib figures for the reports, written as PNG files (no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from seqcase.io import atomic_path  # noqa: E402


def _save(figure, path: Path) -> Path:
    figure.tight_layout()
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=110, format="png")
    plt.close(figure)
    return path


def forecast_figure(path: Path, timestamps: np.ndarray, actual: np.ndarray, forecasts: dict[str, np.ndarray],
                    last: int = 250) -> Path:
    """Actual against a few forecasts (first step ahead) over the end of the test part."""
    figure, axis = plt.subplots(figsize=(10, 4))
    dates = pd.to_datetime(timestamps[-last:])
    axis.plot(dates, actual[-last:], color="black", linewidth=1.2, label="actual")
    for name, predicted in forecasts.items():
        axis.plot(dates, predicted[-last:], linewidth=1, label=name)
    axis.set_title(f"Test part, last {min(last, len(dates))} windows: one step ahead")
    axis.legend(loc="upper left", fontsize=8)
    return _save(figure, path)


def learning_curves_figure(path: Path, curves: dict[str, pd.DataFrame]) -> Path:
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, curve in curves.items():
        axis.plot(curve["epoch"], curve["val_loss"], label=name)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("validation loss (MSE, scaled)")
    axis.set_title("Learning curves of the retrained variants")
    axis.legend(fontsize=8)
    return _save(figure, path)


def ratio_figure(path: Path, ratios: dict[str, float], colours: dict[str, str]) -> Path:
    """Test RMSE relative to the naive forecast; below 1 beats the random walk."""
    names = sorted(ratios, key=ratios.get)
    figure, axis = plt.subplots(figsize=(7, 0.4 * len(names) + 1.2))
    axis.barh(names, [ratios[name] for name in names], color=[colours[name] for name in names])
    axis.axvline(1.0, color="black", linestyle="--", linewidth=1)
    low, high = min(ratios.values()), max(ratios.values())
    axis.set_xlim(min(0.95, low - 0.01), max(1.05, high + 0.01))
    axis.set_xlabel("test RMSE / naive RMSE")
    return _save(figure, path)


def horizon_figure(path: Path, per_horizon_rmse: dict[str, list[float]]) -> Path:
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, values in per_horizon_rmse.items():
        axis.plot(range(1, len(values) + 1), values, marker="o", label=name)
    axis.set_xlabel("steps ahead")
    axis.set_ylabel("test RMSE")
    axis.legend(fontsize=8)
    return _save(figure, path)
