"""DVC stage fundamentals: the NumPy reference cells on the adding problem, in reports/fundamentals/."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key=None).parse_args()
    from seqcase.stages import fundamentals

    run_stage(lambda: fundamentals.run(args.params))


if __name__ == "__main__":
    main()
