"""What a stage read, recorded for the test that holds dvc.yaml to it: the seqcase modules its
processes loaded and the params.yaml keys it accessed.

Recording is on only when the environment names a folder in `SEQCASE_RECORD_READS` (the end-to-end
tests set it); otherwise nothing here runs. While it is on, every validated params model answers
attribute reads through `_recording_getattribute`, which keeps the dotted path of each value read (`cases.tiny.train.
epochs`); a sub-model read on the way (`cases.tiny.train`) is not a read of all it holds, and its
fields are recorded when they are read. A mapping is recorded as read when its keys are (iterated,
counted, listed: `cases.tiny.models`), and an item when it is looked up (`search_space["units"]`),
unless it is a model, whose fields record themselves. `model_dump` reads the whole model. What
reads a mapping in C without calling it (json.dumps, dict(...)) escapes the record: the test built on
it can miss a read, never invent one. The stage's process writes
`<folder>/<stage>@<item>.json` as it ends, and each worker process it starts adds the modules it
loaded to the same record, as it ends.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

FOLDER_VARIABLE = "SEQCASE_RECORD_READS"
STAGE_VARIABLE = "SEQCASE_RECORDING_STAGE"  # set by the stage for the worker processes it starts
PACKAGE = Path(__file__).resolve().parent

_paths: dict[int, str] = {}  # id(model) -> its dotted path in params.yaml
_models: list[Any] = []  # the models registered, kept alive so that their ids stay theirs
_read: set[str] = set()


def folder() -> Path | None:
    value = os.environ.get(FOLDER_VARIABLE)
    return Path(value) if value else None


def note_key(key: str) -> None:
    """A params.yaml key read without the validated models (the backend, before Keras is imported)."""
    if folder() is not None:
        _read.add(key)


class RecordingDict(dict):
    """A mapping in the params models that records its path when its keys are read."""

    def __init__(self, items: dict, path: str) -> None:
        super().__init__(items)
        self.path = path

    def _keys_read(self) -> None:
        _read.add(self.path)

    def _item_read(self, key, value) -> None:
        if not isinstance(value, (BaseModel, RecordingDict)):  # a model's own fields record themselves
            _read.add(f"{self.path}.{key}")

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self._item_read(key, value)
        return value

    def get(self, key, default=None):
        if key in self:
            return self[key]
        return default

    def __repr__(self) -> str:
        self._keys_read()
        return super().__repr__()

    def __iter__(self):
        self._keys_read()
        return super().__iter__()

    def __len__(self) -> int:
        self._keys_read()
        return super().__len__()

    def keys(self):
        self._keys_read()
        return super().keys()

    def items(self):
        self._keys_read()
        return super().items()

    def values(self):
        self._keys_read()
        return super().values()


def _recording_getattribute(self, name: str):
    value = object.__getattribute__(self, name)
    path = _paths.get(id(self))
    if path is not None and name in type(self).model_fields and not isinstance(value, (BaseModel, RecordingDict)):
        _read.add(f"{path}.{name}" if path else name)
    return value


def _recording_dump(self, *arguments, **keywords):
    path = _paths.get(id(self))
    if path:
        _read.add(path)
    return BaseModel.model_dump(self, *arguments, **keywords)


_patched: dict[str, Any] | None = None  # what the base class held before recording (None: nothing)


def register(model: BaseModel, base: type[BaseModel], path: str = "") -> None:
    """Note where each validated model sits in params.yaml, and start recording reads of every
    model of class `base` (the params schema's, subclasses included)."""
    global _patched
    if folder() is None:
        return
    if _patched is None:
        _patched = {name: base.__dict__.get(name) for name in ("__getattribute__", "model_dump")}
        base.__getattribute__ = _recording_getattribute
        base.model_dump = _recording_dump
    _walk(model, path, base)


def _walk(value: Any, path: str, model_type: type) -> None:
    if isinstance(value, model_type):
        _paths[id(value)] = path
        _models.append(value)
        for name in type(value).model_fields:
            field, where = object.__getattribute__(value, name), f"{path}.{name}" if path else name
            if isinstance(field, dict) and not isinstance(field, RecordingDict):
                field = RecordingDict(field, where)
                value.__dict__[name] = field  # frozen to users; this swaps in the same items
            _walk(field, where, model_type)
    elif isinstance(value, dict):
        for key, item in dict.items(value):  # not a read
            _walk(item, f"{path}.{key}", model_type)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk(item, path, model_type)


def taken() -> set[str]:
    """The params keys read since the last call (a test running stages in its own process)."""
    keys = set(_read)
    _read.clear()
    return keys


def stop(base: type[BaseModel]) -> None:
    """Stop recording: the models answer reads as before (a test's process goes on with other tests)."""
    global _patched
    for name, value in (_patched or {}).items():
        if value is None:
            delattr(base, name)
        else:
            setattr(base, name, value)
    _patched = None
    _paths.clear()
    _models.clear()
    _read.clear()


def loaded_modules() -> list[str]:
    """The seqcase modules this process has loaded, as paths in the repository (src/seqcase/...)."""
    files = set()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().is_relative_to(PACKAGE):
            files.add(f"src/seqcase/{Path(file).resolve().relative_to(PACKAGE).as_posix()}")
    return sorted(files)


def start_stage(name: str) -> None:
    """In a stage's process: name the record, for the workers it starts too."""
    if folder() is not None:
        os.environ[STAGE_VARIABLE] = name


def write() -> None:
    """Add what this process read to its stage's record: one file per process, merged by the reader."""
    where, stage = folder(), os.environ.get(STAGE_VARIABLE)
    if where is None or stage is None:
        return
    where.mkdir(parents=True, exist_ok=True)
    record = {"stage": stage, "modules": loaded_modules(), "params": sorted(_read)}
    (where / f"{stage}.{os.getpid()}.{uuid.uuid4().hex[:8]}.json").write_text(json.dumps(record))


def at_worker_exit() -> None:
    """In a worker process: write its record when it ends (multiprocessing skips atexit there)."""
    if folder() is not None and os.environ.get(STAGE_VARIABLE):
        from multiprocessing import util

        util.Finalize(None, write, exitpriority=0)


def records(where: Path) -> dict[str, dict[str, set[str]]]:
    """Every stage's record: the union of its processes' modules and params keys."""
    merged: dict[str, dict[str, set[str]]] = {}
    for file in sorted(where.glob("*.json")):
        record = json.loads(file.read_text())
        entry = merged.setdefault(record["stage"], {"modules": set(), "params": set()})
        entry["modules"] |= set(record["modules"])
        entry["params"] |= set(record["params"])
    return merged
