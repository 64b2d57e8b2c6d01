"""Matplotlib figures for the reports, written as PNG files (no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from seqcase.io import atomic_path  # noqa: E402


def save_figure(figure, path: Path) -> Path:
    figure.tight_layout()
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=110, format="png", bbox_inches="tight")  # nothing clipped
    plt.close(figure)
    return path


def forecast_figure(path: Path, timestamps: np.ndarray, actual: np.ndarray, forecasts: dict[str, np.ndarray],
                    last: int = 250, step: int = 1) -> Path:
    """Actual against a few forecasts (`step` ahead) over the end of the test part."""
    figure, axis = plt.subplots(figsize=(10, 4))
    dates = pd.to_datetime(timestamps[-last:])
    axis.plot(dates, actual[-last:], color="black", linewidth=1.2, label="actual")
    for name, predicted in forecasts.items():
        axis.plot(dates, predicted[-last:], linewidth=1, label=name)
    axis.set_title(f"Test part, last {min(last, len(dates))} windows: {step} step(s) ahead")
    axis.legend(loc="upper left", fontsize=8)
    return save_figure(figure, path)


def fan_figure(path: Path, timestamps: np.ndarray, actual: np.ndarray, forecast: np.ndarray,
               bounds: dict[str, tuple[np.ndarray, np.ndarray]], title: str, ylabel: str = "") -> Path:
    """A forecast with its prediction intervals (widest palest) against the actual values."""
    figure, axis = plt.subplots(figsize=(10, 4))
    dates = pd.to_datetime(timestamps)
    widest_first = sorted(bounds, key=lambda key: float(key), reverse=True)
    for shade, key in zip(np.linspace(0.2, 0.45, len(widest_first)), widest_first):
        lower, upper = bounds[key]
        axis.fill_between(dates, lower, upper, color="tab:blue", alpha=float(shade), linewidth=0,
                          label=f"{key} % interval")
    axis.plot(dates, forecast, color="tab:blue", linewidth=1, label="forecast")
    axis.plot(dates, actual, color="black", linewidth=1, label="actual")
    axis.set_title(title)
    axis.set_ylabel(ylabel)
    axis.legend(loc="upper left", fontsize=8)
    figure.autofmt_xdate()
    return save_figure(figure, path)


def learning_curves_figure(path: Path, curves: dict[str, pd.DataFrame]) -> Path:
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, curve in curves.items():
        axis.plot(curve["epoch"], curve["val_loss"], label=name)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("validation loss")
    axis.set_title("Learning curves of the retrained variants")
    axis.legend(fontsize=8)
    return save_figure(figure, path)


def learning_curves_section(directory: Path, curves_directory: Path) -> dict[str, Path]:
    """The report's learning-curve figure from the train stage's CSVs; none when there are none."""
    curves = {path.stem: pd.read_csv(path) for path in sorted(Path(curves_directory).glob("*.csv"))}
    if not curves:
        return {}
    return {"Learning curves": learning_curves_figure(directory / "learning_curves.png", curves)}


def bar_figure(path: Path, values: dict[str, float], colours: dict[str, str], xlabel: str,
               reference: float | None = None, ascending: bool = True) -> Path:
    """One bar per model, best first; `reference` draws a dashed line (1.0 for a ratio to the naive)."""
    names = sorted(values, key=values.get, reverse=not ascending)
    figure, axis = plt.subplots(figsize=(7, 0.4 * len(names) + 1.2))
    axis.barh(names, [values[name] for name in names], color=[colours[name] for name in names])
    low, high = min(values.values()), max(values.values())
    if reference is not None:
        axis.axvline(reference, color="black", linestyle="--", linewidth=1)
        low, high = min(low, reference), max(high, reference)
    margin = 0.05 * (high - low or 1)
    axis.set_xlim(max(0.0, low - margin) if low >= 0 else low - margin, high + margin)
    axis.invert_yaxis()
    axis.set_xlabel(xlabel)
    return save_figure(figure, path)


def clarke_grid_figure(path: Path, reference: np.ndarray, predicted: np.ndarray, title: str) -> Path:
    """Predictions against reference glucose on the Clarke error grid (zone boundaries and letters)."""
    figure, axis = plt.subplots(figsize=(6, 6))
    axis.scatter(reference, predicted, s=3, alpha=0.35, color="tab:blue", linewidths=0)
    line = dict(color="black", linewidth=0.8)
    axis.plot([0, 400], [0, 400], linestyle=":", **line)
    axis.plot([0, 175 / 3], [70, 70], **line)
    axis.plot([175 / 3, 400 / 1.2], [70, 400], **line)
    axis.plot([70, 70], [84, 400], **line)
    axis.plot([0, 70], [180, 180], **line)
    axis.plot([70, 290], [180, 400], **line)
    axis.plot([70, 70], [0, 56], **line)
    axis.plot([70, 400], [56, 320], **line)
    axis.plot([180, 180], [0, 70], **line)
    axis.plot([180, 400], [70, 70], **line)
    axis.plot([240, 240], [70, 180], **line)
    axis.plot([240, 400], [180, 180], **line)
    axis.plot([130, 180], [0, 70], **line)
    labels = [("A", 30, 15), ("B", 370, 260), ("B", 280, 370), ("C", 160, 370), ("C", 160, 15), ("D", 30, 140),
              ("D", 370, 120), ("E", 30, 370), ("E", 370, 15)]
    for letter, x, y in labels:
        axis.text(x, y, letter, fontsize=14)
    axis.set_xlim(0, 400)
    axis.set_ylim(0, 400)
    axis.set_xlabel("reference glucose (mg/dL)")
    axis.set_ylabel("predicted glucose (mg/dL)")
    axis.set_title(title)
    return save_figure(figure, path)


def confusion_figure(path: Path, matrix: np.ndarray, class_names: list[str], title: str) -> Path:
    """Counts, coloured by the share of each true class (rows), so rare classes show too."""
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axis = plt.subplots(figsize=(1.1 * len(class_names) + 2.5, 1.0 * len(class_names) + 2))
    axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for row in range(matrix.shape[0]):
        for column in range(matrix.shape[1]):
            axis.text(column, row, str(matrix[row, column]), ha="center", va="center",
                      color="white" if shares[row, column] > 0.6 else "black", fontsize=9)
    axis.set_xticks(range(len(class_names)), class_names, rotation=30, ha="right")
    axis.set_yticks(range(len(class_names)), class_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title)
    return save_figure(figure, path)


def horizon_figure(path: Path, per_horizon_rmse: dict[str, list[float]], step_label: str = "steps ahead") -> Path:
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, values in per_horizon_rmse.items():
        axis.plot(range(1, len(values) + 1), values, marker="o", label=name)
    axis.set_xlabel(step_label)
    axis.set_ylabel("test RMSE")
    axis.legend(fontsize=8)
    return save_figure(figure, path)


def origin_figure(path: Path, ratios: dict[str, list[float]], origins: list[str], colours: dict[str, str]) -> Path:
    """Each model's test RMSE over the naive forecast's at every backtest origin: does a model win
    everywhere or in one period? Below the dashed line is better than the naive forecast."""
    figure, axis = plt.subplots(figsize=(9, 4.5))
    for name, values in ratios.items():
        axis.plot(range(len(origins)), values, marker="o", linewidth=1, label=name, color=colours.get(name),
                  linestyle="--" if name.endswith("_ensemble") else "-")
    axis.axhline(1.0, color="black", linestyle="--", linewidth=0.8)
    axis.set_xticks(range(len(origins)), origins, rotation=30, ha="right", fontsize=8)
    axis.set_xlabel("backtest origin (its test window's first day)")
    axis.set_ylabel("test RMSE / naive RMSE")
    axis.set_title("Error by backtest origin")
    axis.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1))
    return save_figure(figure, path)


def precision_recall_figure(path: Path, curves: dict[str, tuple[np.ndarray, np.ndarray]], colours: dict[str, str],
                            positive_share: float) -> Path:
    """Precision against recall per model; the dashed line is a random ranking (the positives' share)."""
    figure, axis = plt.subplots(figsize=(7, 5))
    for name, (precision, recall) in curves.items():
        axis.plot(recall, precision, label=name, linewidth=1.2, color=colours.get(name), drawstyle="steps-post")
    axis.axhline(positive_share, color="black", linestyle="--", linewidth=0.8, label="random")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("recall")
    axis.set_ylabel("precision")
    axis.set_title("Precision-recall curves (test part)")
    axis.legend(fontsize=8, loc="lower left")
    return save_figure(figure, path)


def input_gradient_figure(path: Path, curves: dict[str, list[float]], step_label: str) -> Path:
    """|d loss / d input| by steps before the end, one line per network: the vanishing curve."""
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, values in curves.items():
        axis.plot(np.arange(len(values)), values, label=name, linewidth=1.1)
    axis.set_yscale("log")
    axis.set_xlabel(step_label)
    axis.set_ylabel("mean |d loss / d input|")
    axis.set_title("Gradient reaching each input step (last epoch, 256 validation examples)")
    axis.legend(fontsize=8)
    return save_figure(figure, path)
