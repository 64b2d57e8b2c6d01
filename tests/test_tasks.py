"""The task contract: a task registered from outside the library runs through every stage."""

from __future__ import annotations

import importlib
import inspect
import json

import pytest
import yaml

from conftest import BASE_PARAMS, sha256_of
from stage_reads import REPOSITORY, committed, params_problems

from seqcase import reads
from seqcase.errors import ParamsError
from seqcase.reads import FOLDER_VARIABLE
from seqcase.schema import StrictModel
from seqcase.tasks import TASKS, get_task
from seqcase.tasks.base import CONTRACT_MODULES, PackageTask


def test_every_registered_task_keeps_the_contract():
    for name in TASKS:
        task = get_task(name)
        assert task.name == name and task.schema.model_fields["task"].annotation.__args__ == (name,)
        assert isinstance(task.step_label, str) and callable(task.main_metric)
        if isinstance(task, PackageTask):  # each contract method is the function its module defines
            for method, module in CONTRACT_MODULES.items():
                optional = method == "refits" and not task.has_refits  # a task without refits has no backtest module
                if getattr(type(task), method) is getattr(PackageTask, method) and not optional:
                    function = getattr(importlib.import_module(f"{task.package}.{module}"), method, None)
                    assert callable(function), f"{task.package}.{module} defines no {method}()"
                    # what the contract passes: its parameters less self (and the refitted networks,
                    # which only a task with refits takes)
                    passed = len(inspect.signature(getattr(PackageTask, method)).parameters) - 1
                    passed -= method == "evaluate" and not task.has_refits
                    inspect.signature(function).bind(*range(passed))  # TypeError: the function takes other arguments
    assert get_task("forecasting").has_refits and not get_task("classification").has_refits


def test_an_unknown_task_is_refused_naming_the_tasks_there_are(tmp_path):
    from seqcase.params import parse_params

    raw = json.loads(json.dumps(BASE_PARAMS))
    raw["cases"]["tiny"]["task"] = "forecastnig"
    with pytest.raises(ParamsError, match="cases.tiny.task = 'forecastnig': not a task; allowed: forecasting, "):
        parse_params(raw)


def test_a_toy_task_runs_through_prepare_tune_train_evaluate_and_report(tmp_path, monkeypatch, mlflow_store):
    """One package (tests/toy_task) and one registry line: the stages run it without knowing it."""
    from toy_task.data import make_rows

    from seqcase.stages import evaluate, prepare, report, summary, train, tune, validate

    monkeypatch.setitem(TASKS, "sum_sign", "toy_task")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data/raw/signs").mkdir(parents=True)
    make_rows(tmp_path / "data/raw/signs/signs.csv")
    params = json.loads(json.dumps(BASE_PARAMS))
    params["sources"] = {"signs": {"kind": "file", "path": "signs.csv", "sha256": sha256_of(tmp_path / "data/raw/signs/signs.csv")}}
    params["defaults"]["tune"] = {"algorithm": "random_search", "max_trials": 1, "max_epochs": 1, "batch_size": 32}
    params["defaults"]["train"] = {"epochs": 2, "batch_size": 32, "seeds": 2}
    params["cases"] = {"signs": {"task": "sum_sign", "source": "signs", "description": "Is the sum positive?",
                                 "prepare": {}, "models": {"gru": {"search_space": {"units": 4}}}, "tune": {},
                                 "train": {}, "baselines": {"majority": {}}, "evaluate": {}}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    path = tmp_path / "params.yaml"
    validate.run(path)  # the case names the summary reads
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path / "reads"))  # the params keys each stage reads, below
    read: dict[str, set[str]] = {}
    try:
        assert prepare.run(path, "signs") == {"sequences": 200}
        read["prepare"] = reads.taken()
        tune.run(path, "signs")
        read["tune"] = reads.taken()
        train.run(path, "signs")
        read["train"] = reads.taken()
        metrics = evaluate.run(path, "signs")
        read["evaluate"] = reads.taken()
        row = report.run(path, "signs")
        read["report"] = reads.taken()
    finally:
        reads.stop(StrictModel)
    assert set(metrics["models"]) == {"gru", "gru_ensemble", "majority"} and metrics["test_examples"] == 40
    assert metrics["verdict"]["model"] in ("gru", "gru_ensemble") and 0 < metrics["verdict"]["p_value"] <= 1
    # What the toy task's stages read is declared in dvc.yaml too (the other tasks' records beside it).
    recorded = committed()
    for kind, keys in read.items():
        general = {key.replace("cases.signs.", "cases.${key}.").replace("sources.signs.", "sources.${item.source}.")
                   for key in keys}
        recorded[kind]["sum_sign"] = {"modules": [], "params": sorted(general)}
    assert {"cases.${key}.task", "cases.${key}.train"} <= set(recorded["train"]["sum_sign"]["params"])
    assert params_problems(yaml.safe_load((REPOSITORY / "dvc.yaml").read_text()), recorded) == []
    assert row["task"] == "sum_sign" and row["recurrent"] == "gru"
    text = (tmp_path / "reports/signs/report.md").read_text()
    assert "## Test accuracy" in text and "| majority | baseline |" in text and "## Gradient diagnostics" in text
    assert "| [signs](signs/report.md) | sum_sign | 40 | accuracy |" in summary.run(path)
