"""One module per DVC stage: read the stage's inputs, call the library, write outputs atomically.

pipelines/stage.py parses arguments (seqcase.stages.entry) and calls `run` here. A per-case stage
opens its case (seqcase.stages.case), looks up its task and calls the task's contract
(seqcase.tasks.base): it never asks which task it runs. This package's own module imports nothing,
so that a stage that reads no params (summary) does not depend on their code. Modules of stages
that do not train (fetch, prepare, report, summary) must not import TensorFlow: it costs 9 s at
every start.
"""
