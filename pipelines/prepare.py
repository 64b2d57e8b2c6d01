"""DVC stage prepare@<case>: Clean, segment, split and scale a case's raw data into data/prepared/<case>/."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key="case").parse_args()
    from seqcase.stages import prepare  # after parsing, so --help never loads TensorFlow

    run_stage(lambda: prepare.run(args.params, args.case))


if __name__ == "__main__":
    main()
