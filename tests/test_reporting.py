import numpy as np

from seqcase.reporting.report import ReportContent, Table, markdown_report

def test_a_report_lays_out_its_verdict_tables_and_notes():
    content = ReportContent(verdict={"beaten": False, "text": "No: nothing beat the naive forecast."},
                            tables=[Table("Test metrics", ["model", "family", "rmse"], [["dense", "feed-forward", "0.5"]],
                                          "a note")],
                            figures={}, data={"rows": 100}, training={})
    text = markdown_report("tiny", "A test.", content)
    assert "| dense | feed-forward | 0.5 |" in text and "## Verdict\n\nNo: nothing beat" in text and "a note" in text


def test_hyperparameters_and_data_facts_read_as_text_and_only_the_page_carries_a_footer():
    from seqcase.reporting.report import footer_line, html_report

    content = ReportContent({"text": "No.", "beaten": False}, [], {},
                            {"rows_per_split": {"train": 70, "test": 30}, "features": ["glucose", "glucose_diff"]},
                            {"gru": {"hyperparameters": {"units": 32, "learning_rate": 0.003}, "epochs_run": "15",
                                     "best_epoch": "12", "parameters": 3852}})
    text = markdown_report("tiny", "A test.", content)
    assert "| gru | units 32, learning_rate 0.003 | 15 | 12 | 3852 |" in text
    assert "- rows per split: train 70, test 30\n- features: glucose, glucose_diff\n" in text
    assert "{" not in text and "Written" not in text
    footer = footer_line("2026-12-01 21:40 UTC", "c4ff687abcdef0123456789", "0a1b2c")
    assert footer == "Written 2026-12-01 21:40 UTC · from commit c4ff687abcde · MLflow pipeline run 0a1b2c"
    page = html_report("tiny", "A test.", content, footer)
    assert "<td>units 32, learning_rate 0.003</td>" in page and f"<small>{footer}</small></footer>" in page
    assert footer_line("2026-12-01 21:40 UTC", None, None) == "Written 2026-12-01 21:40 UTC"


def test_the_summary_has_a_row_per_case_whatever_the_task():
    from seqcase.stages.summary import summary_markdown

    rows = [{"case": "prices", "task": "forecasting", "test_examples": 750, "metric": "RMSE", "best_model": "drift",
             "best_value": 0.5, "reference": "naive", "reference_value": 0.51, "recurrent": "lstm",
             "recurrent_value": 0.52, "p_value": 0.6, "note": "", "verdict": {"beaten": False, "text": "No."}},
            {"case": "beats", "task": "classification", "test_examples": 4500, "metric": "macro-F1",
             "best_model": "conv1d", "best_value": 0.6, "reference": "random_forest", "reference_value": 0.58,
             "recurrent": "gru", "recurrent_value": 0.59, "p_value": 0.01, "note": "accuracy 0.94",
             "verdict": {"beaten": True, "text": "Yes.",
                         "attention": {"model": "gru", "baseline": "transformer_ensemble", "baseline_value": 0.61,
                                       "beaten": False, "text": "No: not the attention model."}}}]
    text = summary_markdown(rows)
    assert "| [beats](beats/report.md) | classification | 4500 | macro-F1 | conv1d (0.6) | gru (0.59) | " \
           "random_forest (0.58) | 0.01 | yes | transformer_ensemble (0.61) | no | accuracy 0.94 |" in text
    assert "| [prices](prices/report.md) | forecasting | 750 | RMSE | drift (0.5) | lstm (0.52) | naive (0.51) | 0.6 | " \
           "no | – | – |  |" in text  # no attention model in the case
    assert "- **prices**: No.\n- **beats**: Yes.\n  Against the attention model: No: not the attention model.\n" in text


def test_misclassified_texts_are_the_most_confident_mistakes():
    from seqcase.tasks.text_classification.report import misclassified_table

    texts = np.array(["fine film", "dull | slow", "great", "awful" * 100], dtype=object)
    table = misclassified_table(texts, np.array([1, 0, 1, 0]), np.array([0.45, 0.99, 0.9, 0.7]), 0.5,
                                ("negative", "positive"), "gru", count=2, excerpt=20)
    assert table.title == "Misclassified test texts (gru: 3 of 4 wrong, most confident first)"
    assert table.rows == [["negative", "0.990", "dull / slow"], ["negative", "0.700", "awful" * 4 + "…"]]


