"""DVC stage fetch@<source>: Fetch one source's file into data/raw/<source>/, sha256 checked."""

from seqcase.cli import run_stage, stage_parser


def main() -> None:
    args = stage_parser(__doc__, key="source").parse_args()
    from seqcase.stages import fetch  # after parsing, so --help never loads TensorFlow

    run_stage(lambda: fetch.run(args.params, args.source))


if __name__ == "__main__":
    main()
