"""The stage's progress line: fits done of all, the best value so far, time left."""

from __future__ import annotations

import io

from seqcase.progress import FitProgress, clock


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def test_a_plain_line_per_fit_with_the_best_value_so_far_and_the_time_left_where_no_terminal_reads():
    stream, now = io.StringIO(), Clock()
    progress = FitProgress("train@glucose_cgm", 4, "val_loss", False, stream, now)
    now.seconds = 30
    progress.fit_done("gru seed 42", 0.5)
    now.seconds = 60
    progress.fit_done("lstm seed 42", 0.7)  # worse: the best stays
    now.seconds = 90
    progress.fit_done("gru seed 43", 0.25)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "train@glucose_cgm · 1/4 fits · best val_loss 0.5 (gru seed 42) · 0:30 elapsed · ~1:30 left (last: gru seed 42)",
        "train@glucose_cgm · 2/4 fits · best val_loss 0.5 (gru seed 42) · 1:00 elapsed · ~1:00 left (last: lstm seed 42)",
        "train@glucose_cgm · 3/4 fits · best val_loss 0.25 (gru seed 43) · 1:30 elapsed · ~0:30 left (last: gru seed 43)",
    ]


def test_higher_is_better_for_an_accuracy_and_a_missing_value_is_no_best():
    stream = io.StringIO()
    progress = FitProgress("tune@reviews", 2, "val_accuracy", True, stream, Clock())
    progress.fit_done("gru · trial 1", None)
    assert "best" not in stream.getvalue()
    progress.fit_done("gru · trial 2", 0.8)
    progress_line = stream.getvalue().splitlines()[-1]
    assert "best val_accuracy 0.8 (gru · trial 2)" in progress_line and "left" not in progress_line


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_one_live_line_rewritten_in_place_and_ended_after_the_last_fit():
    stream = Terminal()
    progress = FitProgress("train@x", 2, "val_loss", False, stream, Clock())
    progress.fit_done("a", 1.0)
    progress.fit_done("b", 2.0)
    written = stream.getvalue()
    assert written.count("\r\x1b[2K") == 2 and written.endswith("2/2 fits · best val_loss 1 (a) · 0:00 elapsed\n")
    assert written.count("\n") == 1


def test_clock_reads_minutes_under_an_hour_and_hours_above():
    assert clock(65) == "1:05" and clock(3725) == "1:02:05"


def test_fits_done_before_the_stage_count_but_the_time_left_comes_from_the_new_ones():
    stream, now = io.StringIO(), Clock()
    progress = FitProgress("tune@x", 6, "val_loss", False, stream, now, unit="trials", done_before=4)
    progress.consider("a · trial 1", 0.3)
    now.seconds = 20
    progress.fit_done("b · trial 1", 0.5)
    assert stream.getvalue() == "tune@x · 5/6 trials · best val_loss 0.3 (a · trial 1) · 0:20 elapsed · ~0:20 left (last: b · trial 1)\n"



def test_a_live_line_that_never_counted_a_new_fit_is_not_ended_with_an_empty_line():
    stream = Terminal()
    FitProgress("tune@x", 6, "val_loss", False, stream, Clock(), unit="trials", done_before=4).finish()
    assert stream.getvalue() == ""
