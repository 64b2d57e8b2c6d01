"""The comparison table: the "every model, every overall test metric" table of each report.md and
the report run's comparison.json, with the metrics named as the MLflow runs name them. It shapes
the reports, so it lives where the report stage's dependencies are (src/seqcase/reporting/).
"""

from __future__ import annotations

import pandas as pd

from seqcase.tracking import test_metrics


def comparison_frame(models: dict[str, dict], families: dict[str, str]) -> pd.DataFrame:
    """One row per variant and baseline, one column per test metric (as the runs name them)."""
    return pd.DataFrame([{"model": name, "family": families.get(name, ""), **test_metrics(scores)}
                         for name, scores in models.items()])
