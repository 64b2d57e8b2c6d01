"""`python -m seqcase`: commands around the pipeline (the pipeline itself is `dvc repro`)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from seqcase.params import load_params
from seqcase.errors import UserError


def positive_integer(text: str) -> int:
    """argparse type: refuses 0, negatives and non-numbers before anything heavy loads."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive; give 1 or more")
    return value


def positive_number(text: str) -> float:
    """argparse type: a finite number above 0 (nan and inf are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a finite number above 0")
    return value


def some_text(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("an empty text; give at least one character")
    return text


def existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return path


def port_number(text: str) -> int:
    value = positive_integer(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (1 to 65535)")
    return value


def validate(params_path: Path) -> int:
    params = load_params(params_path)
    for name, case in params.cases.items():
        print(f"{name}: {case.task} on {case.source}, models {', '.join(case.models)}, "
              f"baselines {', '.join(case.baselines.chosen())}")
    print(f"{params_path}: valid ({len(params.sources)} sources, {len(params.cases)} cases)")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from seqcase.commands.predict import predict_csv

    rows, answered = predict_csv(args.params, args.case, args.input, args.output, args.version)
    print(f"{args.output}: {rows} rows predicted by {answered}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from seqcase.commands.generate import generate

    unprinted_seed = [args.seed]  # printed with the first character drawn, once the model is loaded

    def emit(characters: str) -> None:
        print(*unprinted_seed, characters, sep="", end="", flush=True)
        unprinted_seed.clear()

    variant, _ = generate(args.params, args.case, args.seed, args.length, args.temperature, args.variant,
                          args.random_seed, emit=emit)
    print()
    print(f"# {args.case}/{variant}, temperature {args.temperature}", file=sys.stderr)
    return 0


def run_pipeline(args: argparse.Namespace) -> int:
    from seqcase.commands.run import run

    return run(args.params)


def run_recap(args: argparse.Namespace) -> int:
    from seqcase.commands.run import recap

    print(recap(args.params), end="")
    return 0


def run_distributed(args: argparse.Namespace) -> int:
    from seqcase.commands.tune_distributed import run_cluster

    return run_cluster(args.case, args.workers, args.port, args.host, args.params)


PARAMS_HELP = "the pipeline's parameters (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seqcase", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="check params.yaml against the schema and list the cases")
    check.add_argument("--params", type=Path, default=Path("params.yaml"), help=PARAMS_HELP)
    template = commands.add_parser("plots-template", help="build an offline HTML template for `dvc plots show`")
    template.add_argument("--output", type=Path, required=True, help="the HTML template to write")
    predict = commands.add_parser("predict", help="predictions of a case's registered model on a CSV")
    predict.add_argument("--case", required=True, help="a case in params.yaml (its model seqcase-<case>)")
    predict.add_argument("--input", type=existing_file, required=True, help="CSV with the case's input column(s)")
    predict.add_argument("--output", type=Path, required=True, help="CSV to write: the input and the predictions")
    predict.add_argument("--version", type=positive_integer, help="a registered version (default: the champion)")
    predict.add_argument("--params", type=Path, default=Path("params.yaml"), help=PARAMS_HELP)
    generate = commands.add_parser("generate", help="a sample from a text generation case's trained model")
    generate.add_argument("--case", required=True, help="a text_generation case in params.yaml")
    generate.add_argument("--seed", type=some_text, default="To be", help="the text to continue (default: %(default)r)")
    generate.add_argument("--length", type=positive_integer, default=300,
                          help="characters to add (default: %(default)s)")
    generate.add_argument("--temperature", type=positive_number, default=0.8,
                          help="below 1 safer, above 1 wilder (default: %(default)s)")
    generate.add_argument("--variant", help="a trained variant, or <variant>_ensemble for its seed ensemble "
                                            "(default: the fewest validation bits per character)")
    generate.add_argument("--random-seed", type=int, help="a number that makes the sample repeatable")
    generate.add_argument("--params", type=Path, default=Path("params.yaml"), help=PARAMS_HELP)
    distributed = commands.add_parser("tune-distributed", help="a case's tune stage with a keras-tuner chief and workers")
    distributed.add_argument("--case", required=True, help="a case in params.yaml whose search to share out")
    distributed.add_argument("--workers", type=positive_integer, default=2,
                             help="worker processes beside the chief (default: %(default)s)")
    distributed.add_argument("--port", type=port_number, default=8000,
                             help="the first variant's oracle port; variant i uses port + i (default: %(default)s)")
    distributed.add_argument("--host", default="127.0.0.1", help="the address the chief listens on (default: %(default)s)")
    distributed.add_argument("--params", type=Path, default=Path("params.yaml"), help=PARAMS_HELP)
    pipeline = commands.add_parser("run", help="`dvc repro` case by case, with progress and each verdict as it comes "
                                               "(what `make run` calls)")
    pipeline.add_argument("--params", type=Path, default=Path("params.yaml"), help=PARAMS_HELP)
    summary = commands.add_parser("recap", help="every case's verdict, headline number, report and MLflow run "
                                                "(what `make run` ends with)")
    summary.add_argument("--params", type=Path, default=Path("params.yaml"), help=PARAMS_HELP)
    radius = commands.add_parser("blast-radius", help="for each part of src/seqcase, the stages an edit re-runs and "
                                                      "their minutes")
    radius.add_argument("--reference", action="store_true",
                        help="the reference run's durations (the README's table), not this machine's last run")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as error:  # a user's mistake: one line; anything else is a bug and keeps its traceback
        print(f"error: {error}", file=sys.stderr)
        return 1


def run_blast_radius(args: argparse.Namespace) -> int:
    from seqcase.commands.blast_radius import run

    print(run(reference=args.reference), end="")
    return 0


def run_plots_template(args: argparse.Namespace) -> int:
    from seqcase.commands.plots_template import build_template

    print(build_template(args.output))
    return 0


COMMANDS = {"validate": lambda args: validate(args.params), "plots-template": run_plots_template,
            "predict": run_predict, "generate": run_generate, "tune-distributed": run_distributed,
            "recap": run_recap, "run": run_pipeline, "blast-radius": run_blast_radius}


if __name__ == "__main__":
    raise SystemExit(main())
