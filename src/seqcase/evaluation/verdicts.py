"""What every task's verdict shares: each model's family, and choices made on the validation part.

The verdict itself, over the test examples and the seeds, is seqcase.evaluation.seeds.seeded_verdict.
"""

from __future__ import annotations

from seqcase.models.hyperparameters import Family


def model_families(names, training: dict) -> dict[str, str]:
    """Each model's family: a trained network's own (training.json), `baseline` for the rest."""
    return {name: training[name]["family"] if name in training else Family.BASELINE.value for name in names}


def validation_key(metric: str) -> str:
    """Where a model's score on the validation part is kept beside its test scores."""
    return f"validation_{metric}"


def chosen_on_validation(scores: dict, names: list[str], metric: str, higher_is_better: bool) -> str:
    """Of `names`, the model with the best validation `metric`: every choice is made there, and the
    test part only scores what was chosen (a maximum over test scores is biased upward)."""
    pick = max if higher_is_better else min
    return pick(names, key=lambda name: scores[name][validation_key(metric)])
