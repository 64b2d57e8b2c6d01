"""`python -m seqcase run`: DVC case by case, a progress line per stage, each verdict as it comes."""

from __future__ import annotations

import itertools
import json
import subprocess

import pytest
import yaml

from seqcase.commands.run import Progress, duration, follow, params_parsed_once, run
from seqcase.io import write_json
from seqcase.paths import CasePaths

PLAN = ["validate", "fetch@prices", "prepare@a", "report@a", "prepare@b", "report@b", "summary"]
LAST_TIME = {"validate": 2, "fetch@prices": 10, "prepare@a": 60, "report@a": 30, "prepare@b": 120, "report@b": 30,
             "summary": 5}


def test_durations_read_as_minutes_or_hours():
    assert [duration(seconds) for seconds in (0, 65.4, 3600 + 62)] == ["0:00", "1:05", "1:01:02"]


def test_each_stage_is_announced_with_its_place_the_time_spent_and_the_time_left():
    progress = Progress(PLAN, ["a", "b"], LAST_TIME, started=1000.0)
    lines = []
    times = iter([1001.0, 1003.0, 1040.0, 1100.0, 1101.0])
    follow(["Running stage 'validate':\n", "> python pipelines/stage.py validate\n",
            "Stage 'fetch@prices' didn't change, skipping\n", "Running stage 'prepare@a':\n",
            "Running stage 'report@a':\n", "WARNING: noise passes through\n"], progress, lambda: next(times), lines.append)
    assert lines == [
        "[stage 1/7 · 0:01 elapsed · ~4:17 left] validate",  # every stage: 2+10+60+30+120+30+5 = 257 s
        "Running stage 'validate':",
        "> python pipelines/stage.py validate",
        "Stage 'fetch@prices' didn't change, skipping",
        "[stage 3/7 · case 1/2 · 0:40 elapsed · ~4:05 left] prepare@a",  # 60 + 30 + 120 + 30 + 5: skipped is done
        "Running stage 'prepare@a':",
        "[stage 4/7 · case 1/2 · 1:40 elapsed · ~3:05 left] report@a",
        "Running stage 'report@a':",
        "WARNING: noise passes through",
    ]
    assert progress.ran == {"validate": 2.0, "prepare@a": 60.0, "report@a": 1.0}
    progress.expected.pop("summary")
    assert progress.start("prepare@b", 1200.0).endswith("~2:30+ left (stages never timed here)] prepare@b")


def test_the_run_goes_case_by_case_prints_each_verdict_and_records_the_durations(tmp_path, raw_params, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw_params["cases"]["tiny_again"] = raw_params["cases"]["tiny"]
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))
    cases = list(raw_params["cases"])
    for case in cases:
        write_json(CasePaths(case).summary_row, {"case": case, "metric": "RMSE", "best_model": "gru", "best_value": 0.25,
                                                 "verdict": {"beaten": case == cases[0]}})
    calls, lines = [], []

    def repro(arguments):
        calls.append(arguments)
        target = arguments[1] if len(arguments) > 1 else "summary"
        return ["Running stage 'validate':\n", f"Running stage '{target}':\n"]

    clock = itertools.count(0, 10).__next__
    recorded = tmp_path / ".dvc/tmp/seqcase/stage_seconds.json"
    status = run(tmp_path / "params.yaml", repro, lambda names: ["validate", *(f"report@{n}" for n in names), "summary"],
                 clock, lines.append, recorded, stale=lambda: ["validate"])
    assert status == 0
    assert calls == [*(["repro", f"report@{case}"] for case in cases), ["repro"]]
    assert lines[4] == f"=> {cases[0]}: recurrent wins (gru: RMSE 0.25); reports/{cases[0]}/report.html"
    assert lines[9] == f"=> {cases[1]}: baseline holds (gru: RMSE 0.25); reports/{cases[1]}/report.html"
    assert lines[5].startswith(f"[stage 1/{len(cases) + 2} · ")  # validate again, first in the plan
    assert lines[7].startswith(f"[stage 3/{len(cases) + 2} · case 2/{len(cases)} · ")
    assert "Every case on one page: reports/index.html" in lines[-1]
    assert set(json.loads(recorded.read_text())) == {"validate", "summary", *(f"report@{case}" for case in cases)}


def test_a_failing_case_stops_the_run_with_dvc_s_status_and_keeps_what_was_timed(tmp_path, raw_params, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))

    def repro(arguments):
        yield "Running stage 'validate':\n"
        raise subprocess.CalledProcessError(3, ["dvc", *arguments])

    lines = []
    recorded = tmp_path / "seconds.json"
    status = run(tmp_path / "params.yaml", repro, lambda names: ["validate"], itertools.count(0, 5).__next__,
                 lines.append, recorded, stale=lambda: ["validate"])
    first = next(iter(raw_params["cases"]))
    assert status == 3 and lines[-1] == (f"error: `dvc repro report@{first}` failed (exit status 3); the stages "
                                         "before it are kept")
    assert json.loads(recorded.read_text()) == {"validate": 5.0}


def test_with_nothing_to_run_the_run_starts_no_dvc_and_prints_the_recap(tmp_path, raw_params, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))
    calls, lines = [], []
    status = run(tmp_path / "params.yaml", calls.append, lambda names: pytest.fail("no plan is needed"),
                 emit=lines.append, stale=lambda: [])
    assert status == 0 and calls == []
    assert lines[0].startswith("Every stage is up to date") and "not run yet" in lines[1]


def test_dvc_in_this_process_parses_each_version_of_params_yaml_once(tmp_path):
    from dvc.fs import LocalFileSystem
    from dvc.utils import serialize

    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\ncases: {a: {task: forecasting}}\n")
    parses = []
    original = serialize.LOADERS[".yaml"]
    serialize.LOADERS[".yaml"] = lambda *arguments, **keywords: parses.append(1) or original(*arguments, **keywords)
    try:
        with params_parsed_once():
            first = serialize.load_path(str(path), LocalFileSystem())
            first["seed"] = 99  # a copy: DVC may change what it gets
            assert serialize.load_path(str(path), LocalFileSystem()) == {"seed": 1, "cases": {"a": {"task": "forecasting"}}}
            path.write_text("seed: 2\n")
            assert serialize.load_path(str(path), LocalFileSystem()) == {"seed": 2}
        assert len(parses) == 2
        serialize.load_path(str(path), LocalFileSystem())
        assert len(parses) == 3  # outside, DVC parses as it always does
    finally:
        serialize.LOADERS[".yaml"] = original


def test_a_first_run_estimates_from_the_reference_run_and_later_runs_from_their_own(tmp_path):
    from seqcase.commands.run import REFERENCE, expected_seconds

    first = expected_seconds(tmp_path / "never_written.json")
    assert first["train@glucose_cgm"] > 60 and first["validate"] > 0  # the reference run's, shipped
    recorded = tmp_path / "stage_seconds.json"
    write_json(recorded, {"train@glucose_cgm": 12.5})
    assert expected_seconds(recorded)["train@glucose_cgm"] == 12.5  # this machine's last time wins
    assert expected_seconds(recorded, tmp_path / "no_reference.json") == {"train@glucose_cgm": 12.5}
    assert REFERENCE.is_file()
