"""fetch@<source>: one source's files into data/raw/<source>/."""

from __future__ import annotations

import logging
from pathlib import Path

from seqcase.config import ParamsError
from seqcase.params import load_params
from seqcase.io import atomic_directory
from seqcase.paths import RAW_ROOT, raw_directory
from seqcase.sources.fetch import fetch

logger = logging.getLogger(__name__)


def run(params_path: Path, source_name: str, raw_root: Path = RAW_ROOT) -> list[Path]:
    params = load_params(params_path, cases=())
    if source_name not in params.sources:
        raise ParamsError(f"{params_path}: no source {source_name!r} under sources (known: {', '.join(params.sources)})")
    source = params.sources[source_name]
    directory = raw_directory(source_name, raw_root)
    with atomic_directory(directory) as temporary:  # all the source's files, or none
        written = [directory / path.name for path in fetch(source, temporary)]
    for path in written:
        logger.info("%s: %s (%d bytes, sha256 verified)", source_name, path, path.stat().st_size)
    return written
