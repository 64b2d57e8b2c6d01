"""The case's DVC plots: one table per kind of chart, every model in it, so `dvc plots show` draws
one chart per case and kind (every variant's learning curve on one chart, every model's forecast on
one chart) instead of one chart per file.

The train and evaluate stages keep one CSV per model (the report's figures read them); the report
stage lays them side by side in long form, a `variant` or `model` column naming whose rows they
are. The task's template (.dvc/plots/<task>.json) colours by that column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from seqcase.models.ensemble import ENSEMBLE_SUFFIX

# A forecast chart of the whole test part is a hairball: the overlay keeps its last stretch.
FORECAST_DATES = 250


def read_tables(directory: Path) -> dict[str, pd.DataFrame]:
    """Each CSV of a stage's per-model directory, by model (its file name)."""
    return {path.stem: pd.read_csv(path) for path in sorted(Path(directory).glob("*.csv"))}


def learning_curves_table(curves: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every variant's learning curve (its first seed's) in one table: variant, epoch, loss, val_loss."""
    frames = [curve[["epoch", *(column for column in ("loss", "val_loss") if column in curve)]].assign(variant=variant)
              for variant, curve in curves.items()]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["epoch", "variant"])
    return table[["variant", *(column for column in table.columns if column != "variant")]]


def overlay_table(tables: dict[str, pd.DataFrame], dates: int = FORECAST_DATES) -> pd.DataFrame:
    """Every model's prediction table in one, with a `model` column. Three rules keep it readable:
    a variant's first-seed table is left out when its seed ensemble has one (the ensemble is what
    the verdict weighs); a table of labels alone (actual, predicted) becomes a count per pair; a
    table over dates keeps its last `dates` dates."""
    shown = {name: table for name, table in tables.items()
             if name.endswith(ENSEMBLE_SUFFIX) or f"{name}{ENSEMBLE_SUFFIX}" not in tables}
    frames = []
    for name, table in shown.items():
        if len(table.columns) and not any(pd.api.types.is_numeric_dtype(table[column]) for column in table):
            table = table.value_counts(sort=False).rename("count").reset_index()
        elif "date" in table:
            kept = table["date"].drop_duplicates().sort_values().iloc[-dates:]
            table = table[table["date"].isin(kept)]
        frames.append(table.assign(model=name))
    if not frames:
        return pd.DataFrame(columns=["model"])
    overlay = pd.concat(frames, ignore_index=True)
    return overlay[["model", *(column for column in overlay.columns if column != "model")]]
