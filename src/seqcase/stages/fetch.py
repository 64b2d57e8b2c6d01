"""fetch@<source>: one source's file into data/raw/<source>/."""

from __future__ import annotations

import logging
from pathlib import Path

from seqcase.config import ParamsError, load_params
from seqcase.paths import RAW_ROOT, raw_path
from seqcase.sources import fetch

logger = logging.getLogger(__name__)


def run(params_path: Path, source_name: str, raw_root: Path = RAW_ROOT) -> Path:
    params = load_params(params_path)
    if source_name not in params.sources:
        raise ParamsError(f"{params_path}: no source {source_name!r} under sources (known: {', '.join(params.sources)})")
    source = params.sources[source_name]
    destination = raw_path(source_name, source.filename, raw_root)
    fetch(source, destination)
    logger.info("%s: %s (%d bytes, sha256 verified)", source_name, destination, destination.stat().st_size)
    return destination
