"""The commands of `python -m seqcase` around the pipeline: predict, generate, tune-distributed,
plots-template (the pipeline itself is `dvc repro`)."""
