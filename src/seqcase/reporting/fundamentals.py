"""The fundamentals report: where each reference cell stops learning the adding problem, and why
(the gradient that reaches the first steps)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqcase.evaluation.gradient_flow import first_to_last
from seqcase.reporting.figures import plt, save_figure
from seqcase.reporting.report import ReportContent, Table, cell

CELL_COLOURS = {"simple_rnn": "tab:red", "lstm": "tab:blue", "gru": "tab:green"}


def longest_solved(runs: list[dict]) -> dict[str, int | None]:
    """Per cell, the longest sequence it solved with every shorter one solved too."""
    result = {}
    for name in dict.fromkeys(run["cell"] for run in runs):
        solved = None
        for run in sorted((run for run in runs if run["cell"] == name), key=lambda run: run["length"]):
            if not run["solved"]:
                break
            solved = run["length"]
        result[name] = solved
    return result


def verdict(runs: list[dict], guess_mse: float) -> dict:
    reach = longest_solved(runs)
    parts = [f"{name} up to {length} steps" if length else f"{name} at no length tried"
             for name, length in reach.items()]
    gated = [length or 0 for name, length in reach.items() if name != "simple_rnn"]
    plain = reach.get("simple_rnn") or 0
    beaten = "simple_rnn" in reach and bool(gated) and min(gated) > plain
    text = (f"Solved (test MSE below a tenth of the mean guess's {guess_mse:.3f}): {'; '.join(parts)}. "
            + ("The gated cells carry the first marked value across sequences where SimpleRNN's gradient has "
               "vanished." if beaten else "The gated cells did not reach further than SimpleRNN here."))
    return {"text": text, "beaten": beaten, "longest_solved": reach}


def results_table(runs: list[dict], guess_mse: float) -> Table:
    lengths = sorted({run["length"] for run in runs})
    by_key = {(run["cell"], run["length"]): run for run in runs}
    cells = list(dict.fromkeys(run["cell"] for run in runs))
    rows = [[name, *[f"{cell(by_key[name, length]['test_mse'])}{' ✓' if by_key[name, length]['solved'] else ''}"
                     for length in lengths]] for name in cells]
    return Table("Adding problem: test MSE by sequence length", ["cell", *[str(length) for length in lengths]], rows,
                 f"✓ solved: MSE below {0.1 * guess_mse:.4f}. Guessing the mean scores {guess_mse:.4f}.")


def gradient_table(runs: list[dict]) -> Table:
    """How much of the gradient at the last step still reaches the first, before and after training."""
    order = list(dict.fromkeys(run["cell"] for run in runs))
    rows = []
    for run in sorted(runs, key=lambda run: (order.index(run["cell"]), run["length"])):
        rows.append([run["cell"], str(run["length"]), cell(first_to_last(run["gradient_at_start"])),
                     cell(first_to_last(run["gradient_at_end"]))])
    return Table("How much gradient reaches the first step",
                 ["cell", "length", "first step / last step, at initialisation", "after training"], rows,
                 "The norm of d loss / d input at the first step over that at the last, from backpropagation through "
                 "time in the NumPy reference on 256 test sequences. A GRU starts with its update gate half open, so "
                 "its state, and the gradient, fade fast at first; training opens the gate where memory pays. "
                 "(Each run's training seconds are in MLflow: a tracked report holds no timings, so an unchanged "
                 "re-run rewrites it byte for byte.)")


def draw_figures(directory: Path, runs: list[dict], guess_mse: float) -> dict[str, Path]:
    figures = {}
    figure, axis = plt.subplots(figsize=(7, 4))
    for name in dict.fromkeys(run["cell"] for run in runs):
        own = sorted((run for run in runs if run["cell"] == name), key=lambda run: run["length"])
        axis.plot([run["length"] for run in own], [run["test_mse"] for run in own], marker="o", label=name,
                  color=CELL_COLOURS.get(name))
    axis.axhline(guess_mse, color="black", linestyle="--", linewidth=0.8, label="guess the mean")
    axis.axhline(0.1 * guess_mse, color="gray", linestyle=":", linewidth=0.8, label="solved below")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("sequence length")
    axis.set_ylabel("test MSE")
    axis.set_title("Adding problem: where each cell stops learning")
    axis.legend(fontsize=8)
    figures["Test MSE by sequence length"] = save_figure(figure, directory / "adding_mse.png")

    longest = max(run["length"] for run in runs)
    figure, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for axis, key, title in zip(axes, ("gradient_at_start", "gradient_at_end"), ("at initialisation", "after training")):
        for run in (run for run in runs if run["length"] == longest):
            axis.plot(run[key], label=run["cell"], color=CELL_COLOURS.get(run["cell"]))
        axis.set_yscale("log")
        axis.set_xlabel("steps before the end")
        axis.set_title(f"|d loss / d input|, length {longest}, {title}")
    axes[0].set_ylabel("mean gradient norm")
    axes[0].legend(fontsize=8)
    figures["The vanishing gradient"] = save_figure(figure, directory / "vanishing_gradient.png")

    figure, axis = plt.subplots(figsize=(7, 4))
    for run in (run for run in runs if run["length"] == longest):
        axis.plot(np.arange(1, len(run["learning_curve"]) + 1) / len(run["learning_curve"]), run["learning_curve"],
                  label=run["cell"], color=CELL_COLOURS.get(run["cell"]))
    axis.axhline(guess_mse, color="black", linestyle="--", linewidth=0.8, label="guess the mean")
    axis.set_yscale("log")
    axis.set_xlabel("share of the training iterations")
    axis.set_ylabel("training MSE")
    axis.set_title(f"Learning curves, length {longest}")
    axis.legend(fontsize=8)
    figures["Learning curves"] = save_figure(figure, directory / "adding_learning_curves.png")
    return figures


def content(runs: list[dict], guess_mse: float, settings: dict, figure_directory: Path) -> ReportContent:
    return ReportContent(verdict=verdict(runs, guess_mse), tables=[results_table(runs, guess_mse), gradient_table(runs)],
                         figures=draw_figures(figure_directory, runs, guess_mse), data=settings, training={})
