"""The summary stage's landing page: a card per case, built from the rows the report stages leave."""

from __future__ import annotations

import base64
import re

from seqcase.stages.summary import comparison_url, headline, landing_page, mlflow_url, summary_markdown

FIGURE = b"\x89PNG\r\n\x1a\n not a real image, only bytes to embed"


def row(case: str, beaten: bool, tracking_uri: str, **extra) -> dict:
    return {
        "case": case, "task": "forecasting", "test_examples": 7363, "metric": "RMSE",
        "best_model": "gru_ensemble", "best_value": 24.691772391088715, "reference": "naive",
        "reference_value": 30.880300067012158, "recurrent": "gru_ensemble", "recurrent_value": 24.69177239108871,
        "p_value": 0.000999000999000999, "note": "step 6: ratio 0.776",
        "verdict": {"beaten": beaten, "text": "Yes: <gru_ensemble> beat the naive forecast.", "seeds": [42, 43, 44],
                    "difference": -6.188527675923449, "interval": [-7.220145404689597, -5.091156265806852], "interval_level": 0.9,
                    "seed_agreement": {"agree": 3, "seeds": 3, "text": "3 of 3 seeds"}},
        "key_figure": "figures/seeds.png",
        "mlflow": {"tracking_uri": tracking_uri, "experiment_id": "3", "run_id": f"run-of-{case}",
                   "comparison_view": "seqcase-comparison"},
        **extra,
    }


def test_the_mlflow_link_goes_to_the_server_or_to_the_ui_that_make_ui_starts():
    run = {"experiment_id": "3", "run_id": "abc"}
    assert mlflow_url({**run, "tracking_uri": "sqlite:///mlflow.db"}) == (
        "http://127.0.0.1:5000/#/experiments/3/runs/abc?workflowType=machine_learning")  # the training view
    assert mlflow_url({**run, "tracking_uri": "https://mlflow.team.example/"}) == (
        "https://mlflow.team.example/#/experiments/3/runs/abc?workflowType=machine_learning")
    assert mlflow_url(None) is None and mlflow_url({"tracking_uri": "sqlite:///x"}) is None
    # The comparison: the experiment's runs table on the view the report stage saved there.
    assert comparison_url({**run, "tracking_uri": "sqlite:///mlflow.db", "comparison_view": "seqcase-comparison"}) == (
        "http://127.0.0.1:5000/#/experiments/3/runs?viewStateShareKey=seqcase-comparison&workflowType=machine_learning")
    assert comparison_url({**run, "tracking_uri": "sqlite:///mlflow.db", "comparison_view": "seqcase-comparison"},
                          charts=True).endswith("viewStateShareKey=seqcase-comparison&workflowType=machine_learning"
                                                "&compareRunsMode=CHART")  # the same view's charts tab
    assert comparison_url(run) is None  # a row written before the view existed


def test_a_card_shows_the_numbers_chosen_on_validation_with_their_interval_and_seeds():
    numbers = dict(headline(row("glucose", True, "sqlite:///mlflow.db")))
    assert numbers == {
        "best model": "gru_ensemble (24.69)", "recurrent model": "gru_ensemble (24.69)", "baseline": "naive (30.88)",
        "difference": "-6.189, 90 % interval -7.22 to -5.091 (the test's: \"yes\" exactly when it excludes 0 on "
                      "the model's side)", "p": "0.000999", "seeds that agree": "3 of 3 seeds",
        "note": "step 6: ratio 0.776"}


def test_the_landing_page_has_one_card_per_case_with_badge_figure_and_links():
    rows = [row("glucose", True, "sqlite:///mlflow.db"), row("prices", False, "http://127.0.0.1:8080")]
    page = landing_page(rows, {"glucose": FIGURE})
    cards = re.findall(r'<section class="card" id="([^"]+)">(.*?)</section>', page, re.S)
    assert [case for case, _ in cards] == ["glucose", "prices"]
    glucose, prices = (body for _, body in cards)
    assert "badge wins" in glucose and "recurrent wins" in glucose
    assert "badge holds" in prices and "baseline holds" in prices
    assert f"data:image/png;base64,{base64.b64encode(FIGURE).decode()}" in glucose
    assert "<img" not in prices  # no figure left for it: no broken image
    assert 'href="glucose/report.html"' in glucose and 'href="prices/report.md"' in prices
    view = "?workflowType=machine_learning"
    assert f'href="http://127.0.0.1:5000/#/experiments/3/runs/run-of-glucose{view}"' in glucose
    assert f'href="http://127.0.0.1:8080/#/experiments/3/runs/run-of-prices{view}"' in prices
    assert ('href="http://127.0.0.1:5000/#/experiments/3/runs?viewStateShareKey=seqcase-comparison&amp;'
            'workflowType=machine_learning"') in glucose
    assert "Yes: &lt;gru_ensemble&gt; beat" in glucose  # text is escaped, never markup
    assert "over 3 seeds per network" in page and 'href="summary.md"' in page


def test_a_row_from_before_the_landing_page_still_gets_a_card_without_links_to_mlflow():
    old = row("glucose", True, "")
    del old["mlflow"], old["key_figure"]
    page = landing_page([old], {})
    assert 'id="glucose"' in page and "MLflow run" not in page and "<img" not in page
    assert "[glucose](glucose/report.md)" in summary_markdown([old])


def test_the_footnote_names_each_case_s_verdict_test_in_the_verdict_s_own_words():
    glucose = row("glucose", True, "")
    glucose["verdict"]["test"] = "bootstrap over the seeds and the test windows together (1000 resamples, blocks of 20)"
    text = summary_markdown([glucose, row("prices", False, "")])  # a row from before the field: no line
    footnote = text.split("comes from the case's verdict test:\n\n")[1].split("\n\n")[0]
    assert footnote == "- glucose: bootstrap over the seeds and the test windows together (1000 resamples, blocks of 20)"
    assert "McNemar" not in text and "Diebold" not in text
