"""The train stage's order of work: the longest fits start first."""

from __future__ import annotations

from seqcase.models.search_space import ModelSpec
from seqcase.stages.train import Fit, longest_first


def fit(architecture: str, units: int = 32, layers: int = 1, cell: str = "lstm", refit: str | None = None) -> Fit:
    spec = ModelSpec(architecture=architecture, cell=cell, search_space={"learning_rate": 0.001})
    return Fit(architecture, spec, {"units": units, "layers": layers},
               seed=0, diagnose=False, refit=refit)


def test_the_longest_fits_are_submitted_first_ties_in_their_order():
    fits = [fit("simple_rnn", 256), fit("dense"), fit("lstm", 256), fit("gru", 256), fit("lstm", 256, refit="origin_1"),
            fit("conv1d")]
    assert longest_first(fits) == [2, 4, 3, 0, 1, 5]
