"""Text classification: is a review positive, from its words (many-to-one).

data: cleaning, deduplication before the split, the stratified split. problem: Keras' tokenizer
and what the networks get. baselines: TF-IDF and logistic regression, tuned on validation.
scoring: thresholds chosen on validation, every model on the test texts, the verdict. report: the
binary report and the most confident mistakes. predict: decisions for new texts.
"""

from __future__ import annotations

from seqcase.tasks.base import PackageTask
from seqcase.tasks.text_classification.schema import TextCase


TASK = PackageTask(__name__, "text_classification", TextCase, lambda case: (case.evaluate.metric, True),
                   step_label="words before the review's last")
