"""What every task's verdict shares: which models contend, how a verdict reads, each model's family."""

from __future__ import annotations

from seqcase.models.hyperparameters import Family

NO_CONTEST = "No recurrent model or no baseline in this case."


def model_families(names, training: dict) -> dict[str, str]:
    """Each model's family: a trained network's own (training.json), `baseline` for the rest."""
    return {name: training[name]["family"] if name in training else Family.BASELINE.value for name in names}


def contenders(scores: dict, families: dict[str, str], metric: str, higher_is_better: bool) -> tuple[str, str] | None:
    """The best recurrent model and the best baseline on `metric`; None when a case lacks either."""
    recurrent = [name for name in scores if families[name] == Family.RECURRENT]
    baselines = [name for name in scores if families[name] == Family.BASELINE]
    if not recurrent or not baselines:
        return None
    pick = max if higher_is_better else min
    return (pick(recurrent, key=lambda name: scores[name][metric]),
            pick(baselines, key=lambda name: scores[name][metric]))


def verdict_text(beaten: bool, yes: str, no: str, numbers: str, p_value: float, significance: float) -> str:
    """"Yes: ... significant at 0.05." or "No: ...", with the comparison's numbers in between."""
    if beaten:
        significant = "significant" if p_value < significance else "not significant"
        return f"Yes: {yes}. {numbers}: {significant} at {significance}."
    return f"No: {no}. {numbers}."
