"""Event classification: rare labelled events in time order (card transactions); is an event
positive, from the window of the last k events (many-to-one) or from the event alone (one-to-one).

data: the chronological split, windows, rebalancing, scaling. problem: what the networks get.
baselines: logistic regression, gradient boosting, random forest on the single event, tuned on
validation. scoring: thresholds chosen on validation, every model on the test events, the verdict.
report: the binary report. predict: decisions for new events.
"""

from __future__ import annotations

from seqcase.tasks.base import PackageTask
from seqcase.tasks.event_classification.schema import EventCase


TASK = PackageTask(__name__, "event_classification", EventCase, lambda case: (case.evaluate.metric, True))
