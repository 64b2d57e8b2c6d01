"""What a text generation report shows: bits per character per model, the n-gram search, samples
from each model to read, where in the test text each model pays, and the summary row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from seqcase.io import read_json
from seqcase.paths import CasePaths
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, ReportContent, Table, cell
from seqcase.tasks.text_generation.schema import GenerationCase

METRIC = "bits_per_character"


def tables(metrics: dict, families: dict[str, str], samples: dict[str, dict[str, str]]) -> list[Table]:
    scores = metrics["models"]
    ordered = sorted(scores, key=lambda name: scores[name][METRIC])
    search_rows = [[name, ", ".join(f"{key} {value}" for key, value in entry.items()
                                    if key != "validation_bits_per_character"),
                    cell(entry["validation_bits_per_character"]),
                    "yes" if all(entry.get(key) == value for key, value in search["chosen"].items()) else ""]
                   for name, search in metrics["baseline_search"].items() for entry in search["grid"]]
    sample_rows = [[name, temperature, text.replace("\n", " / ")]
                   for name in ordered if name in samples for temperature, text in samples[name].items()]
    return [
        Table(f"Bits per character on the test text ({metrics['test_examples']} characters)",
              ["model", "family", "test bits per character", "perplexity", "validation bits per character"],
              [[name, families[name], cell(scores[name][METRIC]), cell(scores[name]["perplexity"]),
                cell(scores[name]["validation_bits_per_character"])] for name in ordered],
              "Each test character is predicted from the test text before it (a network from at least half "
              "its window, an n-gram model from its last order-1 characters). Lower is better; perplexity is "
              "2 to the bits: the number of equally likely characters the model is as unsure as."),
        Table("n-gram baselines: settings tried on the validation part", ["baseline", "setting",
                                                                          "validation bits per character", "chosen"],
              search_rows),
        Table(f"Samples: the seed {metrics['seed_text']!r} continued one character at a time",
              ["model", "temperature", "text (new lines as /)"], sample_rows,
              "A temperature below 1 sharpens each step's distribution (safer, more repetitive text), above 1 "
              "flattens it. `python -m seqcase generate --case <case>` draws more."),
    ]


def bits_along_text_figure(path: Path, curves: dict[str, pd.DataFrame], colours: dict[str, str]) -> Path:
    figure, axis = figures.plt.subplots(figsize=(9, 4))
    for name, curve in curves.items():
        axis.plot(curve["character"], curve[METRIC], label=name, linewidth=1,
                  linestyle="--" if colours[name] == FAMILY_COLOURS["baseline"] else "-")
    axis.set_xlabel("test character")
    axis.set_ylabel("bits per character (block mean)")
    axis.set_title("Where in the test text each model pays")
    axis.legend(fontsize=8, ncol=2)
    return figures.save_figure(figure, path)


def draw_figures(directory: Path, reports: Path, metrics: dict, families: dict[str, str]) -> dict[str, Path]:
    scores = metrics["models"]
    colours = {name: FAMILY_COLOURS[families[name]] for name in scores}
    curves = {name: pd.read_csv(reports / "predictions" / f"{name}.csv") for name in scores}
    drawn = {
        "Test bits per character": figures.bar_figure(directory / "bits_per_character.png",
                                                      {name: scores[name][METRIC] for name in scores}, colours,
                                                      "test bits per character (lower is better)"),
        "Bits per character along the test text": bits_along_text_figure(directory / "bits_along_text.png", curves,
                                                                         colours),
    }
    drawn.update(figures.learning_curves_section(directory, reports / "learning_curves"))
    return drawn


def summary_row(metrics: dict) -> dict:
    scores, result = metrics["models"], metrics["verdict"]
    best = min(scores, key=lambda name: scores[name][f"validation_{METRIC}"])
    return {"metric": "bits per character", "best_model": best, "best_value": scores[best][METRIC],
            "reference": result.get("baseline"), "reference_value": result.get("baseline_value"),
            "recurrent": result.get("model"), "recurrent_value": result.get("value"),
            "p_value": result.get("p_value"), "note": f"perplexity {scores[best]['perplexity']:.3g}"}


def load_samples(evaluation: Path) -> dict[str, dict[str, str]]:
    path = evaluation / "samples.json"
    return read_json(path) if path.is_file() else {}


def report(case: GenerationCase, metrics: dict, families: dict, paths: CasePaths,
           figure_directory: Path) -> ReportContent:
    prepared = read_json(paths.prepared / "meta.json")
    return ReportContent(
        verdict=metrics["verdict"], tables=tables(metrics, families, load_samples(paths.evaluation)),
        figures=draw_figures(figure_directory, paths.reports, metrics, families),
        data={"source": case.source, "vocabulary": "".join(prepared["vocabulary"]).replace("\n", "⏎"),
              **prepared["summary"]},
        training=read_json(paths.models / "training.json"))
