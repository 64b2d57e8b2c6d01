"""What every task's verdict shares: which models contend, how a verdict reads, each model's family."""

from __future__ import annotations

from seqcase.models.hyperparameters import Family

NO_CONTEST = "No recurrent model or no baseline in this case."


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


def selection_rule(metric_label: str) -> str:
    return f"the recurrent model and the baseline with the best validation {metric_label}, each scored once on test"


def contenders(scores: dict, families: dict[str, str], metric: str, higher_is_better: bool) -> tuple[str, str] | None:
    """The recurrent model and the baseline chosen on validation `metric`; None when a case lacks either."""
    recurrent = [name for name in scores if families[name] == Family.RECURRENT]
    baselines = [name for name in scores if families[name] == Family.BASELINE]
    if not recurrent or not baselines:
        return None
    return (chosen_on_validation(scores, recurrent, metric, higher_is_better),
            chosen_on_validation(scores, baselines, metric, higher_is_better))


def verdict_text(beaten: bool, yes: str, no: str, numbers: str, p_value: float, significance: float) -> str:
    """"Yes: ... significant at 0.05." or "No: ...", with the comparison's numbers in between."""
    if beaten:
        significant = "significant" if p_value < significance else "not significant"
        return f"Yes: {yes}. {numbers}: {significant} at {significance}."
    return f"No: {no}. {numbers}."
