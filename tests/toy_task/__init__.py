"""A toy task that only the tests register: is the sum of a short sequence positive?

It proves the task contract: a package like this one and a `register()` call (or one line in
seqcase.tasks.TASKS) are all a new task needs; the stages run it without knowing it.
"""

from __future__ import annotations

from typing import Literal

from seqcase.config import Baselines, CaseBase, NoOptions, StrictModel
from seqcase.tasks.base import PackageTask


class SumSignPrepare(StrictModel):
    validation_fraction: float = 0.2
    test_fraction: float = 0.2


class SumSignBaselines(Baselines):
    majority: NoOptions | None = None


class SumSignEvaluate(StrictModel):
    pass


class SumSignCase(CaseBase):
    task: Literal["sum_sign"]
    prepare: SumSignPrepare
    baselines: SumSignBaselines
    evaluate: SumSignEvaluate


TASK = PackageTask(__name__, "sum_sign", SumSignCase, ("accuracy", True))
