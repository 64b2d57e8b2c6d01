"""Where each stage of a case reads and writes; dvc.yaml spells out the same paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


RAW_ROOT = Path("data/raw")
SUMMARIES = Path("data/summaries")
CASE_NAMES = Path("data/case_names.json")  # written by validate: the cases in params.yaml's order, for summary


def raw_directory(source_name: str, root: Path = RAW_ROOT) -> Path:
    """Where a source's fetch stage writes its files, and the prepare stage reads them."""
    return Path(root) / source_name


@dataclass(frozen=True)
class CasePaths:
    case: str
    root: Path = Path(".")

    @property
    def prepared(self) -> Path:
        return self.root / "data" / "prepared" / self.case

    @property
    def tuning(self) -> Path:
        return self.root / "data" / "tuning" / self.case

    @property
    def tuning_state(self) -> Path:
        """keras-tuner's trials and the MLflow run book of a search under way: not a DVC output (DVC
        would delete it before the stage re-runs), kept after a killed search so that the next run
        continues it, removed when the search completes."""
        return self.root / "data" / "tuning_state" / self.case

    @property
    def models(self) -> Path:
        return self.root / "data" / "models" / self.case

    @property
    def evaluation(self) -> Path:
        return self.root / "data" / "evaluation" / self.case

    @property
    def reports(self) -> Path:
        return self.root / "reports" / self.case

    @property
    def summary_row(self) -> Path:
        """The case's row of reports/summary.md, left by its report stage."""
        return self.root / SUMMARIES / f"{self.case}.json"

    @property
    def summary_figure(self) -> Path:
        """The case's key figure, copied beside its row for the landing page (reports/index.html)."""
        return self.root / SUMMARIES / f"{self.case}.png"
