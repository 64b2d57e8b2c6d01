"""The gradient diagnostics section every case's report gets, from the train stage's records."""

from __future__ import annotations

from pathlib import Path

from seqcase.evaluation.gradient_flow import first_to_last
from seqcase.io import read_json
from seqcase.reporting.figures import input_gradient_figure
from seqcase.reporting.report import Table, cell


def load_records(directory: Path) -> dict[str, list[dict]]:
    """Per variant, its per-epoch diagnostics; none when the train stage wrote none."""
    return {path.stem: read_json(path) for path in sorted(Path(directory).glob("*.json"))}


def gradient_table(records: dict[str, list[dict]]) -> Table:
    rows = []
    for variant, epochs in records.items():
        first, last = epochs[0], epochs[-1]
        ratio = first_to_last(last["input_by_step"])
        layers = ", ".join(f"{name} {cell(first['layers'][name])} → {cell(value)}" for name, value in last["layers"].items())
        rows.append([variant, str(len(last["input_by_step"])), cell(ratio), layers])
    return Table("Gradient diagnostics", ["variant", "input steps", "first step / last step", "layer gradient norms, "
                                          "epoch 1 → last epoch"], rows,
                 "On 256 validation examples at each epoch's end (also in MLflow, per epoch: training/gradient_norm.<layer>, "
                 "training/input_gradient_first_to_last). For a text, steps count back from each review's own last word.")


def gradient_section(figure_directory: Path, records_directory: Path, step_label: str) -> tuple[list[Table], dict]:
    records = load_records(records_directory)
    if not records:
        return [], {}
    curves = {variant: epochs[-1]["input_by_step"] for variant, epochs in records.items()}
    figure = input_gradient_figure(figure_directory / "input_gradient.png", curves, step_label)
    return [gradient_table(records)], {"Gradient reaching each input step": figure}
