"""summary: one row per case, from the rows each report stage left in data/summaries/."""

from __future__ import annotations

from pathlib import Path

from seqcase.config import load_params
from seqcase.io import read_json, write_text
from seqcase.paths import CasePaths


def summary_markdown(rows: list[dict]) -> str:
    lines = ["# seqcase: summary across case studies", "",
             "| case | task | horizon | test windows | best model | best RMSE | naive RMSE | best recurrent | ratio to naive | DM p | recurrent beats naive |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        verdict = row["verdict"]
        ratio = f"{verdict['rmse'] / verdict['naive_rmse']:.4f}" if verdict.get("model") else "–"
        p_value = f"{verdict['dm_pvalue']:.3g}" if verdict.get("dm_pvalue") is not None else "–"
        lines.append(
            f"| [{row['case']}]({row['case']}/report.md) | {row['task']} | {row['horizon']} | {row['test_windows']} | "
            f"{row['best_model']} | {row['best_rmse']:.6g} | {row['naive_rmse']:.6g} | {verdict.get('model') or '–'} | "
            f"{ratio} | {p_value} | {'yes' if verdict['beaten'] else 'no'} |"
        )
    lines += ["", "Each case's verdict:", ""] + [f"- **{row['case']}**: {row['verdict']['text']}" for row in rows]
    return "\n".join(lines) + "\n"


def run(params_path: Path, output: Path = Path("reports/summary.md")) -> str:
    params = load_params(params_path)
    rows = {name: CasePaths(name).summary_row for name in params.cases}
    missing = [name for name, path in rows.items() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"no report yet for case(s) {missing}: run `dvc repro` for them first")
    text = summary_markdown([read_json(path) for path in rows.values()])
    write_text(output, text)
    return text
