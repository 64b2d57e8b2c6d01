"""Every report's seeds section: each variant's main metric over its seeds (mean, 95 % interval,
each seed) beside its seed ensemble, as a table and a strip plot."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from seqcase.models.ensemble import ensemble_name
from seqcase.reporting.figures import save_figure
from seqcase.reporting.report import FAMILY_COLOURS, Table, cell


def seeded_variants(models: dict) -> list[str]:
    return [name for name, scores in models.items() if "seeds" in scores]


def interval_cell(spread: dict) -> str:
    """"0.8793 ± 0.0041": the mean and the half-width of its 95 % interval over seeds."""
    if not spread.get("interval"):
        return cell(spread.get("mean"))
    low, high = spread["interval"]
    return f"{spread['mean']:.4g} ± {(high - low) / 2:.2g}"


def seeds_table(models: dict, families: dict[str, str], metric: str, label: str) -> Table:
    rows = []
    for variant in seeded_variants(models):
        scores = models[variant]
        seeds = scores["seeds"]
        test = scores.get("over_seeds", {}).get(metric, {"mean": scores.get(metric)})
        validation = scores.get("over_seeds", {}).get(f"validation_{metric}",
                                                       {"mean": scores.get(f"validation_{metric}")})
        ensemble = models.get(ensemble_name(variant), {})
        rows.append([variant, families.get(variant, ""), str(len(seeds)), interval_cell(validation),
                     interval_cell(test), cell(test.get("sd")),
                     ", ".join(cell(seeds[seed].get(metric)) for seed in seeds),
                     cell(ensemble.get(f"validation_{metric}")), cell(ensemble.get(metric))])
    return Table(f"Over seeds: {label}", ["variant", "family", "seeds", f"validation {label}", f"test {label}",
                                          "sd", "each seed (test)", f"ensemble validation {label}",
                                          f"ensemble test {label}"], rows,
                 "Mean ± half-width of the 95 % t-interval of the mean over seeds; the ensemble averages the "
                 "seeds' outputs. Choices are made on the validation columns.")


def strip_figure(path: Path, models: dict, families: dict[str, str], metric: str, label: str,
                 baseline: str | None) -> Path:
    """Each seed's test value as a dot, the mean as a bar, the ensemble as a diamond, and the verdict's
    baseline as a dashed line."""
    variants = seeded_variants(models)
    figure, axis = plt.subplots(figsize=(max(6, 1.1 * len(variants)), 4))
    for position, variant in enumerate(variants):
        colour = FAMILY_COLOURS.get(families.get(variant, ""), "tab:blue")
        values = [scores[metric] for scores in models[variant]["seeds"].values()]
        axis.scatter([position] * len(values), values, color=colour, alpha=0.7, s=25,
                     label="a seed" if position == 0 else None)
        axis.hlines(sum(values) / len(values), position - 0.25, position + 0.25, color=colour, linewidth=2)
        ensemble = models.get(ensemble_name(variant), {}).get(metric)
        if ensemble is not None:
            axis.scatter([position + 0.3], [ensemble], marker="D", color="black", s=25,
                         label="seed ensemble" if position == 0 else None)
    if baseline and baseline in models:
        axis.axhline(models[baseline][metric], color="tab:gray", linestyle="--", linewidth=1,
                     label=f"{baseline} (baseline)")
    axis.set_xticks(range(len(variants)), variants, rotation=30, ha="right", fontsize=8)
    axis.set_ylabel(f"test {label}")
    axis.set_title(f"Test {label} of each seed (bar: mean)")
    axis.legend(fontsize=8)
    return save_figure(figure, path)


def seeds_section(directory: Path, metrics: dict, families: dict[str, str], metric: str,
                  label: str) -> tuple[list[Table], dict[str, Path]]:
    models = metrics["models"]
    if not seeded_variants(models):
        return [], {}
    figure = strip_figure(directory / "seeds.png", models, families, metric, label,
                          metrics.get("verdict", {}).get("baseline"))
    return [seeds_table(models, families, metric, label)], {f"Test {label} over seeds": figure}
