"""The user's mistakes, as one type: caught once by the stage entry point and by `python -m seqcase`.

A UserError is printed as one line (file, key or column, the bad value, what is allowed) with exit
status 1; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: params.yaml, a source, a data file, a command-line argument."""


class ParamsError(UserError, ValueError):
    """params.yaml is missing, unreadable or invalid; the message names file, key and value."""


class SourceError(UserError, RuntimeError):
    """A source could not deliver the exact bytes params.yaml names; nothing was written."""


class DataError(UserError, ValueError):
    """A data file or its rows cannot make the case's data set; the message names file, column and value."""
