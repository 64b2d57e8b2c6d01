"""The per-case report: a table of every model, the figures, and a plain verdict on the random walk."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import jinja2

FAMILY_COLOURS = {"recurrent": "tab:blue", "convolutional": "tab:orange", "feed-forward": "tab:green",
                  "baseline": "tab:gray"}
TABLE_COLUMNS = ("rmse", "mae", "smape", "mase", "directional_accuracy", "rmse_ratio_to_naive", "dm_pvalue")


def verdict(scores: dict, families: dict[str, str], significance: float) -> dict:
    """Did any recurrent model beat the naive forecast: lower RMSE and a significant DM test?"""
    recurrent = [name for name in scores if families.get(name) == "recurrent"]
    naive_rmse = scores["naive"]["rmse"]
    if not recurrent:
        return {"beaten": False, "model": None, "text": "No recurrent model in this case."}
    best = min(recurrent, key=lambda name: scores[name]["rmse"])
    rmse, p_value = scores[best]["rmse"], scores[best]["dm_pvalue"]
    significant = p_value is not None and not math.isnan(p_value) and p_value < significance
    beaten = rmse < naive_rmse and significant
    numbers = (f"{best} has test RMSE {rmse:.6g} against the naive forecast's {naive_rmse:.6g} "
               f"(ratio {rmse / naive_rmse:.4f}); Diebold-Mariano one-sided p = {p_value:.3g}")
    if beaten:
        text = f"Yes: a recurrent model beat the naive forecast. {numbers} < {significance}."
    elif rmse < naive_rmse:
        text = (f"No: the best recurrent model is slightly more accurate than the naive forecast, but not "
                f"significantly. {numbers} >= {significance}.")
    else:
        text = f"No: no recurrent model beat the naive forecast. {numbers}."
    return {"beaten": beaten, "model": best, "rmse": rmse, "naive_rmse": naive_rmse, "dm_pvalue": p_value,
            "text": text}


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def table_rows(scores: dict, families: dict[str, str]) -> list[list[str]]:
    ordered = sorted(scores, key=lambda name: scores[name]["rmse"])
    return [[name, families[name], *(_cell(scores[name].get(column)) for column in TABLE_COLUMNS)] for name in ordered]


def markdown_report(case_name: str, description: str, context: dict) -> str:
    header = ["model", "family", *TABLE_COLUMNS]
    lines = [f"# {case_name}", "", description, "", "## Verdict", "", context["verdict"]["text"], "",
             f"## Test metrics ({context['test_windows']} windows, horizon {context['horizon']})", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in context["rows"]]
    lines += ["", "dm_pvalue: one-sided Diebold-Mariano test against the naive forecast (squared error); "
              "MASE: MAE over the naive forecast's in-sample MAE.", "", "## Data", ""]
    lines += [f"- {key}: {value}" for key, value in context["data"].items()]
    lines += ["", "## Figures", ""] + [f"![{name}](figures/{Path(path).name})" for name, path in context["figures"].items()]
    lines += ["", "## Training", "", "| variant | hyperparameters | epochs | best epoch | parameters |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {info['hyperparameters']} | {info['epochs_run']} | {info['best_epoch']} | {info['parameters']} |"
              for name, info in context["training"].items()]
    return "\n".join(lines) + "\n"


HTML_TEMPLATE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ case }} report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,td:nth-child(2),th{text-align:left}.verdict{padding:1em;border-left:6px solid {{ '#2a2' if verdict.beaten else '#c33' }};background:#f6f6f6}
img{max-width:100%}</style></head><body>
<h1>{{ case }}</h1><p>{{ description }}</p>
<h2>Verdict</h2><p class="verdict">{{ verdict.text }}</p>
<h2>Test metrics ({{ test_windows }} windows, horizon {{ horizon }})</h2>
<table><tr>{% for column in header %}<th>{{ column }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>
<p><small>dm_pvalue: one-sided Diebold-Mariano test against the naive forecast (squared error, Harvey-Leybourne-Newbold
correction). MASE: MAE over the naive forecast's in-sample MAE. Directional accuracy: share of forecasts moving the
right way from the no-change forecast.</small></p>
{% for name, image in images.items() %}<h3>{{ name }}</h3><img alt="{{ name }}" src="data:image/png;base64,{{ image }}">{% endfor %}
<h2>Training</h2><table><tr><th>variant</th><th>hyperparameters</th><th>epochs</th><th>best epoch</th><th>parameters</th></tr>
{% for name, info in training.items() %}<tr><td>{{ name }}</td><td>{{ info.hyperparameters }}</td><td>{{ info.epochs_run }}</td>
<td>{{ info.best_epoch }}</td><td>{{ info.parameters }}</td></tr>{% endfor %}</table>
<h2>Data</h2><ul>{% for key, value in data.items() %}<li>{{ key }}: {{ value }}</li>{% endfor %}</ul>
</body></html>
""", autoescape=True)


def html_report(case_name: str, description: str, context: dict) -> str:
    images = {name: base64.b64encode(Path(path).read_bytes()).decode() for name, path in context["figures"].items()}
    return HTML_TEMPLATE.render(case=case_name, description=description, header=["model", "family", *TABLE_COLUMNS],
                                images=images, **context)
