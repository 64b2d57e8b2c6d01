"""DVC stage report@<case>: Write the case's figures, report.md and report.html; close its MLflow pipeline run."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key="case").parse_args()
    from seqcase.stages import report  # after parsing, so --help never loads TensorFlow

    run_stage(lambda: report.run(args.params, args.case))


if __name__ == "__main__":
    main()
