"""`python -m seqcase`: every command and option explains itself; recap ends a run on its answers."""

from __future__ import annotations

import argparse

from seqcase.__main__ import build_parser, main
from seqcase.io import write_json
from seqcase.paths import CasePaths


def test_every_command_and_every_option_has_help_text():
    parser = build_parser()
    (commands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    helped = {choice.dest for choice in commands._choices_actions if choice.help}
    assert helped == set(commands.choices) and {"predict", "generate", "recap"} <= helped
    for name, command in commands.choices.items():
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{name} {'/'.join(action.option_strings)} has no help"


def test_recap_lists_every_case_and_the_ones_not_run_yet(tmp_path, raw_params, monkeypatch, capsys):
    import yaml

    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))
    first, *others = list(raw_params["cases"])
    write_json(CasePaths(first).summary_row, {
        "case": first, "metric": "RMSE", "best_model": "gru", "best_value": 0.5, "verdict": {"beaten": False},
        "mlflow": {"tracking_uri": "sqlite:///mlflow.db", "experiment_id": "1", "run_id": "abc"}})
    assert main(["recap"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["case", "verdict", "best", "model", "(test)", "report", "MLflow", "run"]
    assert lines[1].split() == [first, "baseline", "holds", "gru:", "RMSE", "0.5", f"reports/{first}/report.html",
                                "http://127.0.0.1:5000/#/experiments/1/runs/abc?workflowType=machine_learning"]
    assert [line.split()[0] for line in lines[2:2 + len(others)]] == others
    assert all("not run yet" in line for line in lines[2:2 + len(others)])
    assert lines[-1] == "Every case on one page: reports/index.html"
