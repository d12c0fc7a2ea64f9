"""The ``ragfort`` command line: ingest, ask, serve.

Every command prints a one-line error and exits 2 on bad input; long work
shows a progress bar on stderr. State lives under the data dir
(``--data-dir``, ``$RAGFORT_HOME``, or ``./.ragfort``).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from ragfort.errors import RagfortError
from ragfort.paths import configure, data_dir, release

for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_name, _value)


class _SubsystemCommands(dict[str, Any]):
    """A command group's commands; the subsystems' join on the first look-up they could answer.

    A look-up of a core command (``ask``) answers at once; a name it does not
    hold, or a walk over all of them (help, a typo's suggestions), adds the
    subsystems' commands first, after the core ones as they always were.
    """

    def __init__(self, commands: Mapping[str, Any]) -> None:
        super().__init__(commands)
        self._pending = True

    def _load(self) -> None:
        if not self._pending:
            return
        self._pending = False
        extra = typer.Typer(rich_markup_mode=RICH_MARKUP_MODE)
        for module in _SUBSYSTEMS:
            importlib.import_module(module).register(extra)
        for name, command in typer.main.get_group(extra).commands.items():
            self.setdefault(name, command)

    def __missing__(self, key: str) -> Any:
        if not self._pending:
            raise KeyError(key)
        self._load()
        return self[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if not super().__contains__(key):
            self._load()
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._load()
        return super().__iter__()

    def __len__(self) -> int:
        self._load()
        return super().__len__()

    def keys(self) -> Any:
        self._load()
        return super().keys()

    def values(self) -> Any:
        self._load()
        return super().values()

    def items(self) -> Any:
        self._load()
        return super().items()


class _Commands(TyperGroup):
    """The command group: the subsystems' commands join it when one of them is asked for or listed.

    The subsystems (``ragfort eval``, ``golden``, ``keys``, ``ab-report``)
    register through a ``register(app)`` function in their own modules;
    importing those modules (the evaluation harness) is work that ``ragfort
    ask`` or ``ingest`` never uses.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _SubsystemCommands(self.commands)


# Plain help: Typer's rich help (0.29) prints every flag as taking a value ("--json <bool>").
RICH_MARKUP_MODE: Any = None
# Subsystems contribute commands through a register(app) function (loaded by `_Commands` when needed).
_SUBSYSTEMS = ("ragfort.server.cli", "ragfort.evals.cli")

app = typer.Typer(
    name="ragfort",
    cls=_Commands,
    help="Harden a RAG chatbot: guarded answers with citations, the support-agent API, evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=RICH_MARKUP_MODE,
)

T = TypeVar("T")



def _use_data_dir(ctx: typer.Context, value: Path | None) -> Path | None:
    """``--data-dir`` applies to everything the command keeps (vault, cache, traces), not only the index path.

    It is set with `ragfort.paths.configure` for the command's run and
    released when the command ends (an in-process caller, a test's CLI
    runner, is left as it was); the environment is not touched.
    """
    if value is not None:
        setting = configure(home=value)
        ctx.call_on_close(lambda: release(setting))
    return value


DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="State folder (default: $RAGFORT_HOME or ./.ragfort).", callback=_use_data_dir
    ),
]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default: DATA_DIR/index).")]
PolicyOpt = Annotated[str, typer.Option("--policy", help="Policy file or shipped policy name.", show_default=True)]


def fail(message: str) -> None:
    """Print a one-line error and exit 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def guarded(fn: Callable[[], T]) -> T:
    """Run `fn`, turning ragfort's errors into one-line messages and exit code 2."""
    try:
        return fn()
    except RagfortError as exc:
        fail(str(exc))
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        fail(f"{exc.strerror}: {exc.filename}")
    raise AssertionError("unreachable")


def resolve_index(index: Path | None, data: Path | None) -> Path:
    return index if index is not None else data_dir(data) / "index"


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of Markdown, text or HTML.")],
    index: IndexOpt = None,
    policy: PolicyOpt = "support_agent",
    data_dir_: DataDirOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    public: Annotated[
        bool | None,
        typer.Option(
            "--public/--private",
            help="The sources are public (a help center: indexed as written, never redacted) or private "
            "(tickets, chats: redacted at ingest). Default: what each folder's ragfort-source.yaml says, else private.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Index documents: chunks, sentence vectors, Chroma. Re-running replaces changed files only."""
    from ragfort.index.store import Visibility
    from ragfort.ingest import ingest_paths

    target = resolve_index(index, data_dir_)
    visibility: Visibility | None = None if public is None else ("public" if public else "private")
    report = guarded(
        lambda: ingest_paths(paths, index=target, policy=policy, progress=not quiet, visibility=visibility)
    )
    if not report.changed:
        typer.echo(f"index {target} is up to date ({report.unchanged} documents, version {report.index_version})")
        return
    typer.echo(
        f"indexed {len(report.added)} new, {len(report.updated)} changed, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged documents: {report.chunks} chunks, {report.sentences} sentences "
        f"in {report.seconds:.1f}s ({report.chunks_per_second:.0f} chunks/s); index version {report.index_version}"
    )
    if report.redacted:
        # Said even with -q: what was stored differs from the files, and a help center rarely wants that.
        n = len(report.redacted)
        typer.echo(
            f"note: {n} private document{'s were' if n != 1 else ' was'} indexed with personal data redacted (e.g. "
            f"{report.redacted[0]}): a folder without a ragfort-source.yaml is private. If this is a published help "
            "center, its phone numbers, addresses and names are public: mark it public (a ragfort-source.yaml saying "
            "'visibility: public', or --public) and ingest again (docs/privacy.md).",
            err=True,
        )


def _print_human(result: Any, *, explain: bool) -> None:
    typer.echo(result.answer)
    typer.echo("")
    for c in result.citations:
        typer.echo(f'  [{c.id}] {c.doc_id} ({c.start}-{c.end}): "{c.quote}"')
    badges = [f"status={result.status}", f"cache={result.cache}"]
    if result.groundedness is not None:
        badges.append(f"groundedness={result.groundedness:.2f}")
    if result.redactions:
        badges.append("redacted=" + ",".join(sorted({r.entity for r in result.redactions})))
    if result.budget.degraded:
        badges.append("degraded=" + ",".join(result.budget.degraded))
    typer.echo("  " + "  ".join(badges))
    for v in result.verdicts:
        score = "" if v.score is None else f" score={v.score:.2f}"
        typer.echo(f"  - {v.stage}/{v.guard}: {v.action}{score} {v.reason}".rstrip())
    typer.echo("  timings: " + ", ".join(f"{k}={v:.1f}ms" for k, v in result.timings_ms.items()))
    if explain:
        typer.echo("")
        typer.echo(explain_result(result))


def explain_result(result: Any) -> str:
    """Per-claim verdicts, evidence quotes and the signals that decided them."""
    try:
        from ragfort.grounding import explain
    except ImportError:
        pass
    else:
        return str(explain(result))
    if not result.claims:
        return "no claims were checked (the policy has no grounding guard)"
    lines = []
    by_id = {c.id: c for c in result.citations}
    for i, claim in enumerate(result.claims, 1):
        verdict = "supported" if claim.supported else ("UNSUPPORTED" if claim.supported is False else "not checked")
        lines.append(f"claim {i}: {verdict} ({claim.score:.2f}) {claim.text}")
        for cid in claim.citation_ids:
            c = by_id.get(cid)
            if c:
                lines.append(f'    evidence [{cid}] {c.doc_id}: "{c.quote}"')
        lines.extend(f"    signal: {s}" for s in claim.signals)
    return "\n".join(lines)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The customer's question.")],
    index: IndexOpt = None,
    policy: PolicyOpt = "support_agent",
    data_dir_: DataDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result JSON.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Explain each claim's verdict.")] = False,
    session: Annotated[str | None, typer.Option("--session", help="Session id (keeps PII placeholders).")] = None,
    budget_ms: Annotated[float | None, typer.Option("--budget-ms", help="Total latency budget.")] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log at debug level (a faulting guard's traceback).")
    ] = False,
) -> None:
    """Answer one question through the guarded pipeline."""
    import ragfort

    configure_logging(verbose=verbose)
    target = resolve_index(index, data_dir_)
    if not question.strip():
        fail("the question is empty")

    def run() -> Any:
        chain = ragfort.build_chain(target)
        hardened = ragfort.harden(chain, policy=policy, budget_ms=budget_ms)
        return hardened.invoke({"question": question, "session_id": session})

    result = guarded(run)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        if explain:
            typer.echo(explain_result(result), err=True)
    else:
        _print_human(result, explain=explain)
    for hint in fault_hints(result):
        typer.echo(hint, err=True)
    global _one_shot
    _one_shot = True


@app.command("policy")
def policy_(
    policy: Annotated[str, typer.Argument(help="Policy file or shipped policy name.")] = "support_agent",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")] = False,
    index: Annotated[
        Path | None,
        typer.Option("--index", help="Also scan every chunk of this index with the policy's injection guards."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="With --index: exit 1 when an injection guard would act on a chunk.")
    ] = False,
) -> None:
    """Check a policy and print it as it runs (what it extends merged in).

    Every guard is built, as at start-up, so a bad setting or a missing model file fails here (one
    "error:" line, exit 2), not on the first request. With ``--index``, each retrieval-stage
    injection guard also scans every chunk of that index: a help center is the company's own text,
    so a chunk it would remove is a false positive to fix before going live, most often a domain of
    the company's missing from ``trusted_domains``. The report follows the policy as ``#`` lines
    (under ``index_audit`` with ``--json``).
    """
    import yaml

    from ragfort.policy import load_policy

    loaded = guarded(lambda: load_policy(policy))
    audits = guarded(lambda: _injection_audits(loaded, index)) if index is not None else []
    if as_json:
        body: dict[str, Any] = dict(loaded.raw)
        if index is not None:
            body = {"policy": body, "index_audit": [{"guard": g, **a.to_dict()} for g, a in audits]}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"# {loaded.source} (fingerprint {loaded.fingerprint})")
        typer.echo(yaml.safe_dump(loaded.raw, sort_keys=False, allow_unicode=True, width=100).rstrip())
        if index is not None:
            for line in _audit_lines(index, audits):
                typer.echo(f"# {line}")
    if strict and any(a.flagged for _g, a in audits):
        raise typer.Exit(1)


def _injection_audits(loaded: Any, index: Path) -> list[tuple[str, Any]]:
    """(guard label, `ChunkAudit`) for each enabled retrieval-stage injection guard of `loaded` over `index`."""
    from ragfort.guards.injection import InjectionGuard
    from ragfort.index.store import Index
    from ragfort.injection.audit import audit_chunks
    from ragfort.types import Stage

    target = Index(index)
    target.check_ready()
    chunks = target.chunk_texts()
    guards = [g for g in loaded.guards.get(Stage.RETRIEVAL, ()) if isinstance(g, InjectionGuard)]  # enabled ones
    return [(_label(g), audit_chunks(g.scanner, chunks, threshold=g.settings.threshold)) for g in guards]


def _label(guard: Any) -> str:
    return f"{guard.stage.value}/{guard.name} ({guard.settings.action})"


def _audit_lines(index: Path, audits: list[tuple[str, Any]]) -> list[str]:
    if not audits:
        return [f"index {index}: the policy has no injection guard at the retrieval stage; nothing to scan"]
    lines = []
    for label, audit in audits:
        n = len(audit.flagged)
        lines.append(f"index {index}: {label} acts on {n} of {audit.chunks} chunks (threshold {audit.threshold})")
        for f in audit.flagged[:20]:
            via = f"; link to {f.host}" if f.host else ""
            lines.append(f"  {f.doc_id}: score {f.score:.2f} ({', '.join(f.techniques)}{via})")
        if n > 20:
            lines.append(f"  ... and {n - 20} more (--json lists them all)")
        for host, count in audit.hosts.most_common():
            kind = "a look-alike of a trusted domain" if host in audit.lookalikes else "an unknown domain"
            lines.append(
                f"  {host} ({count} chunks) reads as {kind}: if it is yours, add it to this guard's trusted_domains"
            )
    return lines


@app.command()
def chat(
    index: IndexOpt = None,
    policy: PolicyOpt = "support_agent",
    data_dir_: DataDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One result JSON line per turn.")] = False,
    session: Annotated[
        str | None, typer.Option("--session", help="Session id (default: a new one per conversation).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at debug level.")] = False,
) -> None:
    """Talk to the support agent: one question per line; each answer sees the conversation so far.

    ``/new`` starts a new conversation, ``/quit`` (or end of input) leaves. The
    conversation lives in this process only; each turn passes it to the
    pipeline, whose PII guard redacts it with the session's placeholders.
    """
    import uuid

    import ragfort

    configure_logging(verbose=verbose)
    target = resolve_index(index, data_dir_)
    guarded_chain = guarded(lambda: ragfort.harden(ragfort.build_chain(target), policy=policy))
    session_id = session or uuid.uuid4().hex
    history: list[tuple[str, str]] = []
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            typer.echo("you> ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line:
            break
        question = line.strip()
        if not question:
            continue
        if question in ("/quit", "/exit"):
            break
        if question == "/new":
            history, session_id = [], uuid.uuid4().hex
            typer.echo("(new conversation)", err=True)
            continue
        payload = {"question": question, "chat_history": list(history), "session_id": session_id}
        result = guarded(partial(guarded_chain.invoke, payload))
        if as_json:
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            _print_human(result, explain=False)
        for hint in fault_hints(result):
            typer.echo(hint, err=True)
        # The last ten exchanges: enough for any follow-up, and the prompt and cache key stay bounded.
        history = [*history, ("human", question), ("ai", result.answer)][-20:]


def configure_logging(*, verbose: bool = False) -> None:
    """Log warnings to stderr; debug with `verbose` or ``RAGFORT_LOG_LEVEL=DEBUG``.

    Raises:
        typer.Exit: ``RAGFORT_LOG_LEVEL`` names no logging level (after a one-line error).
    """
    name = "DEBUG" if verbose else os.environ.get("RAGFORT_LOG_LEVEL", "WARNING").strip().upper()
    level = logging.getLevelNamesMapping().get(name)
    if level is None:
        fail(f"RAGFORT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {name!r}")
        return
    logger = logging.getLogger("ragfort")
    logger.setLevel(level)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


class _StderrHandler(logging.StreamHandler[Any]):
    """Writes to whatever `sys.stderr` is at the time of the record (a test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # not setStream(), which flushes the old stream (perhaps closed by now)
        super().emit(record)


def fault_hints(result: Any) -> list[str]:
    """One line per guard that faulted (raised instead of deciding), saying so and how to see more.

    A fault in a required guard blocks the request, and its refusal looks like
    a policy decision unless something says otherwise.
    """
    return [
        f"hint: guard {v.guard!r} faulted at the {v.stage} stage ({v.fault}); "
        f"{'the request was blocked (the guard is required)' if v.action.value == 'block' else 'it was skipped'}. "
        "Run with --verbose (or RAGFORT_LOG_LEVEL=DEBUG) for the traceback."
        for v in result.verdicts
        if v.fault is not None
    ]


@app.command()
def serve(
    index: IndexOpt = None,
    policy: Annotated[
        str | None,
        typer.Option("--policy", help="Policy file or shipped name (default: $RAGFORT_POLICY or support_agent)."),
    ] = None,
    data_dir_: DataDirOpt = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    auth: Annotated[
        str | None,
        typer.Option(
            help="API keys: on, off, or auto (off only on loopback while no key exists; default $RAGFORT_AUTH or auto)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads the models once).")] = 1,
    json_logs: Annotated[bool, typer.Option("--json-logs/--plain-logs", help="Structured JSON log lines.")] = True,
) -> None:
    """Run the support-agent API and web chat page (see docs/service.md)."""
    import uvicorn

    from ragfort.policy import load_policy
    from ragfort.server.app import create_app
    from ragfort.server.settings import load_settings

    if not 0 < port < 65536:
        fail(f"port must be in 1..65535, got {port}")
    if not 1 <= workers <= 64:
        fail(f"workers must be in 1..64, got {workers}")
    if auth is not None and auth not in ("on", "off", "auto"):
        fail(f"--auth must be on, off or auto, got {auth!r}")
    # Flags win over the environment; what a flag leaves unset comes from RAGFORT_* or the defaults.
    flags: dict[str, Any] = {"host": host, "json_logs": json_logs}
    if data_dir_ is not None:
        flags["data_dir"] = str(data_dir_)
    if index is not None or "RAGFORT_INDEX" not in os.environ:
        flags["index"] = str(resolve_index(index, data_dir_))
    if policy is not None:
        flags["policy"] = policy
    if auth is not None:
        flags["auth"] = auth
    settings = guarded(lambda: load_settings(**flags))
    # On a Chroma server the index is not a local folder (the server is checked at start-up).
    if not os.environ.get("RAGFORT_CHROMA_URL") and not Path(settings.index).is_dir():
        fail(f"no index at {settings.index!r}; build one with: ragfort ingest PATH --index {settings.index}")
    # Every policy the service will load is validated before anything is announced: a bad one is one
    # error line and exit 2, not a traceback from inside the server's start-up.
    for name in dict.fromkeys([settings.policy, *(t.policy for t in settings.tenants.values() if t.policy)]):
        guarded(partial(load_policy, name))
    _limit_malloc_arenas()
    shown = f"[{host}]" if ":" in host else host  # the address bound, as a URL
    typer.echo(f"ragfort: serving {settings.index} with policy {settings.policy!r} on http://{shown}:{port}/", err=True)
    log_config = None if json_logs else uvicorn.config.LOGGING_CONFIG
    if workers == 1:
        uvicorn.run(
            guarded(lambda: create_app(settings)), host=host, port=port, access_log=False, log_config=log_config
        )
    else:
        # Worker processes build their settings from the environment: hand the flags down that way.
        env_names = {"data_dir": "RAGFORT_HOME"}
        for name, value in flags.items():
            os.environ[env_names.get(name, f"RAGFORT_{name.upper()}")] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )
        uvicorn.run(
            "ragfort.server.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=log_config,
        )


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Fewer glibc malloc arenas for the long-running service, unless MALLOC_ARENA_MAX is set already.

    glibc gives busy threads their own heaps (up to 8 per core), and memory
    freed in one is not reused by another, so a threaded server's resident
    size creeps up. Measured with ``benchmarks/soak.py --seconds 300``: peak
    RSS 817 MB and +2.4 MB/min with the default, 761 MB and +1.7 MB/min
    with 2 arenas, at the same request rate. The variable reaches worker
    processes (they read it when they start); this process gets ``mallopt``.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 is M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        pass


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        if _one_shot:
            _leave_the_heap_to_the_os()


# Set by the commands after which the process only exits (`ask`).
_one_shot = False


def _leave_the_heap_to_the_os() -> None:
    """Skip the garbage collector's sweeps over every object at interpreter exit.

    A process that answered one question holds a few million objects (spaCy's
    vocabulary, the LangChain and Chroma modules); the collections CPython
    runs while it tears the modules down took 0.8 s of wall time per
    ``ragfort ask`` here, longer than the question. Frozen objects are not
    collected, so they are left to the operating system. Nothing is lost:
    atexit handlers (logging's flush) still run, objects still close when
    their last reference goes, and what `ask` writes is committed as it
    goes (SQLite in autocommit mode, the trace sink flushes every line).
    Only the console-script entry point does this, after the command
    returned: an in-process caller (tests, an embedding application) keeps
    its collector as it was.
    """
    import gc

    gc.freeze()


if __name__ == "__main__":
    main()
