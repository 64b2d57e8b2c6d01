"""The per-case report, whatever the task: a verdict, tables, figures, data facts and training.

Each task's report module (seqcase.tasks.<task>.report) decides what goes in;
this module only lays it out, as Markdown for the repository and as one self-contained HTML file.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np

FAMILY_COLOURS = {"recurrent": "tab:blue", "attention": "tab:purple", "convolutional": "tab:orange",
                  "feed-forward": "tab:green", "baseline": "tab:gray"}


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass(frozen=True)
class ReportContent:
    verdict: dict
    tables: list[Table]
    figures: dict[str, Path]
    data: dict
    training: dict


MODEL_PREFIX = "model_"


def load_predictions_file(evaluation: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The evaluate stage's predictions.npz: the arrays every model shares (labels, positions...),
    and each model's own (stored as model_<name>)."""
    with np.load(Path(evaluation) / "predictions.npz") as arrays:
        shared = {key: arrays[key] for key in arrays.files if not key.startswith(MODEL_PREFIX)}
        models = {key.removeprefix(MODEL_PREFIX): arrays[key] for key in arrays.files if key.startswith(MODEL_PREFIX)}
    return shared, models


def cell(value) -> str:
    """A number as the tables show it; undefined (None, NaN) as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def plain(value) -> str:
    """A value as a person reads it in a table: a dict as `key value` pairs, a list by commas, not
    Python's repr ({'units': 32} reads `units 32`)."""
    if isinstance(value, dict):
        return ", ".join(f"{key} {plain(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(item) for item in value)
    return cell(value) if isinstance(value, float) else str(value)


def markdown_report(case_name: str, description: str, content: ReportContent) -> str:
    lines = [f"# {case_name}", "", description, "", "## Verdict", "", content.verdict["text"], ""]
    if content.verdict.get("attention"):  # the second comparison, with the same test
        lines += ["Against the attention model: " + content.verdict["attention"]["text"], ""]
    for table in content.tables:
        lines += [f"## {table.title}", "", "| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
        lines += ["| " + " | ".join(row) + " |" for row in table.rows]
        lines += ["", table.note, ""] if table.note else [""]
    lines += ["## Data", ""] + [f"- {key.replace('_', ' ')}: {plain(value)}" for key, value in content.data.items()]
    lines += ["", "## Figures", ""] + [f"![{name}](figures/{Path(path).name})" for name, path in content.figures.items()]
    if content.training:
        lines += ["", "## Training", "", "| variant | hyperparameters | epochs | best epoch | parameters |",
                  "|---|---|---|---|---|"]
        lines += [f"| {name} | {plain(info['hyperparameters'])} | {info['epochs_run']} | {info['best_epoch']} | "
                  f"{info['parameters']} |" for name, info in content.training.items()]
    return "\n".join(lines) + "\n"


HTML_TEMPLATE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ case }} report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,td:nth-child(2),th{text-align:left}.verdict{padding:1em;border-left:6px solid {{ '#2a2' if verdict.beaten else '#c33' }};background:#f6f6f6}
img{max-width:100%}</style></head><body>
<h1>{{ case }}</h1><p>{{ description }}</p>
<h2>Verdict</h2><p class="verdict">{{ verdict.text }}</p>
{% if verdict.attention %}<p>Against the attention model: {{ verdict.attention.text }}</p>{% endif %}
{% for table in tables %}<h2>{{ table.title }}</h2>
<table><tr>{% for column in table.header %}<th>{{ column }}</th>{% endfor %}</tr>
{% for row in table.rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}</table>
{% if table.note %}<p><small>{{ table.note }}</small></p>{% endif %}{% endfor %}

{% for name, image in images.items() %}<h3>{{ name }}</h3><img alt="{{ name }}" src="data:image/png;base64,{{ image }}">{% endfor %}
{% if training %}<h2>Training</h2><table><tr><th>variant</th><th>hyperparameters</th><th>epochs</th><th>best epoch</th><th>parameters</th></tr>
{% for name, info in training.items() %}<tr><td>{{ name }}</td><td>{{ plain(info.hyperparameters) }}</td><td>{{ info.epochs_run }}</td>
<td>{{ info.best_epoch }}</td><td>{{ info.parameters }}</td></tr>{% endfor %}</table>{% endif %}
<h2>Data</h2><ul>{% for key, value in data.items() %}<li>{{ key.replace('_', ' ') }}: {{ plain(value) }}</li>{% endfor %}</ul>
{% if footer %}<footer><hr><small>{{ footer }}</small></footer>{% endif %}
</body></html>
""", autoescape=True)


def footer_line(written: str, commit: str | None, run_id: str | None) -> str:
    """Where a report.html came from: when it was written, from which commit, and its MLflow run."""
    parts = [f"Written {written}"]
    if commit:
        parts.append(f"from commit {commit[:12]}")
    if run_id:
        parts.append(f"MLflow pipeline run {run_id}")
    return " · ".join(parts)


def html_report(case_name: str, description: str, content: ReportContent, footer: str = "") -> str:
    """The report as one self-contained page. Only this page carries the footer (a date, a run id):
    report.md stays byte-identical when a re-run reproduces the results."""
    images = {name: base64.b64encode(Path(path).read_bytes()).decode() for name, path in content.figures.items()}
    return HTML_TEMPLATE.render(case=case_name, description=description, images=images, verdict=content.verdict,
                                tables=content.tables, training=content.training, data=content.data, plain=plain,
                                footer=footer)
