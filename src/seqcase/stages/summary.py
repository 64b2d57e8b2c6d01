"""summary: one row per case, from the rows each report stage left in data/summaries/."""

from __future__ import annotations

from pathlib import Path

from seqcase.config import load_params
from seqcase.errors import UserError
from seqcase.io import read_json, write_text
from seqcase.paths import CasePaths
from seqcase.reporting.report import cell


def summary_markdown(rows: list[dict]) -> str:
    """Each task judges by its own metric: RMSE against the naive forecast, macro-F1, PR-AUC or accuracy
    against the baselines."""
    lines = ["# seqcase: summary across case studies", "",
             "| case | task | test examples | metric | best model | recurrent model | baseline | p | recurrent wins | note |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        recurrent = f"{row['recurrent']} ({cell(row['recurrent_value'])})" if row.get("recurrent") else "–"
        reference = f"{row['reference']} ({cell(row['reference_value'])})" if row.get("reference") else "–"
        lines.append(
            f"| [{row['case']}]({row['case']}/report.md) | {row['task']} | {row['test_examples']} | {row['metric']} | "
            f"{row['best_model']} ({cell(row['best_value'])}) | {recurrent} | {reference} | {cell(row.get('p_value'))} | "
            f"{'yes' if row['verdict']['beaten'] else 'no'} | {row.get('note') or ''} |"
        )
    lines += ["", "Every model named is chosen on the validation part (the best model, and the recurrent model "
              "and the baseline the verdict compares); the numbers in brackets are its test scores.", "",
              "p: Diebold-Mariano (forecasting, against the naive forecast), McNemar (classification, against "
              "the best baseline), a paired bootstrap over the test examples (event and text classification, "
              "against the best baseline) or over blocks of test characters (text generation, against the best "
              "n-gram model), one-sided.", "", "Each case's verdict:", ""]
    lines += [f"- **{row['case']}**: {row['verdict']['text']}" for row in rows]
    return "\n".join(lines) + "\n"


def run(params_path: Path, output: Path = Path("reports/summary.md")) -> str:
    params = load_params(params_path, cases=())  # the rows say everything; no task's code is needed
    rows = {name: CasePaths(name).summary_row for name in params.case_names}
    missing = [name for name, path in rows.items() if not path.is_file()]
    if missing:
        raise UserError(f"no report yet for case(s) {missing}: run `dvc repro` for them first")
    text = summary_markdown([read_json(path) for path in rows.values()])
    write_text(output, text)
    return text
