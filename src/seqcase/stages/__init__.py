"""One module per DVC stage: read the stage's inputs, call the library, write outputs atomically.

pipelines/<stage>.py parses arguments and calls `run` here. Modules of stages that do not train
(fetch, prepare, report, summary) must not import TensorFlow: it costs 9 s at every start.
"""
