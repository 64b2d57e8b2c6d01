"""What an event report shows: the binary report (seqcase.reporting.binary) and the summary row."""

from __future__ import annotations

from pathlib import Path

from seqcase.paths import CasePaths
from seqcase.reporting import binary
from seqcase.reporting.report import ReportContent
from seqcase.tasks.event_classification.schema import EventCase


def report(case: EventCase, metrics: dict, families: dict[str, str], paths: CasePaths,
           figure_directory: Path) -> ReportContent:
    return binary.content(case, metrics, families, paths, figure_directory)


summary_row = binary.summary_row
