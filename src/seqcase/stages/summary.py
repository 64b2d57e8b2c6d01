"""summary: one row per case in reports/summary.md, and reports/index.html, the landing page with a
card per case, from the rows and key figures each report stage left in data/summaries/."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from seqcase.errors import UserError
from seqcase.io import read_json, write_text
from seqcase.paths import CASE_NAMES, CasePaths
from seqcase.reporting.report import cell


def summary_markdown(rows: list[dict]) -> str:
    """Each task judges by its own metric: RMSE against the naive forecast, macro-F1, PR-AUC or accuracy
    against the baselines."""
    lines = ["# seqcase: summary across case studies", "",
             "| case | task | test examples | metric | best model | recurrent model | baseline | p | recurrent wins | "
             "attention model | recurrent beats attention | note |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        recurrent = f"{row['recurrent']} ({cell(row['recurrent_value'])})" if row.get("recurrent") else "–"
        reference = f"{row['reference']} ({cell(row['reference_value'])})" if row.get("reference") else "–"
        attention = row["verdict"].get("attention") or {}
        against = (f"{attention['baseline']} ({cell(attention['baseline_value'])})", yes_no(attention["beaten"])) \
            if attention.get("model") else ("–", "–")
        lines.append(
            f"| [{row['case']}]({row['case']}/report.md) | {row['task']} | {row['test_examples']} | {row['metric']} | "
            f"{row['best_model']} ({cell(row['best_value'])}) | {recurrent} | {reference} | {cell(row.get('p_value'))} | "
            f"{yes_no(row['verdict']['beaten'])} | {against[0]} | {against[1]} | {row.get('note') or ''} |"
        )
    lines += ["", "Every model named is chosen on the validation part (the best model, and the recurrent model "
              "and the baseline the verdict compares); the numbers in brackets are its test scores.", ""]
    tests = [(row["case"], row["verdict"]["test"]) for row in rows if row["verdict"].get("test")]
    if tests:  # each verdict's own words (metrics.json), never a second description that could drift
        lines += ["p (and each verdict's difference and interval below) comes from the case's verdict test:", ""]
        lines += [f"- {case}: {test}" for case, test in tests] + [""]
    lines += ["Each case's verdict (and the same recurrent model against the attention model, with the same test):", ""]
    for row in rows:
        lines.append(f"- **{row['case']}**: {row['verdict']['text']}")
        if row["verdict"].get("attention"):
            lines.append(f"  Against the attention model: {row['verdict']['attention']['text']}")
    return "\n".join(lines) + "\n"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


UI_ADDRESS = "http://127.0.0.1:5000"  # where `make ui` serves a local store's runs
TRAINING_VIEW = "workflowType=machine_learning"  # MLflow 3's UI opens on its GenAI view otherwise


def ui_address(run: dict) -> str:
    """Where a run's pages are: the tracking server itself, or for a local store (sqlite, files) the
    UI `make ui` starts over it."""
    uri = str(run.get("tracking_uri") or "")
    return uri.rstrip("/") if uri.startswith(("http://", "https://")) else UI_ADDRESS


def mlflow_url(run: dict | None) -> str | None:
    """The pipeline run's page."""
    if not run or not run.get("run_id"):
        return None
    return f"{ui_address(run)}/#/experiments/{run['experiment_id']}/runs/{run['run_id']}?{TRAINING_VIEW}"


def comparison_url(run: dict | None, charts: bool = False) -> str | None:
    """The case's runs table on its comparison view (the models its last evaluate compared, best
    validation first, with metric columns), or that view's charts: the view the report stage saved
    on the experiment."""
    if not run or not run.get("comparison_view"):
        return None
    return (f"{ui_address(run)}/#/experiments/{run['experiment_id']}/runs?"
            f"viewStateShareKey={run['comparison_view']}&{TRAINING_VIEW}" + ("&compareRunsMode=CHART" if charts else ""))


def headline(row: dict) -> list[tuple[str, str]]:
    """The handful of numbers a card shows: what was chosen on validation and how it scored on test."""
    verdict = row["verdict"]
    numbers = [("best model", f"{row['best_model']} ({cell(row['best_value'])})")]
    if row.get("recurrent"):
        numbers.append(("recurrent model", f"{row['recurrent']} ({cell(row['recurrent_value'])})"))
    if row.get("reference"):
        numbers.append(("baseline", f"{row['reference']} ({cell(row['reference_value'])})"))
    attention = verdict.get("attention") or {}
    if attention.get("model"):
        numbers.append(("attention model", f"{attention['baseline']} ({cell(attention['baseline_value'])}); "
                                           f"the recurrent model beats it: {yes_no(attention['beaten'])}"))
    if verdict.get("difference") is not None:
        interval = verdict.get("interval")
        spread = (f", {verdict['interval_level'] * 100:g} % interval {cell(interval[0])} to {cell(interval[1])} "
                  f"(the test's: \"yes\" exactly when it excludes 0 on the model's side)") if interval else ""
        numbers.append(("difference", f"{cell(verdict['difference'])}{spread}"))
    if row.get("p_value") is not None:
        numbers.append(("p", cell(row["p_value"])))
    if verdict.get("seed_agreement"):
        numbers.append(("seeds that agree", verdict["seed_agreement"]["text"]))
    if row.get("note"):
        numbers.append(("note", row["note"]))
    return numbers


LANDING_TEMPLATE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>seqcase: every case's verdict</title>
<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1.2em}
.card{border:1px solid #ccc;border-radius:8px;padding:1em;background:#fcfcfc}
.card h2{margin:0 0 .3em;font-size:1.25em}.task{color:#666;font-size:.9em}
.badge{display:inline-block;padding:.15em .6em;border-radius:1em;color:#fff;font-weight:600;font-size:.85em}
.wins{background:#2a2}.holds{background:#c33}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em .8em;font-size:.9em}dt{color:#555}dd{margin:0}
img{width:100%;margin:.5em 0}.verdict{font-size:.85em;color:#333}.links a{margin-right:1em}</style></head><body>
<h1>seqcase: every case's verdict</h1>
<p>Does a recurrent network beat the honest baseline? Each card: the models chosen on the validation part,
scored once on the test part, over {{ seeds_text }}. <a href="summary.md">summary.md</a> has the same in one table;
<a href="fundamentals/report.html">fundamentals</a> holds the NumPy cells and the gradient experiments.</p>
<div class="cards">
{% for card in cards %}<section class="card" id="{{ card.case }}">
<h2>{{ card.case }}</h2>
<p><span class="badge {{ 'wins' if card.beaten else 'holds' }}">{{ 'recurrent wins' if card.beaten else 'baseline holds' }}</span>
<span class="task">{{ card.task }} · {{ card.metric }} · {{ card.test_examples }} test examples</span></p>
{% if card.image %}<img alt="{{ card.case }}: {{ card.figure_name }}" src="data:image/png;base64,{{ card.image }}">{% endif %}
<dl>{% for name, value in card.numbers %}<dt>{{ name }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>
<p class="verdict">{{ card.text }}</p>
<p class="links"><a href="{{ card.case }}/report.html">report</a><a href="{{ card.case }}/report.md">report.md</a>
{% if card.mlflow %}<a href="{{ card.mlflow }}" title="the pipeline run in MLflow (start `make ui` first for a local store)">MLflow run</a>{% endif %}
{% if card.comparison %}<a href="{{ card.comparison }}" title="every model it compared, best validation first (start `make ui` first for a local store)">MLflow comparison</a>
<a href="{{ card.charts }}" title="the same models as charts: the metric on validation and test, the hyperparameters against it">charts</a>{% endif %}</p>
</section>
{% endfor %}</div></body></html>
""", autoescape=True)


def landing_page(rows: list[dict], figures: dict[str, bytes]) -> str:
    """reports/index.html: one self-contained card per case (badge, key figure, headline numbers,
    links to its report and its MLflow run)."""
    cards = [{"case": row["case"], "task": row["task"], "metric": row["metric"], "test_examples": row["test_examples"],
              "beaten": row["verdict"]["beaten"], "text": row["verdict"]["text"], "numbers": headline(row),
              "figure_name": Path(row.get("key_figure") or "").stem,
              "image": base64.b64encode(figures[row["case"]]).decode() if figures.get(row["case"]) else None,
              "mlflow": mlflow_url(row.get("mlflow")), "comparison": comparison_url(row.get("mlflow")),
              "charts": comparison_url(row.get("mlflow"), charts=True)} for row in rows]
    seeds = {len(row["verdict"].get("seeds") or [None]) for row in rows}
    seeds_text = f"{max(seeds)} seeds per network" if seeds and max(seeds) > 1 else "one seed per network"
    return LANDING_TEMPLATE.render(cards=cards, seeds_text=seeds_text)


def recap_table(rows: list[dict], waiting: list[str] = ()) -> str:
    """What the end of `make run` prints: a line per case with its verdict, headline number, report
    and MLflow run, so the log ends on the answers."""
    header = ["case", "verdict", "best model (test)", "report", "MLflow run"]
    lines = [[row["case"], "recurrent wins" if row["verdict"]["beaten"] else "baseline holds",
              f"{row['best_model']}: {row['metric']} {cell(row['best_value'])}", f"reports/{row['case']}/report.html",
              mlflow_url(row.get("mlflow")) or "–"] for row in rows]
    lines += [[case, "not run yet", "–", "–", "–"] for case in waiting]
    widths = [max(len(line[column]) for line in [header, *lines]) for column in range(len(header))]
    text = ["  ".join(value.ljust(width) for value, width in zip(line, widths)).rstrip() for line in [header, *lines]]
    return "\n".join(text + ["", "Every case on one page: reports/index.html"]) + "\n"


def run(params_path: Path, output: Path = Path("reports/summary.md"), page: Path = Path("reports/index.html"),
        case_names: Path = CASE_NAMES) -> str:
    """The rows say everything; of params.yaml only the case names are needed, which validate wrote
    (`params_path` is the file it validated)."""
    paths = {name: CasePaths(name) for name in read_json(case_names)}
    missing = [name for name, case_paths in paths.items() if not case_paths.summary_row.is_file()]
    if missing:
        raise UserError(f"no report yet for case(s) {missing}: run `dvc repro` for them first")
    rows = [read_json(case_paths.summary_row) for case_paths in paths.values()]
    figures = {name: case_paths.summary_figure.read_bytes() for name, case_paths in paths.items()
               if case_paths.summary_figure.is_file()}
    text = summary_markdown(rows)
    write_text(output, text)
    write_text(page, landing_page(rows, figures))
    return text
