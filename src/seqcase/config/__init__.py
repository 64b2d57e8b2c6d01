"""params.yaml: the small, stable core (loading, merging defaults, error messages, the top level).

Each task's schema lives in its package (seqcase.tasks.<task>.schema), the sources' in
seqcase.sources.schema, the search spaces' in seqcase.models.search_space.
"""

from seqcase.config.base import Name, NoOptions, StrictModel
from seqcase.config.case import CASE_BLOCKS, Baselines, CaseBase, Grid, RandomForestOptions
from seqcase.config.core import DEFAULT_PARAMS_PATH, Params, get_case, load_params, parse_params
from seqcase.config.run import EvaluateConfig, TrainConfig, TuneConfig
from seqcase.errors import ParamsError

__all__ = ["CASE_BLOCKS", "DEFAULT_PARAMS_PATH", "Baselines", "CaseBase", "EvaluateConfig", "Grid", "Name",
           "NoOptions", "Params", "ParamsError", "RandomForestOptions", "StrictModel", "TrainConfig", "TuneConfig", "get_case",
           "load_params", "parse_params"]
