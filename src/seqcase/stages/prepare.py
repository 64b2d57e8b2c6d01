"""prepare@<case>: raw table to a cleaned, segmented, split and scaled series."""

from __future__ import annotations

import logging
from pathlib import Path

from seqcase.paths import RAW_ROOT, raw_path
from seqcase.stages import open_case
from seqcase.tasks import forecasting

logger = logging.getLogger(__name__)


def run(params_path: Path, case_name: str, raw_root: Path = RAW_ROOT) -> dict:
    params, case, paths = open_case(params_path, case_name)
    source_file = raw_path(case.source, params.sources[case.source].filename, raw_root)
    if not source_file.is_file():
        raise FileNotFoundError(f"{source_file}: not fetched yet (run `dvc repro fetch@{case.source}`)")
    frame = forecasting.read_table(source_file, case.prepare)
    series, summary = forecasting.prepare_series(frame, case.prepare)
    forecasting.save_prepared(series, summary, paths.prepared)
    logger.info("%s: %s", case_name, summary)
    return summary
