"""CLI commands of the evaluation harness (registered by ragfort.cli).

``ragfort eval``, ``ragfort eval-guard``, ``ragfort golden import`` and
``ragfort golden from-feedback``. Exit codes: 0 success, 1 a gate failed,
2 bad input (one line on stderr naming the bad value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

__all__ = ["register"]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _guarded(fn: Any) -> Any:
    from ragfort.errors import RagfortError

    try:
        return fn()
    except RagfortError as exc:
        _fail(str(exc))
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        _fail(f"{exc.strerror}: {exc.filename}")
    except ValueError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def eval_command(
    golden: Annotated[Path, typer.Argument(help="Golden set (JSONL).")],
    index: Annotated[Path | None, typer.Option("--index", help="Index folder (default: DATA_DIR/index).")] = None,
    policy: Annotated[str, typer.Option("--policy", help="Policy file or shipped policy name.")] = "support_agent",
    report: Annotated[Path, typer.Option("--report", help="Report folder.")] = Path("eval-report"),
    gate: Annotated[Path | None, typer.Option("--gate", help="Gate file (YAML: metric path → condition).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="An earlier report.json to compare with.")] = None,
    data_dir_: Annotated[Path | None, typer.Option("--data-dir", help="State folder.")] = None,
    concurrency: Annotated[int, typer.Option(help="Questions in flight at once.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed for the run and the bootstrap.")] = 0,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 1000,
    limit: Annotated[int | None, typer.Option(help="Run only the first N valid records.")] = None,
    budget_ms: Annotated[float | None, typer.Option("--budget-ms", help="Override the policy's budget.")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Start over instead of resuming (old results kept).")] = False,
    pii_finder: Annotated[str, typer.Option("--pii-finder", help="auto, presidio or regex.")] = "auto",
    cache: Annotated[str, typer.Option("--cache", help="fresh (per-run, in memory), off, or policy.")] = "fresh",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a golden set through the guarded pipeline; write report.json/.md/.html; check gates."""
    from ragfort.evals.api import evaluate
    from ragfort.evals.validate import summarize
    from ragfort.paths import data_dir

    target = index if index is not None else data_dir(data_dir_) / "index"
    outcome = _guarded(
        lambda: evaluate(
            golden,
            index=target,
            policy=policy,
            report_dir=report,
            gates=gate,
            baseline=baseline,
            concurrency=concurrency,
            seed=seed,
            resamples=resamples,
            limit=limit,
            budget_ms=budget_ms,
            fresh=fresh,
            progress=not quiet,
            pii_finder=pii_finder,
            cache=cache,
        )
    )
    for line in summarize(outcome.validated.problems):
        typer.echo(line, err=True)
    metrics = outcome.report["metrics"]
    run = outcome.report["run"]
    typer.echo(f"{run['records_run']} records in {run['wall_s']:.1f}s; report: {outcome.report_dir}/report.html")
    heads = (("retrieval", "recall_at_5"), ("answers", "token_f1"), ("abstention", "recall"), ("privacy", "pii_leaks"))
    typer.echo("  " + "  ".join(f"{a}.{b}={metrics.get(a, {}).get(b)}" for a, b in heads))
    if outcome.comparison is not None:
        for change in outcome.comparison.regressions:
            typer.echo(f"  regression: {change.path} {change.old:g} -> {change.new:g}")
        for change in outcome.comparison.improvements:
            typer.echo(f"  improvement: {change.path} {change.old:g} -> {change.new:g}")
    if outcome.gates:
        for result in outcome.gates:
            typer.echo(f"  {result}")
    if not outcome.passed:
        failed = ", ".join(g.gate.path for g in outcome.failed_gates)
        typer.echo(f"gates failed: {failed}", err=True)
        raise typer.Exit(1)


def eval_guard_command(
    detector: Annotated[str, typer.Argument(help="grounding, pii or relevance.")],
    data: Annotated[str, typer.Argument(help="Labelled data: a dataset name or file (see docs/evaluation.md).")],
    limit: Annotated[int | None, typer.Option(help="Score only the first N examples.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    calibrate: Annotated[
        bool, typer.Option("--calibrate", help="grounding: choose the threshold for this labelled file and print it.")
    ] = False,
    holdout: Annotated[float, typer.Option(help="With --calibrate: share of rows kept out and reported.")] = 0.0,
    index: Annotated[str | None, typer.Option(help="relevance: the index the questions are retrieved from.")] = None,
    max_refused: Annotated[
        float, typer.Option(help="relevance --calibrate: share of answerable questions the threshold may refuse.")
    ] = 0.05,
    names_bar: Annotated[
        float | None,
        typer.Option(
            help="relevance: score with unknown_name_min_answerable set (off by default): a question naming "
            "something the help center never uses must reach it (docs/judges.md, session 29)."
        ),
    ] = None,
) -> None:
    """Score a detector itself on labelled data: precision, recall, F1, ROC-AUC, balanced accuracy.

    With ``--calibrate``, choose the threshold that suits your own labelled
    data and print the policy lines to paste: for grounding, the support
    threshold over labelled answers (docs/grounding.md, "Calibrating the
    threshold"); for relevance, ``min_answerable`` over golden-set questions
    retrieved from ``--index`` (docs/grounding.md, "Calibrating abstention").
    """
    from ragfort.evals.guard_eval import evaluate_guard

    if detector == "relevance":
        raise typer.Exit(_guarded(lambda: _relevance(data, index, calibrate, holdout, max_refused, names_bar)))
    if calibrate:
        if detector != "grounding":
            typer.echo(f"error: --calibrate applies to grounding, not {detector!r}", err=True)
            raise typer.Exit(2)
        from ragfort.grounding.calibrate import main as calibrate_main

        raise typer.Exit(calibrate_main([data, "--holdout", str(holdout)]))

    scores = _guarded(lambda: evaluate_guard(detector, data, limit=limit))
    if as_json:
        typer.echo(json.dumps(scores.to_dict(), indent=1))
        return
    for key, value in scores.to_dict().items():
        typer.echo(f"{key:>18}: {value}")


def _relevance(
    data: str, index: str | None, calibrate: bool, holdout: float, max_refused: float, names_bar: float | None = None
) -> int:
    from ragfort.errors import GoldenSetError
    from ragfort.evals.golden import load_golden
    from ragfort.evals.relevance_calibrate import (
        calibrate_relevance,
        report,
        score_questions,
        support_agent_redaction,
    )
    from ragfort.guards.relevance import RelevanceGuard
    from ragfort.index.store import Index

    if not index:
        _fail("relevance needs --index: the index the questions are retrieved from")
    if not 0.0 <= max_refused < 1.0:
        _fail(f"--max-refused must be in [0, 1), got {max_refused}")
    if not 0.0 <= holdout < 1.0:
        _fail(f"--holdout must be in [0, 1), got {holdout}")
    if names_bar is not None and not 0.0 < names_bar < 1.0:
        _fail(f"--names-bar must be in (0, 1), got {names_bar}")
    try:
        loaded = load_golden(data)
    except GoldenSetError as exc:
        _fail(str(exc))
    for problem in loaded.problems:
        typer.echo(f"skipped: {problem}", err=True)
    if not loaded.records:
        _fail(f"{data!r} holds no valid golden record")
    opened = _open_index(index, Index)
    guard = RelevanceGuard(stop_when_answered=False, unknown_name_min_answerable=names_bar)
    assert guard.questions is not None
    # With a bar for names, the names are read where the pipeline reads them: on the question as redacted.
    redact = support_agent_redaction() if names_bar is not None else None
    if calibrate:
        result = calibrate_relevance(
            loaded.records, opened, guard=guard, max_refused=max_refused, holdout=holdout, redact=redact
        )
        typer.echo(report(result, (*result.fitted, *result.held_out), result.shipped, names_bar=names_bar))
    else:
        scores = score_questions(loaded.records, opened, guard=guard, redact=redact)
        typer.echo(report(None, scores, guard.questions.threshold_for(True), names_bar=names_bar))
    return 0


def _open_index(path: str, index_type: Any) -> Any:
    if not Path(path).is_dir():
        _fail(f"no index at {path!r}; build one with: ragfort ingest PATH --index {path}")
    opened = index_type(Path(path))
    opened.check_ready()  # an interrupted ingest is a clear error, not empty retrievals
    return opened


golden_app = typer.Typer(help="Build golden sets: import datasets, mine feedback.", no_args_is_help=True)


@golden_app.command("import")
def golden_import(
    fmt: Annotated[str, typer.Argument(help="clapnq, faq-csv or squad.")],
    src: Annotated[Path, typer.Argument(help="The dataset file or folder.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder: golden.jsonl + corpus/.")],
    limit: Annotated[int | None, typer.Option(help="Import only the first N questions.")] = None,
) -> None:
    """Convert a dataset into a golden set and a corpus to ingest (one file per passage)."""
    from ragfort.evals.convert import convert

    result = _guarded(lambda: convert(fmt, src, out, limit=limit))
    typer.echo(
        f"wrote {result.records} golden records to {result.golden} and {result.documents} corpus files to "
        f"{result.corpus}; next: ragfort ingest {result.corpus} --index INDEX"
    )
    for note in result.notes:
        typer.echo(f"  note: {note}", err=True)


@golden_app.command("from-feedback")
def golden_from_feedback(
    out: Annotated[Path, typer.Option("--out", help="Candidate golden records (JSONL) for review.")],
    data_dir_: Annotated[Path | None, typer.Option("--data-dir", help="State folder.")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's traces.")] = None,
    include_abstentions: Annotated[bool, typer.Option(help="Also propose abstained questions.")] = True,
) -> None:
    """Turn traces with negative feedback (and abstentions) into redacted candidate golden records."""
    from ragfort.evals.feedback import candidates_from_feedback
    from ragfort.paths import data_dir

    result = _guarded(
        lambda: candidates_from_feedback(
            data_dir(data_dir_), out=out, tenant=tenant, include_abstentions=include_abstentions
        )
    )
    typer.echo(f"wrote {result.written} candidate records to {out} (tagged needs-review)")
    for note in result.notes:
        typer.echo(f"  note: {note}", err=True)


def register(app: typer.Typer) -> None:
    """Add this subsystem's commands to the ragfort CLI."""
    app.command("eval")(eval_command)
    app.command("eval-guard")(eval_guard_command)
    app.add_typer(golden_app, name="golden")
