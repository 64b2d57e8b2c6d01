"""params.yaml's schema: the small, stable core (the top level, merging defaults, error messages).

Each task's schema lives in its package (seqcase.tasks.<task>.schema), the sources' in
seqcase.sources.schema, the search spaces' in seqcase.models.search_space. Loading a file and
validating its cases by their tasks' schemas is seqcase.params: this package imports no task.
"""

from seqcase.schema import Name, NoOptions, StrictModel
from seqcase.config.case import CASE_BLOCKS, Baselines, CaseBase, Grid, RandomForestOptions
from seqcase.config.core import DEFAULT_PARAMS_PATH, Params, read_params_file
from seqcase.config.run import EvaluateConfig, TrainConfig, TuneConfig
from seqcase.errors import ParamsError

__all__ = ["CASE_BLOCKS", "DEFAULT_PARAMS_PATH", "Baselines", "CaseBase", "EvaluateConfig", "Grid", "Name",
           "NoOptions", "Params", "ParamsError", "RandomForestOptions", "StrictModel", "TrainConfig", "TuneConfig",
           "read_params_file"]
