"""Classification of whole sequences (many-to-one): labelled sequences, one class each.

data: reading, the stratified split, scaling, class weights. problem: what the networks get.
baselines: majority, logistic regression, random forest on the flattened sequence. metrics:
macro-F1 and per-class scores. scoring: every model on the test part, and the verdict (a test over
the test sequences, bootstrapped, and the seeds).
report: its tables and figures. predict: classes for new sequences.
"""

from __future__ import annotations

from seqcase.tasks.base import PackageTask
from seqcase.tasks.classification.schema import ClassificationCase


TASK = PackageTask(__name__, "classification", ClassificationCase, ("macro_f1", True))
