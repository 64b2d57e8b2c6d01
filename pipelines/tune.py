"""DVC stage tune@<case>: Search each variant's hyperparameters with keras-tuner; every trial logged to MLflow."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key="case").parse_args()
    from seqcase.stages import tune  # after parsing, so --help never loads TensorFlow

    run_stage(lambda: tune.run(args.params, args.case))


if __name__ == "__main__":
    main()
