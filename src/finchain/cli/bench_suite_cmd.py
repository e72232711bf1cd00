"""`finchain bench run`, `finchain bench --preset/--config` and `finchain bench compare`.

- `run` (and the `bench` group itself when given `--preset` or `--config` and no command): rounds
  from YAML or a preset on the target the suite names (or `--target`, `--suite`,
  `--validators`), a rich console table, `results.json` and `report.html` in `--out-dir`;
- `compare`: the same rounds on two configurations (two files or presets, or one with
  `--vary FIELD=A,B`) in one invocation: both reports plus the per-round B/A ratios
  (`comparison.json`).

Owns: the options and the files written; the work is `bench.suite`, the tables `bench.console`.
"""

from __future__ import annotations

import inspect
import json
import time
from pathlib import Path
from typing import Any

import typer

from finchain.bench.caict import judge_rounds
from finchain.bench.compare import compare_results, vary_suite
from finchain.bench.console import build_comparison_table, build_suite_table, print_renderable
from finchain.bench.html_report import render_html_report
from finchain.bench.report import save_results
from finchain.bench.rounds import (
    PRESETS,
    TARGETS,
    RoundConfigError,
    SuiteConfig,
    get_preset,
    load_suite_config,
    override_suite,
)
from finchain.bench.suite import SuiteRun, run_suite
from finchain.cli.common import guard_errors

CONFIG_OPTION = typer.Option(None, "--config", help="YAML file of rounds.")
PRESET_OPTION = typer.Option(
    None, "--preset", help=f"Built-in rounds instead of --config: {', '.join(sorted(PRESETS))}."
)
OUT_DIR_OPTION = typer.Option(
    None, "--out-dir", help="Report directory (default bench/results/run-<time>/)."
)
TARGET_OPTION = typer.Option(
    None, "--target", help=f"Override the suite's target: {' | '.join(TARGETS)}."
)
SUITE_OPTION = typer.Option(None, "--suite", help="Override the key suite: intl | gm.")
VALIDATORS_OPTION = typer.Option(
    None, "--validators", min=1, help="Validators of a testnet target (default 4)."
)


def bench_callback(ctx: typer.Context, **run_options: Any) -> None:
    """Benchmarks: throughput, p50/p99 latency, success rate (table + JSON).

    `finchain bench --preset quick` is `finchain bench run --preset quick`.
    """
    given = run_options["config"] is not None or run_options["preset"] is not None
    if ctx.invoked_subcommand is not None:
        if given:
            raise typer.BadParameter("--preset/--config go after `run`, or with no command")
        return
    if not given:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    bench_run(**run_options)


def bench_run(
    config: Path | None = CONFIG_OPTION,
    preset: str | None = PRESET_OPTION,
    out_dir: Path | None = OUT_DIR_OPTION,
    target: str | None = TARGET_OPTION,
    suite: str | None = SUITE_OPTION,
    validators: int | None = VALIDATORS_OPTION,
) -> None:
    """Rounds (YAML or preset) on a chain it starts; table, results.json, report.html."""
    if (config is None) == (preset is None):
        raise typer.BadParameter("give exactly one of --config FILE or --preset NAME")
    source = str(config) if config is not None else f"preset:{preset}"
    try:
        suite_config = override_suite(
            load_source(source), target=target, suite=suite, validators=validators
        )
    except (RoundConfigError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from None
    directory = out_dir or _default_dir("run")
    _run_and_report(suite_config, directory)
    typer.echo(f"reports written to {directory}/ (results.json, report.html)")


SOURCES_ARGUMENT = typer.Argument(
    None, help="Two YAML files (A then B), or one with --vary, or none with --preset."
)
COMPARE_PRESET_OPTION = typer.Option(
    None, "--preset", help="A preset as a source (repeatable; after the files)."
)
VARY_OPTION = typer.Option(
    None,
    "--vary",
    help="One source on two settings: target=http,inprocess | suite=intl,gm | validators=1,4.",
)
COMPARE_OUT_OPTION = typer.Option(
    None, "--out-dir", help="Report directory (default bench/results/compare-<time>/)."
)


def bench_compare(
    sources: list[str] | None = SOURCES_ARGUMENT,
    preset: list[str] | None = COMPARE_PRESET_OPTION,
    vary: str | None = VARY_OPTION,
    out_dir: Path | None = COMPARE_OUT_OPTION,
) -> None:
    """The same rounds on two configurations (A, B): both reports and the B/A ratios."""
    names = [*(sources or []), *(f"preset:{p}" for p in preset or [])]
    try:
        if vary is not None:
            if len(names) != 1:
                raise RoundConfigError("--vary takes exactly one file or preset")
            config_a, config_b = vary_suite(load_source(names[0]), vary)
        elif len(names) == 2:
            config_a, config_b = load_source(names[0]), load_source(names[1])
        else:
            raise RoundConfigError("give two files/presets (A and B), or one with --vary")
    except (RoundConfigError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from None
    directory = out_dir or _default_dir("compare")
    runs = {}
    for side, config in (("a", config_a), ("b", config_b)):
        typer.echo(f"--- {side.upper()}: {config.label}", err=True)
        runs[side] = _run_and_report(config, directory / side)
    comparisons = compare_results(runs["a"].results, runs["b"].results)
    print_renderable(build_comparison_table(comparisons, config_a.label, config_b.label))
    document = {
        "a": {"config": config_a.label, **_describe_env(runs["a"])},
        "b": {"config": config_b.label, **_describe_env(runs["b"])},
        "rounds": [c.to_json() for c in comparisons],
    }
    (directory / "comparison.json").write_text(json.dumps(document, indent=2) + "\n")
    typer.echo(f"reports written to {directory}/ (comparison.json, a/, b/)")


def load_source(source: str) -> SuiteConfig:
    """`preset:NAME` or a YAML file."""
    if source.startswith("preset:"):
        return get_preset(source.removeprefix("preset:"))
    return load_suite_config(Path(source))


def _run_and_report(config: SuiteConfig, directory: Path) -> SuiteRun:
    """Run the suite, print its table, write results.json and report.html to `directory`."""
    with guard_errors():
        run = run_suite(config, progress=lambda line: typer.echo(line, err=True))
    verdicts = judge_rounds(run.results)
    print_renderable(build_suite_table(run.results, verdicts, run.environment))
    for verdict in verdicts:
        typer.echo(verdict.describe())
    directory.mkdir(parents=True, exist_ok=True)
    save_results(
        directory / "results.json",
        run.results,
        {
            "benchmark": "run",
            "environment": run.environment,
            "caict": [v.to_json() for v in verdicts],
        },
    )
    title = f"finchain bench run ({config.label})"
    (directory / "report.html").write_text(render_html_report(run, title))
    return run


def _describe_env(run: SuiteRun) -> dict[str, object]:
    env = run.environment
    keys = ("target", "nodes", "engine", "crypto_suite", "block")
    return {key: env.get(key) for key in keys}


def _default_dir(name: str) -> Path:
    return Path("bench/results") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


# The group's callback takes `run`'s options (declared once, on `bench_run`).
bench_callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
        *inspect.signature(bench_run, eval_str=True).parameters.values(),
    ]
)
