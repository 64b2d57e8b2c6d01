"""DVC stage train@<case>: Retrain each variant on its best hyperparameters; save and log the models."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key="case").parse_args()
    from seqcase.stages import train  # after parsing, so --help never loads TensorFlow

    run_stage(lambda: train.run(args.params, args.case))


if __name__ == "__main__":
    main()
