"""The package's layering, read from the source: no module imports one drawn above it, and no import circle.

The tiers are the drawing in docs/architecture.md. Every import counts,
including those inside functions (a lazy import is still a dependency);
imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ragfort import Action, Status

SRC = Path(__file__).resolve().parents[1] / "src"

# Lowest first. A module belongs to the tier of its longest matching prefix.
TIERS: tuple[tuple[str, ...], ...] = (
    # foundations: values, errors, paths, text, budget arithmetic, the loop helpers
    (
        "ragfort.types", "ragfort.errors", "ragfort._json", "ragfort._offline", "ragfort._onnx", "ragfort.paths",
        "ragfort.text", "ragfort.faults", "ragfort.redis_client", "ragfort._loops", "ragfort.budget",
        "ragfort.replies", "ragfort.cache_settings",
    ),
    # the request context, and the Handler/Layer shapes
    ("ragfort.context",),
    # engines: each judgement or store, knowing nothing of policies, guards or the pipeline
    (
        "ragfort.embeddings", "ragfort.contact", "ragfort.generate", "ragfort.conversation", "ragfort.streaming",
        "ragfort.pii",
        "ragfort.grounding", "ragfort.judges", "ragfort.injection", "ragfort.index", "ragfort.cache",
    ),
    # guards over the engines, and the policy that lists them
    ("ragfort.guards", "ragfort.policy"),
    # the pipeline and its trace records
    ("ragfort.pipeline", "ragfort.trace"),
    # chains and their adapters, ingest with a policy
    ("ragfort.chain", "ragfort.integrations", "ragfort.ingest"),

    # entry points (training a judge is one: a dev-time command that evaluates with the eval harness)
    (
        "ragfort.harden", "ragfort.testing", "ragfort.evals", "ragfort.server", "ragfort.cli", "ragfort",
        "ragfort.judges.train",
    ),
)  # fmt: skip


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "ragfort").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _imported(name: str, source: str, *, is_package: bool = False) -> Iterator[str]:
    """The ragfort modules `name` imports (a package's name when an attribute of it is imported)."""
    tree = ast.parse(source)
    package = name if is_package else name.rpartition(".")[0]
    skip = _type_checking_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith("ragfort") and target != name:
                yield target


GRAPH = {
    name: set(_imported(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py"))
    for name, path in MODULES.items()
}


def tier(module: str) -> int:
    best, found = -1, None
    for level, prefixes in enumerate(TIERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), level
    if found is None:
        raise AssertionError(f"{module} is in no tier: add it to TIERS and to docs/architecture.md")
    return found


def test_every_module_has_a_tier() -> None:
    for module in MODULES:
        tier(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_one_drawn_above_it(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if tier(t) > tier(module))
    assert not upward, f"{module} (tier {tier(module)}) imports {upward} from a higher tier"


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of `graph` (Tarjan's strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


def test_no_import_circle() -> None:
    assert not _circles(GRAPH), f"import circles: {_circles(GRAPH)}"


def test_the_checker_sees_a_lazy_upward_import_and_a_circle() -> None:
    """The reading above can fail: an import inside a function counts, one under TYPE_CHECKING does not."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import detect\n"
        "if TYPE_CHECKING:\n    from ragfort.server import app\n"
        "def f():\n    from ragfort.pipeline import Pipeline\n"
    )
    found = set(_imported("ragfort.pii.probe", source))
    assert found == {"ragfort.pii.detect", "ragfort.pipeline"}
    assert [t for t in found if tier(t) > tier("ragfort.pii.probe")] == ["ragfort.pipeline"]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_architecture_page_example_runs() -> None:
    """docs/architecture.md's example: a guard and a chain of one's own, through the whole stack."""
    page = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert len(blocks) == 1
    scope: dict[str, Any] = {"__name__": "architecture_example"}
    exec(compile(blocks[0], "docs/architecture.md", "exec"), scope)  # our own page, not untrusted input
    refund, acme, unknown = scope["refund"], scope["acme"], scope["unknown"]
    assert (refund.status, refund.answer) == (Status.OK, "Refunds reach your card within 5 business days.")
    assert [d.doc_id for d in refund.documents] == ["refund"]
    assert acme.status is Status.BLOCKED
    assert [(v.guard, v.action) for v in acme.verdicts] == [("no_competitors", Action.BLOCK)]
    assert unknown.status is Status.ABSTAINED
    assert unknown.budget.degraded == ("fallback:abstain",)
    assert [name for name, _ in scope["guarded"].pipeline.layers] == [
        "input gate", "retrieve", "retrieval gate", "output gate", "fallback",
    ]  # fmt: skip


def test_every_module_has_a_mirrored_test_file() -> None:
    """``src/ragfort/<path>/<name>.py`` is tested in ``tests/<path>/test_<name>.py`` (``_name.py`` too)."""
    package = SRC / "ragfort"
    tests = SRC.parent / "tests"
    present = {p.relative_to(tests).as_posix() for p in tests.rglob("test_*.py")}
    missing = set()
    for module in package.rglob("*.py"):
        if module.name == "__init__.py":
            continue
        rel = module.relative_to(package)
        mirror = (rel.parent / f"test_{module.stem.lstrip('_')}.py").as_posix()
        if mirror not in present:
            missing.add(rel.as_posix())
    assert sorted(missing) == [], "modules without a tests/ file at their mirrored path"
