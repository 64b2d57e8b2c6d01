"""prepare@<case>: raw files to a cleaned, split and scaled data set the task can learn from."""

from __future__ import annotations

import logging
import resource
from pathlib import Path

from seqcase.config import Params
from seqcase.errors import DataError, ParamsError
from seqcase.paths import RAW_ROOT, raw_directory
from seqcase.stages import open_case

logger = logging.getLogger(__name__)


def source_file(params: Params, case_name: str, source_name: str, filename: str | None, raw_root: Path) -> Path:
    """A fetched file of the case's source; with no name, the source's only file."""
    files = list(params.sources[source_name].files)
    if filename is None:
        if len(files) != 1:
            raise ParamsError(f"cases.{case_name}: source {source_name!r} has files {files}; name the one to read")
        filename = files[0]
    elif filename not in files:
        raise ParamsError(f"cases.{case_name}.prepare names {filename!r}, not a file of source {source_name!r}: {files}")
    path = raw_directory(source_name, raw_root) / filename
    if not path.is_file():
        raise DataError(f"{path}: not fetched yet (run `dvc repro fetch@{source_name}`)")
    return path


def peak_memory_megabytes() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(params_path: Path, case_name: str, raw_root: Path = RAW_ROOT) -> dict:
    params, case, task, paths = open_case(params_path, case_name)

    def locate(filename: str | None) -> Path:
        return source_file(params, case_name, case.source, filename, raw_root)

    prepared, summary = task.prepare(case, locate, params.seed)
    task.save_prepared(prepared, summary, paths.prepared)
    logger.info("%s: %s", case_name, summary)
    logger.info("%s: peak memory of the prepare stage %.0f MB", case_name, peak_memory_megabytes())
    return summary
