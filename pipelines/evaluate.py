"""DVC stage evaluate@<case>: Score every network and baseline on the untouched test part."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key="case").parse_args()
    from seqcase.stages import evaluate  # after parsing, so --help never loads TensorFlow

    run_stage(lambda: evaluate.run(args.params, args.case))


if __name__ == "__main__":
    main()
