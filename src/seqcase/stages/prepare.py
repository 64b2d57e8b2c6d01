"""prepare@<case>: raw files to a cleaned, split and scaled data set the task can learn from."""

from __future__ import annotations

import logging
import resource
from pathlib import Path

from seqcase.config import ClassificationCase, EventCase, ForecastingCase, GenerationCase, Params, TextCase
from seqcase.paths import RAW_ROOT, raw_directory
from seqcase.stages import open_case
from seqcase.tasks import classification, events, forecasting, generation, text

logger = logging.getLogger(__name__)


def source_file(params: Params, case_name: str, source_name: str, filename: str | None, raw_root: Path) -> Path:
    """A fetched file of the case's source; with no name, the source's only file."""
    files = list(params.sources[source_name].files)
    if filename is None:
        if len(files) != 1:
            raise ValueError(f"cases.{case_name}: source {source_name!r} has files {files}; name the one to read")
        filename = files[0]
    elif filename not in files:
        raise ValueError(f"cases.{case_name}.prepare names {filename!r}, not a file of source {source_name!r}: {files}")
    path = raw_directory(source_name, raw_root) / filename
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not fetched yet (run `dvc repro fetch@{source_name}`)")
    return path


def prepare_forecasting(params: Params, case_name: str, case: ForecastingCase, directory: Path, raw_root: Path) -> dict:
    frame = forecasting.read_table(source_file(params, case_name, case.source, None, raw_root), case.prepare)
    series, summary = forecasting.prepare_series(frame, case.prepare)
    forecasting.save_prepared(series, summary, directory)
    return summary


def prepare_classification(params: Params, case_name: str, case: ClassificationCase, directory: Path,
                           raw_root: Path) -> dict:
    config = case.prepare
    train = classification.read_sequences(source_file(params, case_name, case.source, config.train_file, raw_root), config)
    test = None
    if config.test_file is not None:
        test = classification.read_sequences(source_file(params, case_name, case.source, config.test_file, raw_root),
                                             config)
    prepared, summary = classification.prepare_sequences(train, test, config)
    classification.save_prepared(prepared, summary, directory)
    return summary


def prepare_events(params: Params, case_name: str, case: EventCase, directory: Path, raw_root: Path) -> dict:
    frame = events.read_events(source_file(params, case_name, case.source, case.prepare.file, raw_root), case.prepare)
    prepared, summary = events.prepare_events(frame, case.prepare, params.seed)
    del frame  # the sorted float32 features are the one copy kept
    events.save_prepared(prepared, summary, directory)
    return summary


def prepare_text(params: Params, case_name: str, case: TextCase, directory: Path, raw_root: Path) -> dict:
    frame = text.read_texts(source_file(params, case_name, case.source, case.prepare.file, raw_root), case.prepare)
    prepared, summary = text.prepare_texts(frame, case.prepare)
    text.save_prepared(prepared, summary, directory)
    return summary


def prepare_generation(params: Params, case_name: str, case: GenerationCase, directory: Path, raw_root: Path) -> dict:
    text = generation.read_corpus(source_file(params, case_name, case.source, case.prepare.file, raw_root), case.prepare)
    prepared, summary = generation.prepare_corpus(text, case.prepare)
    generation.save_prepared(prepared, summary, directory)
    return summary


PREPARERS = {"forecasting": prepare_forecasting, "classification": prepare_classification,
             "event_classification": prepare_events, "text_classification": prepare_text,
             "text_generation": prepare_generation}


def peak_memory_megabytes() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(params_path: Path, case_name: str, raw_root: Path = RAW_ROOT) -> dict:
    params, case, paths = open_case(params_path, case_name)
    summary = PREPARERS[case.task](params, case_name, case, paths.prepared, raw_root)
    logger.info("%s: %s", case_name, summary)
    logger.info("%s: peak memory of the prepare stage %.0f MB", case_name, peak_memory_megabytes())
    return summary
