"""What every stage entry point shares: its argument parser and how it reports a failure.

Building a parser is the library's; parsing sys.argv stays in pipelines/<stage>.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from seqcase.config import ParamsError
from seqcase.sources.base import SourceError

EXPECTED_ERRORS = (ParamsError, SourceError, FileNotFoundError)


def stage_parser(description: str, key: str | None = "case") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    if key:
        parser.add_argument(f"--{key}", required=True, help=f"the {key} name, a key of `{key}s:` in params.yaml")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file (default: params.yaml)")
    return parser


def run_stage(work: Callable[[], object]) -> None:
    """Run a stage; an error the user can fix is one clear line on stderr and exit status 1."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        work()
    except EXPECTED_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
