"""prepare@<case>: raw files to a cleaned, split and scaled data set the task can learn from."""

from __future__ import annotations

import gzip
import logging
import resource
import zlib
from pathlib import Path

import pandas as pd

from seqcase.config import Params
from seqcase.errors import DataError, ParamsError
from seqcase.paths import RAW_ROOT, raw_directory
from seqcase.stages.case import open_case

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


# What a file that is not what its source says raises while it is read: an empty or truncated
# file, a compressed file cut short, text in another encoding, a table pandas cannot parse.
UNREADABLE = (UnicodeDecodeError, EOFError, zlib.error, gzip.BadGzipFile, pd.errors.EmptyDataError,
              pd.errors.ParserError, OSError)


def unreadable(path: Path, error: BaseException) -> str:
    """One line: the file, and what is wrong with it in words."""
    if isinstance(error, UnicodeDecodeError):
        return (f"{path}: not UTF-8 text (byte {error.object[error.start]:#04x} at position {error.start}); "
                "save it as UTF-8")
    if isinstance(error, pd.errors.EmptyDataError):
        return f"{path}: empty (no header, no rows)"
    if isinstance(error, (EOFError, zlib.error, gzip.BadGzipFile)):
        return f"{path}: a compressed file that is cut short or damaged ({error or type(error).__name__}); fetch it again"
    if isinstance(error, pd.errors.ParserError):
        return f"{path}: not a table pandas can read: {str(error).strip().splitlines()[-1]}"
    return f"{path}: cannot be read: {error}"


def peak_memory_megabytes() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(params_path: Path, case_name: str, raw_root: Path = RAW_ROOT) -> dict:
    params, case, task, paths = open_case(params_path, case_name)

    located: list[Path] = []

    def locate(filename: str | None) -> Path:
        located.append(source_file(params, case_name, case.source, filename, raw_root))
        return located[-1]

    try:
        prepared, summary = task.prepare(case, locate, params.seed)
    except UNREADABLE as error:
        raise DataError(unreadable(located[-1] if located else raw_directory(case.source, raw_root), error)) from None
    except DataError as error:  # a check of the rows (a class of one row, no positive in a part): name the files
        files = list(dict.fromkeys(map(str, located)))
        if files and not any(file in str(error) for file in files):
            raise DataError(f"{', '.join(files)}: {error}") from None
        raise
    task.save_prepared(prepared, summary, paths.prepared)
    logger.info("%s: %s", case_name, summary)
    logger.info("%s: peak memory of the prepare stage %.0f MB", case_name, peak_memory_megabytes())
    return summary
