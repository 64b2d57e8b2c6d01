"""DVC stage summary: one table across every case in params.yaml, in reports/summary.md."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key=None).parse_args()
    from seqcase.stages import summary

    run_stage(lambda: summary.run(args.params))


if __name__ == "__main__":
    main()
